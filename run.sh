#!/usr/bin/env bash
# appealmod — one entry point for operators and newcomers.
#
#   ./run.sh sandbox   run the whole product against the Reddit simulator (no server needed)
#   ./run.sh test      install what the tests need, start it, run every test, clean up
#   ./run.sh           run the web app and both runners with certs/config.yaml
#   ./run.sh check-config | migrate   validate the configuration / apply migrations
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)

log() { printf '\033[1m[run.sh]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[run.sh] error:\033[0m %s\n' "$*" >&2; exit 1; }

need_cargo() {
  command -v cargo >/dev/null 2>&1 || die "cargo is not installed. Install Rust from https://rustup.rs (stable), then run this again."
}

# A free TCP port on 127.0.0.1 (the kernel picks it).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_for_port() { # host port seconds
  local deadline=$((SECONDS + $3))
  until (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

ensure_secantusdb() {
  if ! command -v secantusd-py >/dev/null 2>&1; then
    log "installing SecantusDB (MongoDB-compatible test server) with pip"
    python3 -m pip install --quiet SecantusDB || die "pip install SecantusDB failed: the MongoDB tests need it."
    hash -r
  fi
  command -v secantusd-py >/dev/null 2>&1 || die "secantusd-py is not on PATH after installing SecantusDB (check pip's scripts directory)."
}

ensure_chromium() {
  if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then return; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing chromium and chromium-driver (browser tests) with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null \
      || die "apt-get install chromium chromium-driver failed: the browser tests need them."
  else
    die "chromium and chromedriver are needed for the browser tests: sudo apt-get install chromium chromium-driver"
  fi
}

PG_URL=${APPEALMOD_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}

check_postgres() {
  local hostport=${PG_URL#*@}; hostport=${hostport%%/*}
  local host=${hostport%%:*} port=${hostport##*:}
  [ "$port" = "$hostport" ] && port=5432
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h "$host" -p "$port" -t 5 || die "PostgreSQL does not answer on $host:$port. Start it (e.g. pg_ctlcluster 15 main start) or set APPEALMOD_TEST_POSTGRES_URL."
  else
    wait_for_port "$host" "$port" 5 || die "PostgreSQL does not answer on $host:$port. Start it or set APPEALMOD_TEST_POSTGRES_URL."
  fi
}

PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && wait "$pid" 2>/dev/null || true
  done
}

cmd_test() {
  need_cargo
  ensure_secantusdb
  ensure_chromium
  check_postgres
  trap cleanup EXIT INT TERM
  local port; port=$(free_port)
  local mongo_log; mongo_log=$(mktemp)
  secantusd-py --host 127.0.0.1 --port "$port" --storage-path :memory: >"$mongo_log" 2>&1 &
  PIDS+=($!)
  wait_for_port 127.0.0.1 "$port" 30 || { cat "$mongo_log" >&2; die "SecantusDB did not start on port $port"; }
  log "SecantusDB on 127.0.0.1:$port, PostgreSQL at ${PG_URL%%\?*}"
  export APPEALMOD_TEST_MONGODB_URI="mongodb://127.0.0.1:$port"
  export APPEALMOD_TEST_POSTGRES_URL="$PG_URL"
  cargo test --workspace --all-targets "$@"
}

case "${1:-all}" in
  test) shift; cmd_test "$@" ;;
  *) die "unknown command: $1 (try: ./run.sh test)" ;;
esac
