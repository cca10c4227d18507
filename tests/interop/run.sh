#!/usr/bin/env bash
# Interop tests: starts the PDS (built from this tree) on loopback and drives it with the official
# atproto JavaScript libraries, in each mode:
#   sqlite-embedded-plc   SQLite, the PDS's own did:plc directory
#   sqlite-external-plc   SQLite, the official @did-plc/server as the directory
#   postgres-...          the same on PostgreSQL, when PDS_TEST_DATABASE_URL names a server
# Every server started here listens on 127.0.0.1, is killed when this script exits, and carries a
# hard time limit so it stops by itself even if this script is killed.
# Prints "interop: N passed, N failed" at the end; the exit status is non-zero on any failure.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
node_bin="$("$here/setup.sh")" || { echo "interop: setup failed" >&2; exit 1; }
export PATH="$node_bin:$PATH"

work="$(mktemp -d "${TMPDIR:-/tmp}/pds-interop.XXXXXX")"
pids=()
# Each server runs under `timeout`; killing only that wrapper would orphan the server. TERM makes
# timeout pass the signal on and exit with its child; whatever is left after a grace period is killed.
stop() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  pkill -KILL -P "$pid" 2>/dev/null || true
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  for pid in "${pids[@]}"; do stop "$pid"; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

echo "interop: building the PDS"
if ! dotnet build "$root/src/Pds.Api" -c Release -o "$work/pds" -nologo -v q >"$work/build.log" 2>&1; then
  cat "$work/build.log" >&2
  echo "interop: 0 passed, 1 failed"
  exit 1
fi

total_pass=0
total_fail=0

run_mode() {
  local mode="$1" provider="$2" plc="$3"
  local port data log plc_url=""
  port="$(free_port)"
  data="$work/$mode"
  log="$work/$mode.log"
  mkdir -p "$data"
  local env=(PDS_BIND_ADDRESS=127.0.0.1 PDS_PORT="$port" PDS_HOSTNAME=localhost PDS_DEV_MODE=true
             PDS_DATA_DIRECTORY="$data" PDS_DB_PROVIDER="$provider" PDS_BLOBSTORE_DISK_LOCATION="$data/blobs")
  if [ "$provider" = postgres ]; then
    # A fresh database per run in the given cluster; the PDS creates and migrates it at start.
    local pg_url
    pg_url="$(echo "$PDS_TEST_DATABASE_URL" | sed -E "s/Database=[^;]*/Database=pds_interop_${mode//-/_}_$$/")"
    env+=(PDS_DATABASE_URL="$pg_url")
  fi

  if [ "$plc" = external ]; then
    local fifo="$work/$mode.plc-stdin"
    mkfifo "$fifo"
    (cd "$here" && timeout --signal=KILL 1200 node plc-server.mjs <"$fifo" >"$work/$mode.plc.log" 2>&1) &
    pids+=($!)
    exec {plc_hold}>"$fifo"
    for _ in $(seq 1 100); do grep -q '^listening' "$work/$mode.plc.log" 2>/dev/null && break; sleep 0.1; done
    plc_url="http://127.0.0.1:$(awk '/^listening/{print $2}' "$work/$mode.plc.log")"
    env+=(PDS_DID_PLC_URL="$plc_url")
  fi

  env "${env[@]}" timeout --signal=KILL 1200 dotnet "$work/pds/Pds.Api.dll" >"$log" 2>&1 &
  local pds_pid=$!
  pids+=($pds_pid)
  local ready=""
  for _ in $(seq 1 300); do
    if curl -sf "http://127.0.0.1:$port/xrpc/_health" >/dev/null 2>&1; then ready=1; break; fi
    if ! kill -0 "$pds_pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  if [ -z "$ready" ]; then
    echo "interop[$mode]: the PDS did not start" >&2
    tail -20 "$log" >&2
    total_fail=$((total_fail + 1))
    return
  fi

  echo "interop[$mode]: running tests"
  local out="$work/$mode.tap"
  (cd "$here" && PDS_URL="http://127.0.0.1:$port" PLC_URL="${plc_url:-http://127.0.0.1:$port}" PLC_MODE="$plc" PDS_DB_PROVIDER="$provider" \
     timeout 600 node --test --test-concurrency=1 --test-reporter=tap test/*.test.mjs >"$out" 2>&1)
  local pass fail
  pass="$(awk '/^# pass /{print $3}' "$out" | tail -1)"
  fail="$(awk '/^# fail /{print $3}' "$out" | tail -1)"
  pass="${pass:-0}"
  fail="${fail:-1}"
  echo "interop[$mode]: $pass passed, $fail failed"
  if [ "$fail" != 0 ]; then
    grep -E "^not ok|error:|Error|expected|actual" "$out" | head -40 >&2
    echo "--- server log (tail)" >&2
    tail -20 "$log" >&2
  fi
  total_pass=$((total_pass + pass))
  total_fail=$((total_fail + fail))

  stop "$pds_pid"
  if [ "$plc" = external ]; then exec {plc_hold}>&-; fi
}

run_mode sqlite-embedded-plc sqlite embedded
run_mode sqlite-external-plc sqlite external
if [ -n "${PDS_TEST_DATABASE_URL:-}" ]; then
  run_mode postgres-embedded-plc postgres embedded
fi

echo "interop: $total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
