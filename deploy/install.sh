#!/usr/bin/env bash
# Installs appealmod on a systemd host: binaries, a system user, /etc/appealmod,
# /var/lib/appealmod and three services (website, recent runner, started runner).
#
#   sudo deploy/install.sh                 build, install, enable and start
#   deploy/install.sh --root /tmp/stage    everything under a staging root (DESTDIR-style):
#                                          no user is created and systemctl is not called
#   deploy/install.sh --dry-run            say what would change, change nothing
#   sudo deploy/install.sh --replicas 2    two replicas of each runner (appealmod-recent@1,
#                                          @2, …; PostgreSQL: they share the work through
#                                          leases in the database — run more on other
#                                          machines against the same database; on SQLite
#                                          the second waits as a standby)
#
# Options: --prefix DIR (binaries in DIR/bin, default /usr/local), --root DIR (or DESTDIR),
# --no-build (install the binaries already in target/release), --no-start, --dry-run,
# --replicas N (runner processes of each kind on this host, default 1).
# Safe to run again: the configuration and the environment file are never overwritten;
# binaries and units are rewritten only when they differ, and services are reloaded then.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$(pwd)

PREFIX=/usr/local
ROOT=${DESTDIR:-}
BUILD=1 START=1 DRY=0 REPLICAS=1
while [ $# -gt 0 ]; do
  case $1 in
    --prefix) PREFIX=${2:?--prefix needs a directory}; shift 2 ;;
    --prefix=*) PREFIX=${1#--prefix=}; shift ;;
    --root) ROOT=${2:?--root needs a directory}; shift 2 ;;
    --root=*) ROOT=${1#--root=}; shift ;;
    --no-build) BUILD=0; shift ;;
    --no-start) START=0; shift ;;
    --dry-run) DRY=1; shift ;;
    --replicas) REPLICAS=${2:?--replicas needs a number}; shift 2 ;;
    --replicas=*) REPLICAS=${1#--replicas=}; shift ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
ROOT=${ROOT%/}
case $REPLICAS in
  ''|*[!0-9]*|0) echo "install.sh: --replicas needs a number of at least 1" >&2; exit 2 ;;
esac

USER_NAME=appealmod
ETC=/etc/appealmod
VAR=/var/lib/appealmod
UNITS=/etc/systemd/system
BIN=$PREFIX/bin
CHANGED=0
UNITS_CHANGED=0

say() { printf '[install] %s\n' "$*"; }
run() { if [ $DRY = 1 ]; then say "would run: $*"; else "$@"; fi; }

# Writes stdin to ROOT/path when the content differs (mode given); counts changes.
put() { # path mode
  local dest=$ROOT$1 tmp
  tmp=$(mktemp)
  cat >"$tmp"
  if [ -f "$dest" ] && cmp -s "$tmp" "$dest"; then
    rm -f "$tmp"
    return 1
  fi
  CHANGED=$((CHANGED + 1))
  if [ $DRY = 1 ]; then
    say "would write $dest"
    rm -f "$tmp"
  else
    mkdir -p "$(dirname "$dest")"
    install -m "$2" "$tmp" "$dest"
    rm -f "$tmp"
    say "wrote $dest"
  fi
}

# Like put, but only when the file does not exist yet (operators' files are never touched).
put_once() { # path mode
  if [ -e "$ROOT$1" ]; then
    cat >/dev/null
    say "kept $ROOT$1 (exists)"
    return 0
  fi
  put "$1" "$2" || true
}

# 1. Binaries.
if [ $BUILD = 1 ]; then
  command -v cargo >/dev/null 2>&1 || { echo "install.sh: cargo is needed to build (https://rustup.rs), or pass --no-build" >&2; exit 1; }
  say "building release binaries"
  run cargo build --release --locked -p appealmod-bot -p appealmod-web
fi
TARGET=${CARGO_TARGET_DIR:-$SRC/target}/release
for b in appealmod appealmod-web; do
  if [ ! -x "$TARGET/$b" ]; then
    if [ $DRY = 1 ]; then say "would install $TARGET/$b (not built yet)"; continue; fi
    echo "install.sh: $TARGET/$b is missing; build it first (cargo build --release -p appealmod-bot -p appealmod-web)" >&2
    exit 1
  fi
  put "$BIN/$b" 0755 <"$TARGET/$b" || true
done

# 2. The system user (only on the real root: a staging root has no passwd database to edit).
if [ -z "$ROOT" ]; then
  if id "$USER_NAME" >/dev/null 2>&1; then
    say "user $USER_NAME exists"
  else
    run useradd --system --home-dir "$VAR" --no-create-home --shell /usr/sbin/nologin "$USER_NAME"
    CHANGED=$((CHANGED + 1))
  fi
fi

# 3. Directories: the state directory belongs to the service user.
for d in "$ETC" "$VAR" "$VAR/data" "$VAR/logs"; do
  if [ ! -d "$ROOT$d" ]; then
    run mkdir -p "$ROOT$d"
    CHANGED=$((CHANGED + 1))
  fi
done
if [ -z "$ROOT" ] && [ $DRY = 0 ] && id "$USER_NAME" >/dev/null 2>&1; then
  chown -R "$USER_NAME:$USER_NAME" "$VAR"
  # The configuration holds secrets: readable by the service user only.
  chown root:"$USER_NAME" "$ETC"
  chmod 0750 "$ETC"
fi

# 4. Configuration (never overwritten): the example with the paths of this layout.
sed -e "s#url: sqlite://data/appealmod.sqlite#url: sqlite://$VAR/data/appealmod.sqlite#" \
    -e "s#file_dir: logs#file_dir: $VAR/logs#" \
    -e "s#cp certs.example/config.yaml certs/config.yaml#(installed by deploy/install.sh as $ETC/config.yaml)#" \
    "$SRC/certs.example/config.yaml" | put_once "$ETC/config.yaml" 0640
put_once "$ETC/appealmod.env" 0640 <<ENV
# Environment of the appealmod services (systemd EnvironmentFile). Overrides of
# $ETC/config.yaml: APPEALMOD__SECTION__KEY=value, e.g.
# APPEALMOD__DATABASE__URL=postgres://appealmod:password@127.0.0.1:5432/appealmod
# APPEALMOD__REDDIT__PASSWORD=...
# APPEALMOD__WEB__BIND=0.0.0.0:8080
ENV
if [ -z "$ROOT" ] && [ $DRY = 0 ] && id "$USER_NAME" >/dev/null 2>&1; then
  chown root:"$USER_NAME" "$ETC/config.yaml" "$ETC/appealmod.env"
fi

# 5. systemd units (rewritten when they differ).
unit() { # name description exec-args
  put "$UNITS/$1.service" 0644 <<UNIT
[Unit]
Description=$2
Documentation=file://$ETC/config.yaml
After=network-online.target postgresql.service
Wants=network-online.target

[Service]
Type=simple
User=$USER_NAME
Group=$USER_NAME
EnvironmentFile=-$ETC/appealmod.env
WorkingDirectory=$VAR
ExecStart=$3 --config $ETC/config.yaml
Restart=on-failure
RestartSec=5
# SIGTERM lets a runner finish its pass and the site its requests.
KillSignal=SIGTERM
TimeoutStopSec=30
NoNewPrivileges=true
ProtectSystem=strict
ProtectHome=true
ReadWritePaths=$VAR
PrivateTmp=true
PrivateDevices=true

[Install]
WantedBy=multi-user.target
UNIT
}
unit appealmod-web "appealmod website (sign-up and appeal forms)" "$BIN/appealmod-web" && UNITS_CHANGED=1
SERVICES=(appealmod-web)
if [ "$REPLICAS" = 1 ]; then
  unit appealmod-recent "appealmod bot: recent modmail conversations" "$BIN/appealmod recent" && UNITS_CHANGED=1
  unit appealmod-started "appealmod bot: started conversations" "$BIN/appealmod started" && UNITS_CHANGED=1
  SERVICES+=(appealmod-recent appealmod-started)
else
  # Template units: each instance (@1, @2, …) is one replica; they share each bot
  # account's work through leases in the database (bot.runner_lease_secs).
  unit appealmod-recent@ "appealmod bot: recent modmail conversations (replica %i)" "$BIN/appealmod recent" && UNITS_CHANGED=1
  unit appealmod-started@ "appealmod bot: started conversations (replica %i)" "$BIN/appealmod started" && UNITS_CHANGED=1
  for i in $(seq 1 "$REPLICAS"); do
    SERVICES+=("appealmod-recent@$i" "appealmod-started@$i")
  done
fi

# 6. Start (only on the real root, with systemd, unless --no-start).
if [ -z "$ROOT" ] && [ $START = 1 ] && command -v systemctl >/dev/null 2>&1; then
  [ $UNITS_CHANGED = 1 ] && run systemctl daemon-reload
  run systemctl enable --now "${SERVICES[@]}"
  # New binaries or units take effect only after a restart.
  [ $CHANGED -gt 0 ] && run systemctl restart "${SERVICES[@]}"
else
  say "services not started (staging root, --no-start, or no systemctl)"
fi

if [ $CHANGED = 0 ]; then
  say "nothing changed"
else
  say "$CHANGED change(s)$([ $DRY = 1 ] && echo ' (dry run: none made)')"
fi
say "next: edit $ROOT$ETC/config.yaml (appealmod check-config --config $ETC/config.yaml), then systemctl restart ${SERVICES[*]}"
