#!/usr/bin/env bash
# appealmod — one entry point for operators and newcomers.
#
#   ./run.sh sandbox   run the whole product against the Reddit simulator (no server needed)
#                      [--speed N]; SANDBOX_EXIT=1 stops everything when the scenario ends
#   ./run.sh test      install what the tests need, start it, run every test, clean up
#   ./run.sh           run the web app and both runners with certs/config.yaml
#                      ([run] [--config PATH] or APPEALMOD_CONFIG; restarts crashed processes)
#   ./run.sh check-config | migrate   validate the configuration / apply migrations
# Prebuilt binaries (Docker image, deploy): APPEALMOD_BIN_DIR=DIR, or no cargo on PATH (binaries from PATH).
set -Eeuo pipefail
# No path ends in silence: whatever fails says where, even where no `die` was written.
trap 'rc=$?; printf "\033[1;31m[run.sh] error:\033[0m %s failed (status %s, run.sh line %s)\n" "$BASH_COMMAND" "$rc" "$LINENO" >&2' ERR
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

# axe-core (accessibility rules run in Chromium by web/tests/browser_appeal.rs), from npm
# into target/axe, pinned so that its verdicts do not change under the tests.
AXE_VERSION=4.14.1
ensure_axe() {
  [ -f target/axe/node_modules/axe-core/axe.min.js ] && return
  if ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      log "installing npm (for axe-core) with apt-get"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null \
        || die "apt-get install npm failed: the accessibility test needs axe-core from npm."
    else
      die "npm is needed to install axe-core for the accessibility test: sudo apt-get install npm"
    fi
  fi
  log "installing axe-core $AXE_VERSION (accessibility test) into target/axe with npm"
  npm install --silent --no-audit --no-fund --prefix target/axe "axe-core@$AXE_VERSION" >/dev/null \
    || die "npm install axe-core failed: the accessibility test needs it."
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
  ensure_axe
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

# ---------------------------------------------------------------------------------------
# Binaries: built by cargo from this checkout, or prebuilt (Docker image, deploy/install.sh).
#   APPEALMOD_BIN_DIR=/usr/local/bin   use the binaries there and never call cargo
#   no cargo on PATH                   use the binaries found on PATH
# ---------------------------------------------------------------------------------------
BIN_DIR=${APPEALMOD_BIN_DIR:-}

# Builds the release binaries of the given packages when needed (cargo is incremental),
# unless prebuilt binaries are in use.
ensure_binaries() { # package...
  if [ -n "$BIN_DIR" ]; then return; fi
  if command -v cargo >/dev/null 2>&1; then
    local args=() p
    for p in "$@"; do args+=(-p "$p"); done
    log "building release binaries when needed ($*)"
    cargo build --release --quiet "${args[@]}" || die "cargo build failed (see above)."
    BIN_DIR=${CARGO_TARGET_DIR:-$ROOT/target}/release
  fi
}

# Path of a binary: from BIN_DIR, else from PATH.
bin() {
  if [ -n "$BIN_DIR" ]; then
    [ -x "$BIN_DIR/$1" ] || die "$BIN_DIR/$1 is missing (APPEALMOD_BIN_DIR=$BIN_DIR)."
    printf '%s\n' "$BIN_DIR/$1"
  else
    command -v "$1" 2>/dev/null || die "$1 is not installed and cargo is not available to build it. Install Rust from https://rustup.rs, or set APPEALMOD_BIN_DIR to where the binaries are."
  fi
}

# Each line a process writes, prefixed with its name so that interleaved output stays readable.
prefix() { sed -u "s/^/[$1] /"; }

STATE_DIR=""
stop_flag() { [ -n "$STATE_DIR" ] && [ -e "$STATE_DIR/stopping" ]; }

# Starts `cmd...` in the background with prefixed output; its pid goes into PIDS.
start_proc() { # name cmd...
  local name=$1; shift
  "$@" > >(prefix "$name") 2>&1 &
  PIDS+=($!)
}

# Keeps `cmd...` running: restarts it when it exits, waiting 1 s, 2 s, 4 s … up to 60 s
# between attempts (back to 1 s once it has run for 5 minutes). SIGTERM stops the child
# gracefully and then the loop. Runs in a background subshell; its pid goes into PIDS.
supervise() { # name cmd...
  local name=$1; shift
  (
    child=""
    trap 'touch "$STATE_DIR/stopping"; [ -n "$child" ] && kill -TERM "$child" 2>/dev/null' TERM INT
    delay=1
    while :; do
      started=$SECONDS
      "$@" > >(prefix "$name") 2>&1 &
      child=$!
      rc=0
      # A trapped signal interrupts `wait`; wait again until the child has finished stopping.
      while kill -0 "$child" 2>/dev/null; do
        if wait "$child"; then rc=0; else rc=$?; fi
      done
      stop_flag && exit 0
      ran=$((SECONDS - started))
      [ "$ran" -ge 300 ] && delay=1
      log "$name exited (status $rc) after ${ran}s; restarting in ${delay}s"
      sleep "$delay" &
      child=$!
      wait "$child" 2>/dev/null || true
      stop_flag && exit 0
      delay=$((delay * 2))
      [ "$delay" -gt 60 ] && delay=60
    done
  ) &
  PIDS+=($!)
}

# SIGTERM to every process started here, then wait (at most `grace` seconds, then SIGKILL).
stop_all() {
  local grace=${1:-15} pid deadline
  if [ -n "$STATE_DIR" ]; then touch "$STATE_DIR/stopping" 2>/dev/null || true; fi
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
  done
  deadline=$((SECONDS + grace))
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] || continue
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      log "pid $pid did not stop in ${grace}s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
}

random_secret() {
  openssl rand -hex 32 2>/dev/null || python3 -c 'import secrets; print(secrets.token_hex(32))'
}

# ---------------------------------------------------------------------------------------
# ./run.sh sandbox [--speed N]: simulator + website + both runners + the scripted scenario,
# in a temporary directory, with nothing installed or configured.
# SANDBOX_EXIT=1 stops everything when the scenario ends (scripted checks).
# ---------------------------------------------------------------------------------------
cmd_sandbox() {
  local speed=1 keep=1
  while [ $# -gt 0 ]; do
    case $1 in
      --speed) [ $# -ge 2 ] || die "--speed needs a number"; speed=$2; shift 2 ;;
      --speed=*) speed=${1#--speed=}; shift ;;
      *) die "unknown sandbox option: $1 (try: ./run.sh sandbox --speed 4)" ;;
    esac
  done
  [ "${SANDBOX_EXIT:-0}" = 1 ] && keep=0
  ensure_binaries appealmod-bot appealmod-web reddit-sim appealmod-sandbox
  local appealmod web sim scenario
  appealmod=$(bin appealmod)
  web=$(bin appealmod-web)
  sim=$(bin reddit-sim)
  scenario=$(bin appealmod-sandbox)

  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/appealmod-sandbox.XXXXXX")
  STATE_DIR=$dir
  local sim_port web_port
  sim_port=$(free_port)
  web_port=$(free_port)
  while [ "$web_port" = "$sim_port" ]; do web_port=$(free_port); done
  local sim_url="http://127.0.0.1:$sim_port" web_url="http://127.0.0.1:$web_port"
  local config="$dir/config.yaml"
  # The simulator accepts exactly these credentials; they protect nothing.
  local bot_user=appealmod_bot bot_pass=sandbox-password
  local client_id=sandbox-client client_secret=sandbox-secret
  # The console's Reddit "web app" (the simulator's consent page lets you pick a user).
  local web_client_id=sandbox-web-client web_client_secret=sandbox-web-secret
  cat >"$config" <<YAML
# Generated by ./run.sh sandbox: the whole product against the Reddit simulator.
reddit:
  username: $bot_user
  password: $bot_pass
  client_id: $client_id
  client_secret: $client_secret
  user_agent: "rust:appealmod-sandbox:v0.1.0 (by /u/appealmod_sandbox)"
  auth_base_url: $sim_url
  api_base_url: $sim_url
  request_timeout_secs: 5
database:
  url: sqlite://$dir/appealmod.sqlite
  max_connections: 5
bot:
  treatment_fraction: 0.75
  dialogue_update_interval: 2
  subreddits: []
web:
  bind: 127.0.0.1:$web_port
  public_base_url: $web_url
  link_secret: $(random_secret)
  session_key: $(random_secret)
  login:
    client_id: $web_client_id
    client_secret: $web_client_secret
    auth_base_url: $sim_url
    api_base_url: $sim_url
  # The sandbox's moderator is also its operator: every results page and the overview work.
  operators: [sandbox_mod]
  # Links to a modmail conversation open the simulator's view of it (the moderators' and,
  # for the appellant's pages, the user's).
  modmail_url: $sim_url/_sim/view/
  user_mail_url: $sim_url/_sim/message/
logging:
  level: info
  console: human
  file_dir: $dir/logs
YAML

  trap 'log "stopping…"; stop_all 15; log "stopped (files kept in $STATE_DIR)"; exit 130' INT TERM
  trap 'stop_all 15' EXIT

  log "sandbox directory: $dir"
  # The simulator's budget is ten times Reddit's so that the demo is not throttled.
  RUST_LOG=${RUST_LOG:-warn} start_proc sim "$sim" --port "$sim_port" --seed "$((RANDOM + 1))" \
    --bot-username "$bot_user" --bot-password "$bot_pass" \
    --client-id "$client_id" --client-secret "$client_secret" \
    --web-client-id "$web_client_id" --web-client-secret "$web_client_secret" \
    --web-redirect-uri "$web_url/auth/reddit/callback" \
    --rate-budget 6000 --rate-window 600
  wait_for_port 127.0.0.1 "$sim_port" 30 || die "the simulator did not start on port $sim_port"
  # Migrations once, before three processes open the same SQLite file.
  "$appealmod" migrate --config "$config" 2>&1 | prefix migrate
  start_proc web "$web" --config "$config"
  wait_for_port 127.0.0.1 "$web_port" 30 || die "the website did not start on port $web_port"
  start_proc recent "$appealmod" recent --config "$config"
  start_proc started "$appealmod" started --config "$config"

  printf '\n  appealmod sandbox\n' >&2
  printf '    website            %s/\n' "$web_url" >&2
  printf '    console            %s/dashboard (log in as sandbox_mod on the simulator'"'"'s page)\n' "$web_url" >&2
  printf '    simulator (mods)   %s/_sim/\n' "$sim_url" >&2
  printf "    a user's modmail   %s/_sim/user/<name>\n" "$sim_url" >&2
  printf '    configuration      %s\n' "$config" >&2
  printf '    database           %s/appealmod.sqlite\n\n' "$dir" >&2

  # In the background so that a signal to run.sh is handled at once (bash runs traps only
  # between foreground commands); stop_all stops the scenario too.
  local rc=0 scenario_pid
  "$scenario" scenario --sim-url "$sim_url" --web-url "$web_url" --speed "$speed" --settle-secs 10 &
  scenario_pid=$!
  PIDS+=("$scenario_pid")
  wait "$scenario_pid" || rc=$?
  if [ $rc -ne 0 ]; then
    log "the scenario failed (status $rc); the services' output above says more"
  fi
  if [ $keep = 0 ]; then
    stop_all 15
    trap - EXIT INT TERM
    exit $rc
  fi
  log "everything keeps running so you can click around: website $web_url/  simulator $sim_url/_sim/"
  log "press Ctrl-C to stop"
  while :; do
    wait || true
    # Everything stopped on its own (e.g. a Ctrl-C that reached the children first).
    local pid alive=0
    for pid in "${PIDS[@]:-}"; do
      [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && alive=1
    done
    if [ $alive = 0 ]; then
      log "all services have stopped (files kept in $dir)"
      trap - EXIT INT TERM
      exit 0
    fi
    sleep 1
  done
}

# ---------------------------------------------------------------------------------------
# ./run.sh [run] [--config PATH]: the website and both runners, kept running.
# ---------------------------------------------------------------------------------------
CONFIG=""
config_path() { # args...
  CONFIG=${APPEALMOD_CONFIG:-certs/config.yaml}
  while [ $# -gt 0 ]; do
    case $1 in
      --config) [ $# -ge 2 ] || die "--config needs a path"; CONFIG=$2; shift 2 ;;
      --config=*) CONFIG=${1#--config=}; shift ;;
      *) die "unknown option: $1 (usage: ./run.sh run [--config PATH])" ;;
    esac
  done
  if [ ! -f "$CONFIG" ]; then
    die "no configuration file at $CONFIG. Create one from the example, then edit it:
    mkdir -p certs && cp certs.example/config.yaml certs/config.yaml
  (or pass --config PATH, or set APPEALMOD_CONFIG). To try everything without Reddit first: ./run.sh sandbox"
  fi
}

cmd_run() {
  config_path "$@"
  ensure_binaries appealmod-bot appealmod-web
  local appealmod web out
  appealmod=$(bin appealmod)
  web=$(bin appealmod-web)
  if ! out=$("$appealmod" check-config --config "$CONFIG" 2>&1); then
    printf '%s\n' "$out" >&2
    die "the configuration $CONFIG is not valid (see above)."
  fi
  "$appealmod" migrate --config "$CONFIG" 2>&1 | prefix migrate
  [ "${PIPESTATUS[0]}" = 0 ] || die "database migrations failed (see above)."
  STATE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/appealmod-run.XXXXXX")
  trap 'log "stopping…"; stop_all 20; rm -rf "$STATE_DIR"; log "stopped"; exit 0' INT TERM
  supervise web "$web" --config "$CONFIG"
  supervise recent "$appealmod" recent --config "$CONFIG"
  supervise started "$appealmod" started --config "$CONFIG"
  log "running the website and both runners with $CONFIG (Ctrl-C or SIGTERM stops them)"
  while :; do
    wait || true
    sleep 1
  done
}

cmd_passthrough() { # subcommand args...
  ensure_binaries appealmod-bot appealmod-web
  local appealmod
  appealmod=$(bin appealmod)
  exec "$appealmod" "$@"
}

# With no argument, `run` (shift would fail on an empty list under `set -e`).
subcommand=${1:-run}
if [ $# -gt 0 ]; then shift; fi
case "$subcommand" in
  test) cmd_test "$@" ;;
  sandbox) cmd_sandbox "$@" ;;
  run) cmd_run "$@" ;;
  --config|--config=*) cmd_run "$subcommand" "$@" ;;
  check-config|migrate) cmd_passthrough "$subcommand" "$@" ;;
  -h|--help|help) sed -n '3,/^set /{/^#/p}' "$0" | sed 's/^# \{0,1\}//' ;;
  *) die "unknown command: $subcommand (try: ./run.sh sandbox | run | test | check-config | migrate)" ;;
esac
