#!/usr/bin/env bash
# Side-by-side benchmark: the reference TypeScript PDS (@atproto/pds from npm) against this server
# on SQLite and on PostgreSQL, in one run, with identical workloads from a compiled .NET load
# generator (bench/Pds.LoadGen). Prints one table of medians, ratios and targets.
#
#   bench/run.sh                 full run
#   BENCH_QUICK=1 bench/run.sh   a few minutes
#
# Every server listens on 127.0.0.1 only, each PDS has its own real did:plc directory
# (@did-plc/server as the interop tests install it; bench/plc-server.mjs), and every process started here carries a hard time
# limit (timeout --signal=KILL) so it stops by itself even if this script is killed.
#
# Settings (environment):
#   BENCH_QUICK=1          small sizes and 3 rounds
#   BENCH_ROUNDS, BENCH_SEQ_WRITES, ...   sizes, see bench/Pds.LoadGen/Settings.cs
#   BENCH_POSTGRES=0       skip our server on PostgreSQL
#   BENCH_DATABASE_URL     use this PostgreSQL server (Npgsql connection string, a database per run
#                          is created in it) instead of a throwaway cluster
#   BENCH_TIME_LIMIT       seconds after which every started process is killed (default 3600)
#   BENCH_KEEP=1           keep the run directory (logs, data) under bench/.runs
#   BENCH_OURS_ENV="A=1 B=2"  extra environment for our servers (e.g. runtime settings to compare)
#   BENCH_VARIANTS="gcws:DOTNET_gcServer=0;pgo0:DOTNET_TieredPGO=0"  one more server of ours on
#                          SQLite per variant (name:environment, ';' between variants), named
#                          sqlite-<name>, to compare settings side by side in one run
#   BENCH_PG_VARIANTS="pool8:MaxPoolSize=8"  one more server of ours on PostgreSQL per variant
#                          (name:connection-string settings appended to its Npgsql connection
#                          string, ';' between variants, ',' between a variant's settings), named
#                          postgres-<name>, each with a database of its own in the same cluster;
#                          settings of the form env:NAME=value go to the server's environment
#                          instead (e.g. "gate8:env:PDS_X=8" or "both:MaxPoolSize=8,env:PDS_X=8");
#                          {socket} stands for the directory of the harness's own PostgreSQL's Unix
#                          socket (e.g. "uds:Host={socket}" connects over it instead of TCP loopback)
#   BENCH_BASELINE=<rev>   also build that git revision of this repository and run it beside this
#                          tree, as sqlite-base (and postgres-base), to compare two builds in one run
#   BENCH_REFERENCE=0      leave the reference out: ratios are then to our first server (A/B runs)
#   BENCH_ONLY=get,list    run only these workloads (row-key prefixes, see Settings.cs)
#   BENCH_PERF_DIR=dir     profile one round of each workload with Linux perf (servers then
#                          publish JIT symbol maps); writes <workload>.<server>.txt profiles
#                          there, flat and inclusive (bench/perf-top.py).
#                          Profiled rounds are slower: use such a run to find bounds, not for figures.
#   BENCH_PERF_ROUND=n     the round profiled (default: each workload's last, when the JIT has
#                          finished tiering; the first still compiles: 47 % of a sequential
#                          createRecord round's samples were in the JIT)
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
limit="${BENCH_TIME_LIMIT:-3600}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() { echo "bench: $*" >&2; }
die() { say "$*"; exit 1; }

# --- Node 22 and the official did:plc directory: the interop tests' own set-up -------------------
node_bin="$("$root/tests/interop/setup.sh")" || die "Node 22 / interop packages set-up failed"
export PATH="$node_bin:$PATH"
node_dir="$(dirname "$node_bin")"

# --- the reference PDS, pinned in bench/reference/package-lock.json ------------------------------
# better-sqlite3 compiles against Node 22's headers: npm_config_nodedir is set for this install only.
ref_dir="$here/reference"
stamp="$ref_dir/node_modules/.installed-$(sha256sum "$ref_dir/package-lock.json" | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  say "installing the reference PDS (@atproto/pds) from npm"
  (cd "$ref_dir" && npm_config_nodedir="$node_dir" npm ci --no-audit --no-fund --loglevel=error >/dev/null) \
    || die "npm ci of the reference PDS failed"
  touch "$stamp"
fi

# --- build ours and the load generator ----------------------------------------------------------
mkdir -p "$here/.runs"
work="$(mktemp -d "$here/.runs/$(date -u +%Y%m%dT%H%M%SZ).XXXX")"
pids=()
server_pids=()
holds=()
pg_dir=""
pg_bin=""
as_pg=()
cleanup() {
  # Each entry of pids is a `timeout` wrapper: kill the process it runs (its child) first, by pid;
  # killing the wrapper alone would leave the server running until nothing stops it.
  local pid child
  for pid in "${pids[@]}"; do
    for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do kill -9 "$child" 2>/dev/null || true; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  for fd in "${holds[@]}"; do exec {fd}>&- 2>/dev/null || true; done
  for pid in "${server_pids[@]}"; do rm -f "/tmp/perf-$pid.map"; done # symbol maps of profiled runs
  if [ -n "$pg_dir" ]; then
    "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
  fi
  if [ "${BENCH_KEEP:-0}" != 1 ]; then rm -rf "$work"; else say "run directory kept: $work"; fi
}
trap cleanup EXIT

say "building src/Pds.Api and bench/Pds.LoadGen (Release)"
dotnet build "$root/src/Pds.Api" -c Release -o "$work/pds" -nologo -v q >"$work/build.log" 2>&1 \
  || { cat "$work/build.log" >&2; die "build of the server failed"; }
if [ -n "${BENCH_BASELINE:-}" ]; then
  say "building src/Pds.Api at ${BENCH_BASELINE} (the baseline)"
  mkdir -p "$work/base-src"
  git -C "$root" archive "$BENCH_BASELINE" | tar -x -C "$work/base-src" \
    || die "BENCH_BASELINE: git archive of '${BENCH_BASELINE}' failed"
  dotnet build "$work/base-src/src/Pds.Api" -c Release -o "$work/pds-base" -nologo -v q >"$work/build-base.log" 2>&1 \
    || { cat "$work/build-base.log" >&2; die "build of the baseline failed"; }
fi
dotnet build "$here/Pds.LoadGen" -c Release -o "$work/loadgen" -nologo -v q >"$work/build-loadgen.log" 2>&1 \
  || { cat "$work/build-loadgen.log" >&2; die "build of the load generator failed"; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
wait_line() { # file pattern tries
  for _ in $(seq 1 "$3"); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}

# A did:plc directory for one PDS; sets plc_url. It exits when the run closes its stdin, so this
# must run in the main shell (not in $(...)), which holds the write end of its stdin.
start_plc() {
  local name="$1" fifo="$work/$1.plc-stdin" log="$work/$1.plc.log"
  mkfifo "$fifo"
  (cd "$here" && exec timeout --signal=KILL "$limit" node plc-server.mjs <"$fifo" >"$log" 2>&1) &
  pids+=($!)
  local fd
  exec {fd}>"$fifo"
  holds+=("$fd")
  wait_line "$log" '^listening' 100 || { cat "$log" >&2; die "the did:plc directory for $name did not start"; }
  plc_url="http://127.0.0.1:$(awk '/^listening/{print $2}' "$log")"
}

# --- PostgreSQL ----------------------------------------------------------------------------------
pg_url=""
pg_pid=0
if [ "${BENCH_POSTGRES:-1}" != 0 ]; then
  if [ -n "${BENCH_DATABASE_URL:-}" ]; then
    pg_url="$(echo "$BENCH_DATABASE_URL" | sed -E "s/Database=[^;]*/Database=pds_bench_$$/")"
    [[ "$pg_url" == *Database=* ]] || pg_url="$pg_url;Database=pds_bench_$$"
  else
    for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && pg_bin="$d"; done
    if [ -z "$pg_bin" ]; then
      say "installing PostgreSQL from Debian's packages"
      sudo_=(); [ "$(id -u)" -eq 0 ] || sudo_=(sudo)
      "${sudo_[@]}" apt-get update -qq && "${sudo_[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
      for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && pg_bin="$d"; done
    fi
    [ -n "$pg_bin" ] || die "PostgreSQL could not be installed (initdb not found)"
    pg_dir="$(mktemp -d /tmp/pds-bench-pg.XXXXXX)"
    pg_port="$(free_port)"
    if [ "$(id -u)" -eq 0 ]; then
      id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
      chown postgres "$pg_dir"
      as_pg=(runuser -u postgres --)
    fi
    # Durable settings as a real deployment would have them (fsync on), loopback only. The
    # postmaster runs in the foreground under the same hard time limit as the servers.
    "${as_pg[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U pds --auth=trust -E UTF8 >/dev/null \
      || die "initdb failed"
    "${as_pg[@]}" timeout --signal=KILL "$limit" "$pg_bin/postgres" -D "$pg_dir/data" \
      -c listen_addresses=127.0.0.1 -p "$pg_port" -k "$pg_dir" -c max_connections=300 \
      >"$pg_dir/server.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 300); do
      "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port" && break
      sleep 0.1
    done
    "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port" || { cat "$pg_dir/server.log" >&2; die "PostgreSQL did not start"; }
    pg_pid="$(head -1 "$pg_dir/data/postmaster.pid")"
    pg_url="Host=127.0.0.1;Port=$pg_port;Username=pds;Database=pds_bench"
  fi
fi

# --- the servers ---------------------------------------------------------------------------------
jwt_secret="$(hex 32)"
admin_password="$(hex 16)"
rotation_key="$(hex 32)"

targets=()
ref_node_flags=()
ours_perf_env=()
if [ -n "${BENCH_PERF_DIR:-}" ]; then
  command -v perf >/dev/null || die "BENCH_PERF_DIR needs perf (Debian package linux-perf)"
  mkdir -p "$BENCH_PERF_DIR"
  export BENCH_PERF_DIR="$(cd "$BENCH_PERF_DIR" && pwd)"
  # --perf-basic-prof turns on V8's logger too: keep its log in the run directory.
  ref_node_flags=(--perf-basic-prof --logfile="$work/reference-v8.log" --no-logfile-per-isolate)
  # W^X off: JIT code then lives in anonymous memory, so perf resolves it (with call chains) from
  # /tmp/perf-<pid>.map instead of seeing offsets into a memfd double mapping.
  ours_perf_env=(DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0)
fi

# The reference PDS (unless BENCH_REFERENCE=0).
if [ "${BENCH_REFERENCE:-1}" != 0 ]; then
  ref_port="$(free_port)"
  start_plc reference
  ref_plc="$plc_url"
  mkdir -p "$work/reference/blocks"
  ref_fifo="$work/reference.stdin"
  mkfifo "$ref_fifo"
  (cd "$ref_dir" && exec env \
     PDS_HOSTNAME=localhost PDS_PORT="$ref_port" PDS_DEV_MODE=true \
     PDS_DATA_DIRECTORY="$work/reference" PDS_BLOBSTORE_DISK_LOCATION="$work/reference/blocks" \
     PDS_JWT_SECRET="$jwt_secret" PDS_ADMIN_PASSWORD="$admin_password" \
     PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX="$rotation_key" PDS_DID_PLC_URL="$ref_plc" \
     PDS_INVITE_REQUIRED=false PDS_RATE_LIMITS_ENABLED=false PDS_ACCEPTING_REPO_IMPORTS=true \
     LOG_ENABLED=false \
     timeout --signal=KILL "$limit" node "${ref_node_flags[@]}" start.mjs <"$ref_fifo" >"$work/reference.log" 2>&1) &
  pids+=($!)
  exec {ref_hold}>"$ref_fifo"
  holds+=("$ref_hold")
  wait_line "$work/reference.log" '^listening' 600 || { tail -30 "$work/reference.log" >&2; die "the reference PDS did not start"; }
  ref_pid="$(awk '/^listening/{print $3}' "$work/reference.log")"
  server_pids+=("$ref_pid")
  targets+=(--target "name=reference,url=http://127.0.0.1:$ref_port,pid=$ref_pid")
  say "reference PDS $(node -e 'console.log(require("'"$ref_dir"'/node_modules/@atproto/pds/package.json").version)') on port $ref_port (pid $ref_pid)"
fi

# Ours, once per database.
start_ours() {
  local name="$1" provider="$2" db_url="$3" variant_env="${4:-}" build="${5:-$work/pds}" port plc data
  port="$(free_port)"
  start_plc "$name"
  plc="$plc_url"
  data="$work/$name"
  mkdir -p "$data/blocks"
  local env=(PDS_HOSTNAME=localhost PDS_PORT="$port" PDS_BIND_ADDRESS=127.0.0.1 PDS_DEV_MODE=true
             PDS_DATA_DIRECTORY="$data" PDS_BLOBSTORE_DISK_LOCATION="$data/blocks"
             PDS_JWT_SECRET="$jwt_secret" PDS_ADMIN_PASSWORD="$admin_password"
             PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX="$rotation_key" PDS_DID_PLC_URL="$plc"
             PDS_INVITE_REQUIRED=false PDS_RATE_LIMITS_ENABLED=false PDS_ACCEPTING_REPO_IMPORTS=true
             PDS_DB_PROVIDER="$provider" "${ours_perf_env[@]}")
  local extra=()
  read -ra extra <<<"${BENCH_OURS_ENV:-} $variant_env"
  env+=("${extra[@]}")
  [ -n "$db_url" ] && env+=(PDS_DATABASE_URL="$db_url")
  (cd "$build" && exec env "${env[@]}" timeout --signal=KILL "$limit" dotnet "$build/Pds.Api.dll" >"$work/$name.log" 2>&1) &
  local wrapper=$!
  pids+=($wrapper)
  local ready=""
  for _ in $(seq 1 600); do
    if curl -sf "http://127.0.0.1:$port/xrpc/_health" >/dev/null 2>&1; then ready=1; break; fi
    kill -0 "$wrapper" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$ready" ] || { tail -30 "$work/$name.log" >&2; die "our server ($name) did not start"; }
  # The server is the child of `timeout` (the subshell exec'd into timeout).
  local pid
  pid="$(ps -o pid= --ppid "$wrapper" | tr -d ' ' | head -1)"
  server_pids+=("$pid")
  local spec="name=$name,url=http://127.0.0.1:$port,pid=$pid"
  [ "$provider" = postgres ] && [ "$pg_pid" != 0 ] && spec="$spec,dbpid=$pg_pid"
  targets+=(--target "$spec")
  say "our server ($name) on port $port (pid $pid)"
}
start_ours sqlite sqlite ""
[ -n "${BENCH_BASELINE:-}" ] && start_ours sqlite-base sqlite "" "" "$work/pds-base"
IFS=';' read -ra variants <<<"${BENCH_VARIANTS:-}"
for variant in "${variants[@]}"; do
  [ -n "${variant// /}" ] || continue
  [[ "$variant" == *:* ]] || die "BENCH_VARIANTS: '$variant' is not name:environment"
  start_ours "sqlite-${variant%%:*}" sqlite "" "${variant#*:}"
done
# The run's PostgreSQL connection string with its database name suffixed: a database per server.
pg_url_with_suffix() { echo "$pg_url" | sed -E "s/Database=([^;]*)/Database=\\1_$1/"; }
if [ -n "$pg_url" ]; then
  start_ours postgres postgres "$pg_url"
  if [ -n "${BENCH_BASELINE:-}" ]; then
    start_ours postgres-base postgres "$(pg_url_with_suffix base)" "" "$work/pds-base"
  fi
  IFS=';' read -ra pg_variants <<<"${BENCH_PG_VARIANTS:-}"
  for variant in "${pg_variants[@]}"; do
    [ -n "${variant// /}" ] || continue
    [[ "$variant" == *:* ]] || die "BENCH_PG_VARIANTS: '$variant' is not name:settings"
    v_name="${variant%%:*}"
    v_url="$(pg_url_with_suffix "$v_name")"
    v_env=""
    IFS=',' read -ra v_settings <<<"${variant#*:}"
    for setting in "${v_settings[@]}"; do
      setting="${setting//\{socket\}/$pg_dir}"
      if [[ "$setting" == env:* ]]; then v_env="$v_env ${setting#env:}"; else v_url="$v_url;$setting"; fi
    done
    start_ours "postgres-$v_name" postgres "$v_url" "$v_env"
  done
fi

# --- the workloads -------------------------------------------------------------------------------
say "running workloads; progress on stderr"
mkdir -p "$here/results"
stamp_utc="$(date -u +%Y-%m-%dT%H:%MZ)"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
table="$work/table.md"
timeout --signal=KILL "$limit" dotnet "$work/loadgen/Pds.LoadGen.dll" "${targets[@]}" \
  --out "$table" --json "$work/results.json" >/dev/null || die "the load generator failed"

if [ -n "${BENCH_PERF_DIR:-}" ]; then
  for data in "$BENCH_PERF_DIR"/*.data; do
    [ -f "$data" ] || continue
    # While the servers still run, so that their JIT symbol maps (/tmp/perf-<pid>.map) are there.
    python3 "$here/perf-top.py" "$data" 40 >"${data%.data}.txt" 2>/dev/null || true
  done
  say "profiles: $BENCH_PERF_DIR/*.txt"
fi

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
{
  mode=""; [ "${BENCH_QUICK:-0}" = 1 ] && mode="quick mode, "
  echo "Run: $stamp_utc, $mode$(nproc) cores ($cpu), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), load average before the run: $load_before"
  ours_line="ours: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?') on .NET $(dotnet --version)"
  if [ "${BENCH_REFERENCE:-1}" != 0 ]; then
    echo "Reference: @atproto/pds $(node -e 'console.log(require("'"$ref_dir"'/node_modules/@atproto/pds/package.json").version)') on Node $(node --version); $ours_line"
  else
    echo "Reference: left out (BENCH_REFERENCE=0): ratios and targets are against our first server; $ours_line"
  fi
  [ -n "${BENCH_VARIANTS:-}" ] && echo "Variants (SQLite): ${BENCH_VARIANTS}"
  [ -n "${BENCH_BASELINE:-}" ] && echo "Baseline (*-base): $(git -C "$root" rev-parse --short "$BENCH_BASELINE") (${BENCH_BASELINE})"
  [ -n "${BENCH_PG_VARIANTS:-}" ] && [ -n "$pg_url" ] && echo "Variants (PostgreSQL): ${BENCH_PG_VARIANTS}"
  echo
  cat "$table"
} | tee "$here/results/last.md"
