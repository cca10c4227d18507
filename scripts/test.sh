#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: installs what the tests need, builds the
# solution, runs all test projects and prints one summary line ("tests: N passed, N failed").
# Storage tests run twice: on SQLite, then on a throwaway PostgreSQL cluster on loopback.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: the .NET 10 SDK (dotnet) is required on PATH" >&2
  exit 1
fi
if [ ! -d "$here/../shared/interop" ] && [ -z "${PDS_INTEROP_DIR:-}" ]; then
  echo "error: the interop vectors were not found at ../shared/interop (or set PDS_INTEROP_DIR)" >&2
  exit 1
fi

# The build fetches the official lexicons from the npm registry (build/lexicons/Lexicons.targets).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  fi
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "error: Node.js and npm are required to build (the lexicons come from an npm package)" >&2
  exit 1
fi

# The OAuth interop tests drive the sign-in pages in a real headless Chromium (Debian's package).
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi
if [ ! -x /usr/bin/chromium ]; then
  echo "error: Chromium (/usr/bin/chromium) is required by the OAuth interop tests" >&2
  exit 1
fi

# Shared rate limits are tested against a real Redis (Debian's package).
if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  fi
fi
if ! command -v redis-server >/dev/null 2>&1; then
  echo "error: redis-server is required by the shared rate-limit tests" >&2
  exit 1
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Test projects that touch storage; they run a second time against PostgreSQL.
storage_projects=(tests/Pds.Infrastructure.Tests tests/Pds.Api.Tests)

# --- PostgreSQL: install from Debian's packages when missing, start a throwaway cluster ----------
pg_bin=""
find_pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then pg_bin="$d"; fi
  done
}
find_pg_bin
if [ -z "$pg_bin" ]; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  find_pg_bin
fi
if [ -z "$pg_bin" ]; then
  echo "error: PostgreSQL could not be installed (initdb not found)" >&2
  exit 1
fi

pg_dir="$(mktemp -d /tmp/pds-pg.XXXXXX)"
pg_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null || echo $((20000 + RANDOM % 20000)))"
# initdb refuses to run as root: the cluster belongs to the postgres user when we are root.
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$pg_dir"
  as_pg=(runuser -u postgres --)
fi
stop_pg() {
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
trap stop_pg EXIT
"${as_pg[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U pds --auth=trust --no-sync -E UTF8 >/dev/null
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w start \
  -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_dir -c fsync=off -c max_connections=200" >/dev/null

# --- build and test ------------------------------------------------------------------------------
results="$here/TestResults"
rm -rf "$results"
dotnet build Pds.sln -c Release -nologo -v quiet
status=0
dotnet test Pds.sln -c Release --no-build -nologo \
  --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results/sqlite" || status=$?

for project in "${storage_projects[@]}"; do
  PDS_TEST_DB_PROVIDER=postgres \
  PDS_TEST_DATABASE_URL="Host=127.0.0.1;Port=$pg_port;Username=pds;Database=postgres" \
    dotnet test "$project" -c Release --no-build -nologo \
      --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results/postgres" || status=$?
done

# --- interop: the official atproto JavaScript libraries against the running server -------------
interop_log="$results/interop.log"
mkdir -p "$results"
PDS_TEST_DATABASE_URL="Host=127.0.0.1;Port=$pg_port;Username=pds;Database=postgres" \
  "$here/tests/interop/run.sh" 2>&1 | tee "$interop_log" | grep -E '^interop' || true
interop_line="$(grep -E '^interop: [0-9]+ passed, [0-9]+ failed' "$interop_log" | tail -n 1)"
interop_passed="$(sed -n 's/^interop: \([0-9]*\) passed.*/\1/p' <<<"$interop_line")"
interop_failed="$(sed -n 's/.* \([0-9]*\) failed.*/\1/p' <<<"$interop_line")"
if [ -z "$interop_line" ] || [ "${interop_failed:-1}" != 0 ]; then
  status=1
  grep -vE '^\s+at ' "$interop_log" | tail -n 60 >&2
fi

passed=${interop_passed:-0}; failed=${interop_failed:-0}; skipped=0
for trx in "$results"/*/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${t:-0} - ${e:-0}))
done
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$passed" -eq 0 ]; then
  echo "error: no test ran" >&2
  exit 1
fi
exit "$status"
