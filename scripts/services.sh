#!/usr/bin/env bash
# Starts the services the tests need on a development/CI machine (Debian):
# PostgreSQL, MariaDB, RabbitMQ from Debian packages, and FerretDB v1.24.2
# (MongoDB wire protocol) on top of PostgreSQL. Installs Debian's Chromium for
# the console's browser tests.
#
# Usage: bash scripts/services.sh [start|stop|status|env|ensure-ferretdb|ensure-python|restart-broker]
#   start            install what is missing, start what is not answering, wait,
#                    write .omega/services.env and print the URLs (default)
#   stop             stop only the services this script started
#   restart-broker   restart the RabbitMQ this script started (fault tests): every client
#                    connection drops; durable queues and persistent messages survive.
#                    Starts it when it is not answering; returns once it answers again
#   status           tell which services answer (exit 1 if any does not)
#   env              print .omega/services.env
#   ensure-ferretdb  build/install FerretDB if needed; last stdout line = binary path
#   ensure-python    make the Python test venv (.omega/python, part of `start`); prints its python
#
# Idempotent: a second `start` while everything runs is a quick no-op.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OMEGA_DIR="$ROOT/.omega"
SVC_DIR="$OMEGA_DIR/services"
ENV_FILE="$OMEGA_DIR/services.env"
STARTED_FILE="$SVC_DIR/started"
FDB_PID_FILE="$SVC_DIR/ferretdb.pid"
FDB_LOG="$SVC_DIR/ferretdb.log"

HOST=127.0.0.1
PG_PORT=5432
MARIADB_PORT=3306
AMQP_PORT=5672
MONGO_PORT=27017
WAIT_SECONDS="${OMEGA_SERVICES_WAIT:-60}"

FERRETDB_MODULE=github.com/FerretDB/FerretDB
FERRETDB_VERSION=v1.24.2

APT_PACKAGES=(rabbitmq-server postgresql mariadb-server)
# mysqladmin/mysql come from mariadb-client, only a "Recommends" of mariadb-server.
APT_PACKAGES+=(mariadb-client)
# Debian's Chromium, driven headless by playwright-core in the console's end-to-end tests (Playwright
# itself never downloads a browser here).
CHROMIUM_BIN=/usr/bin/chromium

export DEBIAN_FRONTEND=noninteractive
# Go is often installed outside the default PATH (CI images, non-login shells).
[[ -d /usr/local/go/bin ]] && PATH="$PATH:/usr/local/go/bin"

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

# Run as root (directly, or through sudo when the script runs as a normal user).
as_root() {
  if [[ $EUID -eq 0 ]]; then "$@"; else sudo -n "$@"; fi
}
as_postgres() {
  # cd /: postgres may not be allowed into the caller's directory (e.g. a mktemp clone).
  if [[ $EUID -eq 0 ]]; then (cd / && runuser -u postgres -- "$@"); else (cd / && sudo -n -u postgres "$@"); fi
}

# ---------------------------------------------------------------- probes

tcp_open() { # host port
  timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

# Speaks just enough of each wire protocol to prove the server really answers
# (no npm packages needed, so it works in a fresh clone before `npm ci`).
#   mongo: OP_MSG {ping: 1, $db: "admin"} and expects ok: 1
#   amqp:  protocol header and expects a Connection.Start frame
wire_probe() { # mongo|amqp host port
  if ! command -v node >/dev/null; then tcp_open "$2" "$3"; return; fi
  node -e '
const net = require("net");
const [kind, host, port] = process.argv.slice(1);
const i32 = (n) => { const b = Buffer.alloc(4); b.writeInt32LE(n); return b; };
const cstr = (s) => Buffer.from(s + "\0");
let request;
if (kind === "mongo") {
  const body = Buffer.concat([Buffer.from([0x10]), cstr("ping"), i32(1),
    Buffer.from([0x02]), cstr("$db"), i32(6), cstr("admin"), Buffer.from([0])]);
  const msg = Buffer.concat([i32(0), Buffer.from([0]), i32(body.length + 4), body]);
  request = Buffer.concat([i32(16 + msg.length), i32(1), i32(0), i32(2013), msg]);
} else {
  request = Buffer.from("AMQP\x00\x00\x09\x01", "latin1");
}
const sock = net.connect(+port, host);
let data = Buffer.alloc(0);
const done = (ok) => { sock.destroy(); process.exit(ok ? 0 : 1); };
sock.setTimeout(3000, () => done(false));
sock.on("error", () => done(false));
sock.on("connect", () => sock.write(request));
sock.on("data", (chunk) => {
  data = Buffer.concat([data, chunk]);
  if (kind === "mongo") {
    if (data.length < 4 || data.length < data.readInt32LE(0)) return;
    const i = data.indexOf(Buffer.from("\x01ok\x00", "latin1"));
    done(i >= 0 && data.readDoubleLE(i + 4) === 1);
  } else if (data.length >= 11) {
    // frame type 1 (method), class 10 / method 10 = connection.start
    done(data[0] === 1 && data.readUInt16BE(7) === 10 && data.readUInt16BE(9) === 10);
  }
});
' "$1" "$2" "$3" 2>/dev/null
}

pg_answers()       { pg_isready -q -h "$HOST" -p "$PG_PORT" -t 2 2>/dev/null; }
# `mysqladmin ping` succeeds even when access is denied: it only asks "alive?".
mariadb_answers()  { mysqladmin --protocol=tcp -h "$HOST" -P "$MARIADB_PORT" --connect-timeout=2 ping >/dev/null 2>&1; }
rabbitmq_answers() { wire_probe amqp "$HOST" "$AMQP_PORT"; }
ferretdb_answers() { wire_probe mongo "$HOST" "$MONGO_PORT"; }

# wait_until <service> <log file(s)> -- <check command...>
wait_until() {
  local name=$1 logs=$2; shift 3
  local deadline=$((SECONDS + WAIT_SECONDS))
  until "$@"; do
    if ((SECONDS >= deadline)); then
      log "$name did not answer within ${WAIT_SECONDS}s. Last log lines:"
      local f
      for f in $logs; do
        [[ -r $f ]] && { echo "--- $f" >&2; tail -n 25 "$f" >&2; }
      done
      die "$name is not answering"
    fi
    sleep 0.5
  done
}

# ---------------------------------------------------------------- bookkeeping

was_started() { [[ -f $STARTED_FILE ]] && grep -qx "$1" "$STARTED_FILE"; }
mark_started() { was_started "$1" || echo "$1" >>"$STARTED_FILE"; }
unmark_started() {
  [[ -f $STARTED_FILE ]] || return 0
  grep -vx "$1" "$STARTED_FILE" >"$STARTED_FILE.tmp" || true
  mv "$STARTED_FILE.tmp" "$STARTED_FILE"
}

write_env_file() {
  mkdir -p "$OMEGA_DIR"
  cat >"$ENV_FILE" <<EOF
OMEGA_TEST_MONGO_URL=mongodb://$HOST:$MONGO_PORT/
OMEGA_TEST_BROKER_URL=amqp://guest:guest@$HOST:$AMQP_PORT
OMEGA_TEST_POSTGRES_URL=postgres://omega:omega@$HOST:$PG_PORT/omega
OMEGA_TEST_MARIADB_URL=mysql://omega:omega@$HOST:$MARIADB_PORT/omega
EOF
}

# ---------------------------------------------------------------- install

ensure_packages() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  log "installing ${missing[*]} (apt, log: $SVC_DIR/apt.log)"
  # Quiet on success; the log tail is shown on failure.
  if ! { as_root apt-get update -qq && as_root apt-get install -y -qq "${APT_PACKAGES[@]}"; } \
      >"$SVC_DIR/apt.log" 2>&1; then
    tail -n 30 "$SVC_DIR/apt.log" >&2
    die "apt-get failed (full log: $SVC_DIR/apt.log)"
  fi
}

# Installed only when the binary is missing: any Chromium already at that path will do.
ensure_chromium() {
  [[ -x $CHROMIUM_BIN ]] && return 0
  log "installing chromium (apt, log: $SVC_DIR/apt-chromium.log)"
  if ! { as_root apt-get update -qq && as_root apt-get install -y -qq chromium; } \
      >"$SVC_DIR/apt-chromium.log" 2>&1; then
    tail -n 30 "$SVC_DIR/apt-chromium.log" >&2
    die "apt-get failed (full log: $SVC_DIR/apt-chromium.log)"
  fi
  [[ -x $CHROMIUM_BIN ]] || die "the chromium package did not install $CHROMIUM_BIN"
}

gopath_bin() { local gp; gp="$(go env GOPATH)"; echo "${gp%%:*}/bin"; }

# `go install …@v1.24.2` yields a binary that panics at start-up ("Invalid
# build/version/version.txt file content"): the module zip lacks the generated
# version.txt. Rebuild from a copy of the module source with that file written.
build_ferretdb_from_module() {
  local out=$1 src tmp
  src="$(go mod download -json "$FERRETDB_MODULE@$FERRETDB_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
  [[ -n $src && -d $src ]] || die "go mod download gave no source directory for FerretDB"
  tmp="$(mktemp -d)"
  cp -r "$src" "$tmp/src"
  chmod -R u+w "$tmp/src"
  echo "$FERRETDB_VERSION" >"$tmp/src/build/version/version.txt"
  (cd "$tmp/src" && go build -o "$out" ./cmd/ferretdb) || { rm -rf "$tmp"; die "building FerretDB failed"; }
  rm -rf "$tmp"
}

# Whether the binary at $1 runs and is FerretDB $FERRETDB_VERSION. Its output is read whole first: under
# pipefail, `--version | grep -q` fails at random, since grep stops reading at the match and the binary's
# next write then dies of SIGPIPE.
ferretdb_is_wanted() {
  local out
  out="$("$1" --version 2>&1)" || return 1
  grep -qx "version: $FERRETDB_VERSION" <<<"$out"
}

ensure_ferretdb() {
  command -v go >/dev/null || die "go is not installed (needed to build FerretDB)"
  local bin_dir bin
  bin_dir="$(gopath_bin)"
  bin="$bin_dir/ferretdb"
  if ! ferretdb_is_wanted "$bin"; then
    log "installing FerretDB $FERRETDB_VERSION into $bin_dir (takes a few minutes the first time)"
    mkdir -p "$bin_dir"
    GOBIN="$bin_dir" go install "$FERRETDB_MODULE/cmd/ferretdb@$FERRETDB_VERSION" >&2
    if ! "$bin" --version >/dev/null 2>&1; then
      log "installed binary does not start; rebuilding with build/version/version.txt"
      build_ferretdb_from_module "$bin" >&2
    fi
    ferretdb_is_wanted "$bin" || die "FerretDB at $bin does not run: $("$bin" --version 2>&1 | head -n 3)"
  fi
  echo "$bin"
}

# The Python client's tests (clients/python) run in a venv of their own, .omega/python: pytest,
# scikit-learn, skl2onnx, onnx, numpy, pandas from requirements-test.txt, and the client installed
# editable. A stamp (hash of the requirements, pyproject.toml, the interpreter and the checkout's path)
# makes a second run a no-op; a failed pip install is reported, not fatal to the other services (the
# Python suite then fails and names the log).
PY_VENV="$OMEGA_DIR/python"
PY_CLIENT="$ROOT/clients/python"
PY_LOG="$SVC_DIR/pip.log"

ensure_python() {
  local base want stamp="$PY_VENV/.requirements.sha256"
  [[ -f $PY_CLIENT/requirements-test.txt ]] || return 0
  base="$(command -v python3)" || { log "python3 is not installed: the Python client's tests cannot run"; return 0; }
  want="$({ cat "$PY_CLIENT/requirements-test.txt" "$PY_CLIENT/pyproject.toml"; "$base" --version; echo "$ROOT"; } |
    sha256sum | cut -d' ' -f1)"
  [[ -x $PY_VENV/bin/python && -f $stamp && "$(cat "$stamp")" == "$want" ]] && return 0
  # One install at a time (several test runs may start at once).
  exec 8>"$SVC_DIR/python.lock"
  flock -w 600 8 || { log "another Python install did not finish within 600s"; return 0; }
  if [[ -x $PY_VENV/bin/python && -f $stamp && "$(cat "$stamp")" == "$want" ]]; then exec 8>&-; return 0; fi
  log "preparing the Python test venv $PY_VENV (pip, log: $PY_LOG)"
  rm -f "$stamp"
  if ! "$PY_VENV/bin/python" -c '' 2>/dev/null; then
    rm -rf "$PY_VENV"
    if ! "$base" -m venv "$PY_VENV" >"$PY_LOG" 2>&1; then
      # Debian's own python3 needs python3-venv for ensurepip.
      rm -rf "$PY_VENV"
      as_root apt-get install -y -qq python3-venv >>"$PY_LOG" 2>&1 || true
      "$base" -m venv "$PY_VENV" >>"$PY_LOG" 2>&1 || { log "python3 -m venv failed (see $PY_LOG)"; exec 8>&-; return 0; }
    fi
  fi
  if { "$PY_VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$PY_CLIENT/requirements-test.txt" &&
       "$PY_VENV/bin/python" -m pip install --disable-pip-version-check -q --no-build-isolation -e "$PY_CLIENT"; } \
      >>"$PY_LOG" 2>&1; then
    echo "$want" >"$stamp"
  else
    tail -n 20 "$PY_LOG" >&2
    log "pip failed: the Python client's tests will fail until it succeeds (full log: $PY_LOG)"
  fi
  exec 8>&-
}

# ---------------------------------------------------------------- services

pg_cluster() { # prints "<version> <name>" of the first cluster on $PG_PORT
  pg_lsclusters --no-header 2>/dev/null | awk -v p="$PG_PORT" '$3 == p { print $1, $2; exit }'
}

start_postgres() {
  local cluster ver logf
  if ! pg_answers; then
    cluster="$(pg_cluster)"
    if [[ -z $cluster ]]; then
      # Package installed without a cluster (e.g. create_main_cluster=false).
      ver="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
      log "creating PostgreSQL $ver cluster main"
      as_root pg_createcluster -p "$PG_PORT" "$ver" main >/dev/null
      cluster="$ver main"
    fi
    log "starting PostgreSQL $cluster"
    # shellcheck disable=SC2086 # "<version> <name>" splits into two arguments
    as_root pg_ctlcluster $cluster start >"$SVC_DIR/postgresql.log" 2>&1 || true
    logf="/var/log/postgresql/postgresql-${cluster// /-}.log"
    wait_until PostgreSQL "$SVC_DIR/postgresql.log $logf" -- pg_answers
    mark_started postgresql
  fi
  # Role and databases, idempotently (ferretdb keeps its data in `ferretdb`).
  as_postgres psql -q -X -v ON_ERROR_STOP=1 -d postgres >/dev/null <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'omega') THEN CREATE ROLE omega; END IF;
END $$;
ALTER ROLE omega WITH LOGIN CREATEDB SUPERUSER PASSWORD 'omega';
SELECT 'CREATE DATABASE omega OWNER omega' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'omega')\gexec
SELECT 'CREATE DATABASE ferretdb OWNER omega' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'ferretdb')\gexec
SQL
  PGPASSWORD=omega psql -q -X -h "$HOST" -p "$PG_PORT" -U omega -d omega -c 'SELECT 1' >/dev/null ||
    die "PostgreSQL answers but omega/omega cannot log in over TCP"
}

start_mariadb() {
  if ! mariadb_answers; then
    log "starting MariaDB"
    # The init script runs mysqld_safe and waits for it; its output is our only log
    # (Debian's MariaDB logs to syslog, which containers often lack).
    as_root service mariadb start >"$SVC_DIR/mariadb.log" 2>&1 || true
    wait_until MariaDB "$SVC_DIR/mariadb.log /var/log/mysql/error.log" -- mariadb_answers
    mark_started mariadb
  fi
  # root logs in through the unix socket (Debian's unix_socket auth).
  as_root mysql -uroot <<'SQL'
CREATE DATABASE IF NOT EXISTS omega;
CREATE USER IF NOT EXISTS 'omega'@'%' IDENTIFIED BY 'omega';
CREATE USER IF NOT EXISTS 'omega'@'localhost' IDENTIFIED BY 'omega';
ALTER USER 'omega'@'%' IDENTIFIED BY 'omega';
ALTER USER 'omega'@'localhost' IDENTIFIED BY 'omega';
GRANT ALL PRIVILEGES ON *.* TO 'omega'@'%' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO 'omega'@'localhost' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL
  mysql --protocol=tcp -h "$HOST" -P "$MARIADB_PORT" -uomega -pomega omega -e 'SELECT 1' >/dev/null ||
    die "MariaDB answers but omega/omega cannot log in over TCP"
}

start_rabbitmq() {
  rabbitmq_answers && return 0
  log "starting RabbitMQ"
  # The init script waits for the node itself (`rabbitmqctl wait`).
  as_root service rabbitmq-server start >"$SVC_DIR/rabbitmq.log" 2>&1 || true
  wait_until RabbitMQ "$SVC_DIR/rabbitmq.log $(ls /var/log/rabbitmq/*.log 2>/dev/null | tr '\n' ' ')" -- rabbitmq_answers
  mark_started rabbitmq
}

ferretdb_pid() { # prints the pid if the recorded process is still our FerretDB
  local pid
  [[ -f $FDB_PID_FILE ]] || return 1
  pid="$(cat "$FDB_PID_FILE")"
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q ferretdb && echo "$pid"
}

stop_ferretdb() {
  local pid i
  if pid="$(ferretdb_pid)"; then
    log "stopping FerretDB (pid $pid)"
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$FDB_PID_FILE"
}

start_ferretdb() {
  ferretdb_answers && return 0
  # Our FerretDB still running but slow to answer (a loaded machine, a long statement) gets time before it
  # is taken for stale: replacing it would cut every client's connection.
  if ferretdb_pid >/dev/null; then
    local deadline=$((SECONDS + 20))
    while ((SECONDS < deadline)); do
      ferretdb_answers && return 0
      sleep 1
    done
    log "FerretDB (pid $(ferretdb_pid)) has not answered for 20s; replacing it"
  fi
  stop_ferretdb
  local bin
  bin="$(ensure_ferretdb | tail -n 1)"
  mkdir -p "$SVC_DIR/ferretdb-state"
  log "starting FerretDB $FERRETDB_VERSION on PostgreSQL"
  # The log is kept across starts (what a stopped FerretDB printed last explains why it stopped), one old
  # file beside it past 10 MiB.
  if [[ -f $FDB_LOG ]] && (($(stat -c %s "$FDB_LOG") > 10 * 1024 * 1024)); then mv -f "$FDB_LOG" "$FDB_LOG.1"; fi
  echo "--- $(date -u +%FT%TZ) starting FerretDB" >>"$FDB_LOG"
  # setsid + nohup: keep running after this script (and a CI step) exits.
  # --state-dir: FerretDB otherwise writes state.json into the current directory.
  setsid nohup "$bin" \
    --handler=postgresql \
    --postgresql-url="postgres://omega:omega@$HOST:$PG_PORT/ferretdb" \
    --listen-addr="$HOST:$MONGO_PORT" \
    --state-dir="$SVC_DIR/ferretdb-state" \
    --telemetry=disable \
    --debug-addr=- \
    --log-level=warn \
    >>"$FDB_LOG" 2>&1 </dev/null &
  echo $! >"$FDB_PID_FILE"
  wait_until FerretDB "$FDB_LOG" -- ferretdb_answers
  mark_started ferretdb
}

# Restarts the RabbitMQ application inside its running Erlang node (`rabbitmqctl stop_app` then
# `start_app`): the broker closes every client connection and on the way back recovers durable queues
# and persistent messages from disk. Only a RabbitMQ this script started is restarted. One that does
# not answer is brought up instead: a restart cut short between stop_app and start_app leaves the node
# running without the application (start_app), and a node that is gone is started as `start` does.
restart_rabbitmq() {
  local t0=$SECONDS logf="$SVC_DIR/rabbitmq-restart.log" logs
  logs="$logf $(ls /var/log/rabbitmq/*.log 2>/dev/null | tr '\n' ' ')"
  # One restart at a time: overlapping ones would interleave stop_app and start_app.
  exec 9>"$SVC_DIR/rabbitmq-restart.lock"
  flock -w 120 9 || die "another restart-broker did not finish within 120s"
  if rabbitmq_answers; then
    was_started rabbitmq ||
      die "the RabbitMQ on $HOST:$AMQP_PORT was not started by this script: not restarting it"
    log "restarting RabbitMQ (stop_app + start_app: durable queues and persistent messages are kept)"
    { echo "--- stop_app $(date -Is)"; as_root rabbitmqctl stop_app; } >"$logf" 2>&1 ||
      log "stop_app failed (see $logf); starting the application anyway"
  else
    log "RabbitMQ is not answering: starting it"
    : >"$logf"
  fi
  { echo "--- start_app $(date -Is)"; as_root rabbitmqctl start_app; } >>"$logf" 2>&1 || true
  # start_app fails when the node itself is gone: start the server the usual way.
  rabbitmq_answers || as_root rabbitmqctl await_startup --timeout 10 >>"$logf" 2>&1 || start_rabbitmq
  wait_until RabbitMQ "$logs" -- rabbitmq_answers
  log "RabbitMQ answers again after $((SECONDS - t0))s"
}

# ---------------------------------------------------------------- commands

print_table() {
  local name url
  printf '%-10s %-12s %s\n' SERVICE STATE URL
  while IFS='=' read -r name url; do
    local svc check
    case $name in
      OMEGA_TEST_MONGO_URL)    svc=ferretdb;   check=ferretdb_answers ;;
      OMEGA_TEST_BROKER_URL)   svc=rabbitmq;   check=rabbitmq_answers ;;
      OMEGA_TEST_POSTGRES_URL) svc=postgresql; check=pg_answers ;;
      OMEGA_TEST_MARIADB_URL)  svc=mariadb;    check=mariadb_answers ;;
      *) continue ;;
    esac
    local state=down
    if $check; then state=up; fi
    was_started "$svc" && state="$state(ours)"
    printf '%-10s %-12s %s\n' "$svc" "$state" "$url"
  done <"$ENV_FILE"
}

cmd_start() {
  local t0=$SECONDS
  mkdir -p "$SVC_DIR"
  ensure_packages
  ensure_chromium
  ensure_python
  start_postgres
  start_mariadb
  start_rabbitmq
  start_ferretdb # needs PostgreSQL
  write_env_file
  print_table
  log "ready in $((SECONDS - t0))s (env: $ENV_FILE)"
}

cmd_stop() {
  # Reverse dependency order; only what this script started.
  if was_started ferretdb; then stop_ferretdb; unmark_started ferretdb; fi
  if was_started rabbitmq; then
    log "stopping RabbitMQ"; as_root service rabbitmq-server stop >/dev/null 2>&1 || true
    unmark_started rabbitmq
  fi
  if was_started mariadb; then
    log "stopping MariaDB"; as_root service mariadb stop >/dev/null 2>&1 || true
    unmark_started mariadb
  fi
  if was_started postgresql; then
    local cluster; cluster="$(pg_cluster)"
    log "stopping PostgreSQL $cluster"
    # shellcheck disable=SC2086
    [[ -n $cluster ]] && as_root pg_ctlcluster $cluster stop >/dev/null 2>&1 || true
    unmark_started postgresql
  fi
  [[ -s $STARTED_FILE ]] || rm -f "$STARTED_FILE"
}

cmd_status() {
  write_env_file
  local table; table="$(print_table)"
  echo "$table"
  ! grep -qE '^[a-z]+ +down' <<<"$table"
}

case "${1:-start}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) [[ -f $ENV_FILE ]] || write_env_file; cat "$ENV_FILE" ;;
  ensure-ferretdb) mkdir -p "$SVC_DIR"; ensure_ferretdb ;;
  ensure-python) mkdir -p "$SVC_DIR"; ensure_python; [[ -x $PY_VENV/bin/python ]] && echo "$PY_VENV/bin/python" ;;
  restart-broker) mkdir -p "$SVC_DIR"; restart_rabbitmq ;;
  *) die "usage: $0 [start|stop|status|env|ensure-ferretdb|ensure-python|restart-broker]" ;;
esac
