#!/usr/bin/env bash
# deploy/local/services.sh — local PostgreSQL + Redis for Jifen development and CI.
#
# Usage: deploy/local/services.sh <command>
#   up           install missing Debian packages, init (first time), start and
#                provision PostgreSQL and Redis; a quick no-op when already up
#   down         stop both (no error when they are not running)
#   status       print the state of each; exit 0 only when both are up
#   env          print `export` lines for DATABASE_URL, MIGRATION_DATABASE_URL
#                and REDIS_URL:   eval "$(deploy/local/services.sh env)"
#   redis-stop   shut Redis down and wait until it is gone (outage tests)
#   redis-start  start Redis again and wait until it answers PING
#   pg-up        PostgreSQL only: install, init, start, provision (private test instances)
#   pg-stop      stop PostgreSQL (fast shutdown) and wait until it is gone
#   pg-start     start PostgreSQL again and wait until it answers
#   psql [ARGS]  superuser psql on the database (bypasses row-level security: for
#                benchmarks and inspection, never for the application)
#
# Everything lives under <repo>/.local/ (git-ignored): .local/postgres (PGDATA),
# .local/postgres.log, .local/pg-run (Unix socket; /tmp/jifen-<hash>-pg-run if
# that path would be too long), .local/redis (data, pid, log). `down` keeps the
# data; delete .local/ (and /var/tmp/jifen-<hash>/, see below) to start afresh.
# The servers are the script's own instances (no systemd, no Debian cluster
# wrappers), listening on 127.0.0.1 only.
#
# Environment (defaults in brackets):
#   JIFEN_LOCAL_DIR [<repo>/.local]  where data, logs and the lock live
#   JIFEN_PG_PORT [54329]  JIFEN_REDIS_PORT [63790]  JIFEN_DB_NAME [jifen]
#   JIFEN_DB_OWNER [jifen_owner]  JIFEN_DB_OWNER_PASSWORD [jifen_owner]
#   JIFEN_DB_APP_USER [jifen_app] JIFEN_DB_APP_PASSWORD [jifen_app]
#   JIFEN_DB_SYSTEM_PASSWORD [jifen_system]  (the system-scope role is always jifen_system)
#
# As root, PostgreSQL runs as the `postgres` OS user. If that user cannot reach
# <repo>/.local (e.g. a clone under /root, mode 700), the cluster's real
# directory is /var/tmp/jifen-<hash of repo path>/ and .local/postgres is a
# symlink to it.
#
# Progress goes to stderr; only `env` and `status` write to stdout.

set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd -P)"
LOCAL_DIR="${JIFEN_LOCAL_DIR:-$REPO_ROOT/.local}"
readonly SCRIPT_DIR REPO_ROOT LOCAL_DIR

PG_PORT="${JIFEN_PG_PORT:-54329}"
REDIS_PORT="${JIFEN_REDIS_PORT:-63790}"
DB_NAME="${JIFEN_DB_NAME:-jifen}"
DB_OWNER="${JIFEN_DB_OWNER:-jifen_owner}"
DB_OWNER_PASSWORD="${JIFEN_DB_OWNER_PASSWORD:-jifen_owner}"
DB_APP_USER="${JIFEN_DB_APP_USER:-jifen_app}"
DB_APP_PASSWORD="${JIFEN_DB_APP_PASSWORD:-jifen_app}"
DB_SYSTEM_PASSWORD="${JIFEN_DB_SYSTEM_PASSWORD:-jifen_system}"
readonly HOST=127.0.0.1
readonly WAIT_SECONDS=30

readonly REDIS_DIR="$LOCAL_DIR/redis"
readonly REDIS_PIDFILE="$REDIS_DIR/redis.pid"
readonly REDIS_LOG="$REDIS_DIR/redis.log"
readonly PG_LINK="$LOCAL_DIR/postgres"

readonly REQUIRED_PACKAGES=(postgresql redis-server libhiredis-dev libssl-dev pkg-config)

# ----------------------------------------------------------------------------
# helpers

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

is_root() { [[ $EUID -eq 0 ]]; }

check_port() {
    local name=$1 value=$2
    if ! [[ $value =~ ^[0-9]+$ ]] || ((value < 1 || value > 65535)); then
        die "$name must be a TCP port number (got '$value')"
    fi
}

# Percent-encode a URL component (userinfo / path segment).
urlencode() {
    local s=$1 out='' c i
    local LC_ALL=C
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case $c in
            [A-Za-z0-9._~-]) out+=$c ;;
            *) out+=$(printf '%%%02X' "'$c") ;;
        esac
    done
    printf '%s' "$out"
}

# Last lines of a log file, indented, to stderr.
show_log_tail() {
    local file=$1
    if [[ -r $file ]]; then
        log "---- last lines of $file ----"
        tail -n 30 "$file" | sed 's/^/    /' >&2 || true
        log "-----------------------------"
    else
        log "(no log file at $file)"
    fi
}

# Name of a live process (from /proc/PID/comm); empty if it does not exist or
# is a zombie (an init that does not reap promptly must not look "running").
proc_name() {
    local pid=$1 stat
    [[ $pid =~ ^[0-9]+$ ]] || return 0
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 0
    stat=${stat##*) }
    [[ ${stat:0:1} == [ZX] ]] && return 0
    cat "/proc/$pid/comm" 2>/dev/null || true
}

# ----------------------------------------------------------------------------
# packages

package_installed() {
    [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" == installed ]]
}

ensure_packages() {
    command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found: this script expects Debian/Ubuntu"
    local missing=() p
    for p in "${REQUIRED_PACKAGES[@]}"; do
        package_installed "$p" || missing+=("$p")
    done
    ((${#missing[@]} == 0)) && return 0

    local sudo=()
    if ! is_root; then
        command -v sudo >/dev/null 2>&1 ||
            die "missing packages: ${missing[*]} (not root and no sudo; install them with apt-get as root)"
        sudo=(sudo)
    fi
    log "installing missing packages: ${missing[*]}"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 ||
        die "apt-get update failed"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        "${missing[@]}" >&2 || die "apt-get install ${missing[*]} failed"
}

# ----------------------------------------------------------------------------
# PostgreSQL layout

PG_BIN=''          # /usr/lib/postgresql/<ver>/bin
PG_RUN_AS_USER=''  # OS user that owns and runs the cluster
PG_BASE=''         # directory holding postgres/ (PGDATA), pg-run/, postgres.log
PGDATA=''
PG_SOCKET_DIR=''
PG_LOG=''

short_hash() { printf '%s' "${JIFEN_LOCAL_DIR:-$REPO_ROOT}" | sha256sum | cut -c1-10; }

# Run a command as the cluster's OS user (from /, so an unreadable cwd such as
# /root does not break the PostgreSQL tools). fd 9 (our lock) is closed so a
# daemonised postmaster does not inherit it.
as_pg() {
    if is_root; then
        (cd / && runuser -u "$PG_RUN_AS_USER" -- "$@") 9>&-
    else
        (cd / && "$@") 9>&-
    fi
}

pick_pg_bin() {
    local want='' dir
    # An existing cluster pins the major version.
    if [[ -n $PGDATA && -r $PGDATA/PG_VERSION ]]; then
        want=$(<"$PGDATA/PG_VERSION")
        [[ -x /usr/lib/postgresql/$want/bin/pg_ctl ]] ||
            die "cluster in $PGDATA is PostgreSQL $want but /usr/lib/postgresql/$want/bin is missing (install postgresql-$want or run 'down' and delete $PGDATA)"
        PG_BIN=/usr/lib/postgresql/$want/bin
        return 0
    fi
    dir=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/pg_ctl' -printf '%h\n' 2>/dev/null |
        sort -V | tail -n 1)
    [[ -n $dir ]] || return 1
    PG_BIN=$dir
}

# Compute PG_* paths. With create=1 also create/fix the directories.
pg_layout() {
    local create=${1:-0} user_can_reach=1 probe=$LOCAL_DIR

    ((create)) && mkdir -p "$LOCAL_DIR"
    [[ -d $probe ]] || probe=$REPO_ROOT
    if is_root; then
        PG_RUN_AS_USER=postgres
        if ! id -u postgres >/dev/null 2>&1; then
            ((create)) && die "OS user 'postgres' does not exist (is the postgresql package installed?)"
            user_can_reach=0
        elif ! (cd / && runuser -u postgres -- test -x "$probe"); then
            user_can_reach=0
        fi
    else
        PG_RUN_AS_USER=$(id -un)
    fi

    if ((user_can_reach)) && [[ ! -L $PG_LINK ]]; then
        PG_BASE=$LOCAL_DIR
    else
        # Out-of-tree cluster (the only place a .local/postgres symlink points to).
        PG_BASE=/var/tmp/jifen-$(short_hash)
    fi
    PGDATA=$PG_BASE/postgres
    PG_LOG=$PG_BASE/postgres.log
    PG_SOCKET_DIR=$PG_BASE/pg-run
    # Unix socket paths (<dir>/.s.PGSQL.<port>.lock) must stay short.
    if ((${#PG_SOCKET_DIR} + ${#PG_PORT} + 15 > 100)); then
        PG_SOCKET_DIR=/tmp/jifen-$(short_hash)-pg-run
    fi

    ((create)) || return 0

    if [[ $PG_BASE != "$LOCAL_DIR" ]]; then
        if [[ -e $PG_LINK && ! -L $PG_LINK ]]; then
            if [[ -n "$(ls -A "$PG_LINK" 2>/dev/null)" ]]; then
                die "$PG_LINK is a real directory that user '$PG_RUN_AS_USER' cannot reach; remove it (it holds an old cluster) or make $LOCAL_DIR traversable"
            fi
            rmdir "$PG_LINK"
        fi
        mkdir -p "$PG_BASE"
        chmod 700 "$PG_BASE"
        if is_root; then chown "$PG_RUN_AS_USER:" "$PG_BASE"; fi
        ln -sfn "$PGDATA" "$PG_LINK"
        ln -sfn "$PG_LOG" "$LOCAL_DIR/postgres.log"
    fi
    mkdir -p "$PGDATA" "$PG_SOCKET_DIR"
    chmod 700 "$PGDATA"
    chmod 755 "$PG_SOCKET_DIR"
    [[ -e $PG_LOG ]] || : >"$PG_LOG"
    if is_root; then
        chown "$PG_RUN_AS_USER:" "$PGDATA" "$PG_SOCKET_DIR" "$PG_LOG"
    fi
}

pg_postmaster_pid() {
    [[ -r $PGDATA/postmaster.pid ]] || return 0
    head -n 1 "$PGDATA/postmaster.pid" 2>/dev/null || true
}

# True when the postmaster recorded in postmaster.pid is alive and is a
# postgres process serving this data directory.
pg_running() {
    local pid cwd
    pid=$(pg_postmaster_pid)
    [[ -n $pid && "$(proc_name "$pid")" == postgres ]] || return 1
    cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null || true)
    [[ -z $cwd || $cwd == "$(readlink -f "$PGDATA")" ]]
}

pg_ready() {
    [[ -n $PG_BIN ]] || return 1
    "$PG_BIN/pg_isready" -q -h "$HOST" -p "$PG_PORT" -d postgres -t 2 >/dev/null 2>&1
}

# Remove lock files left behind by a postmaster that no longer exists (e.g.
# after a machine restart a recycled PID would make postgres refuse to start).
pg_clear_stale_locks() {
    local f pid
    if [[ -e $PGDATA/postmaster.pid ]] && ! pg_running; then
        log "removing stale $PGDATA/postmaster.pid"
        rm -f "$PGDATA/postmaster.pid"
    fi
    for f in "$PG_SOCKET_DIR"/.s.PGSQL.*.lock; do
        [[ -e $f ]] || continue
        pid=$(head -n 1 "$f" 2>/dev/null || true)
        if [[ "$(proc_name "$pid")" != postgres ]]; then
            log "removing stale socket lock $f"
            rm -f "$f" "${f%.lock}"
        fi
    done
}

pg_init() {
    [[ -s $PGDATA/PG_VERSION ]] && return 0
    if [[ -n "$(ls -A "$PGDATA" 2>/dev/null)" ]]; then
        die "$PGDATA is not empty but holds no cluster; delete it and re-run"
    fi
    local locale_args=(--no-locale)
    if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then
        locale_args=(--locale=C.UTF-8)
    fi
    log "initialising PostgreSQL cluster in $PGDATA ($("$PG_BIN/postgres" --version))"
    as_pg "$PG_BIN/initdb" -D "$PGDATA" -E UTF8 "${locale_args[@]}" \
        --auth-local=trust --auth-host=scram-sha-256 >"$LOCAL_DIR/initdb.log" 2>&1 || {
        show_log_tail "$LOCAL_DIR/initdb.log"
        die "initdb failed"
    }
    as_pg tee -a "$PGDATA/postgresql.conf" >/dev/null <<EOF

# ---- added by deploy/local/services.sh ----
listen_addresses = '$HOST'
port = $PG_PORT
unix_socket_directories = '$PG_SOCKET_DIR'
max_connections = 300
shared_buffers = 256MB
password_encryption = 'scram-sha-256'
EOF
    as_pg tee "$PGDATA/pg_hba.conf" >/dev/null <<'EOF'
# written by deploy/local/services.sh
# TYPE  DATABASE  USER  ADDRESS        METHOD
local   all       all                  trust
host    all       all   127.0.0.1/32   scram-sha-256
EOF
}

pg_start() {
    if pg_running; then
        if pg_ready; then
            log "PostgreSQL already running (pid $(pg_postmaster_pid), port $PG_PORT)"
            return 0
        fi
        # Running but not answering: maybe still starting, or another port.
        if wait_for "PostgreSQL" 10 pg_ready; then
            return 0
        fi
        die "PostgreSQL from $PGDATA is running (pid $(pg_postmaster_pid)) but not answering on $HOST:$PG_PORT; was it started with another JIFEN_PG_PORT? Run '$0 down' first."
    fi
    pg_clear_stale_locks
    # pg_stat_statements (statements per order in `make bench`) when this PG_BIN ships it.
    local out preload='' libdir
    libdir=$("$PG_BIN/pg_config" --pkglibdir 2>/dev/null || true)
    [[ -n $libdir ]] || libdir=$(dirname "$PG_BIN")/lib
    if [[ -f $libdir/pg_stat_statements.so ]]; then
        preload=" -c shared_preload_libraries=pg_stat_statements"
    fi
    log "starting PostgreSQL on $HOST:$PG_PORT${preload:+ (with pg_stat_statements)}"
    # Port and socket dir are passed explicitly so they follow the current env.
    if ! out=$(as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$PG_LOG" -w -t "$WAIT_SECONDS" \
        -o "-p $PG_PORT -k '$PG_SOCKET_DIR' -c listen_addresses=$HOST$preload" start 2>&1); then
        printf '%s\n' "$out" | sed 's/^/    /' >&2
        show_log_tail "$PG_LOG"
        die "PostgreSQL failed to start (data: $PGDATA)"
    fi
    if ! wait_for "PostgreSQL" "$WAIT_SECONDS" pg_ready; then
        show_log_tail "$PG_LOG"
        die "PostgreSQL did not become ready on $HOST:$PG_PORT within ${WAIT_SECONDS}s"
    fi
}

pg_stop() {
    if ! pg_running; then
        log "PostgreSQL not running"
        [[ -e $PGDATA/postmaster.pid ]] && pg_clear_stale_locks
        return 0
    fi
    log "stopping PostgreSQL (pid $(pg_postmaster_pid))"
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w -t "$WAIT_SECONDS" stop >/dev/null 2>&1 || {
        show_log_tail "$PG_LOG"
        die "pg_ctl stop failed"
    }
}

# Superuser psql over the Unix socket.
pg_psql() {
    as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCKET_DIR" -p "$PG_PORT" "$@"
}

pg_provision() {
    log "provisioning database '$DB_NAME', roles '$DB_OWNER', '$DB_APP_USER' and 'jifen_system'"
    # The psql script is read by the superuser's psql from stdin: the `postgres` OS user may not
    # be able to read the repository.
    pg_psql -d postgres \
        -v db="$DB_NAME" -v owner="$DB_OWNER" -v owner_pw="$DB_OWNER_PASSWORD" \
        -v app="$DB_APP_USER" -v app_pw="$DB_APP_PASSWORD" -v system_pw="$DB_SYSTEM_PASSWORD" \
        <"$REPO_ROOT/deploy/postgres/provision.psql" >&2 || die "provisioning (roles, database, privileges) failed"
}

# ----------------------------------------------------------------------------
# Redis

redis_cli() { redis-cli -h "$HOST" -p "$REDIS_PORT" "$@"; }

redis_pid() {
    [[ -r $REDIS_PIDFILE ]] || return 0
    head -n 1 "$REDIS_PIDFILE" 2>/dev/null || true
}

redis_pid_alive() {
    local pid
    pid=$(redis_pid)
    [[ -n $pid && "$(proc_name "$pid")" == redis-server ]]
}

redis_ping() {
    command -v redis-cli >/dev/null 2>&1 || return 1
    [[ "$(timeout 3 redis-cli -h "$HOST" -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]
}

redis_gone() { ! redis_pid_alive && ! redis_ping; }

# Is whatever answers on the port our instance (data dir .local/redis)?
redis_is_ours() {
    local dir
    dir=$(timeout 3 redis-cli -h "$HOST" -p "$REDIS_PORT" config get dir 2>/dev/null | sed -n 2p || true)
    [[ -z $dir || $dir == "$REDIS_DIR" || $dir == "$(readlink -f "$REDIS_DIR")" ]]
}

redis_start() {
    command -v redis-server >/dev/null 2>&1 || die "redis-server not found (run '$0 up' to install it)"
    mkdir -p "$REDIS_DIR"
    if redis_ping; then
        redis_is_ours || die "port $REDIS_PORT is served by another Redis (not $REDIS_DIR); set JIFEN_REDIS_PORT"
        log "Redis already running (port $REDIS_PORT)"
        return 0
    fi
    if redis_pid_alive; then
        # Alive but not answering yet (e.g. loading the AOF).
        if wait_for "Redis" "$WAIT_SECONDS" redis_ping; then return 0; fi
        show_log_tail "$REDIS_LOG"
        die "Redis (pid $(redis_pid)) is running but does not answer on $HOST:$REDIS_PORT"
    fi
    rm -f "$REDIS_PIDFILE"
    log "starting Redis on $HOST:$REDIS_PORT"
    redis-server --bind "$HOST" --port "$REDIS_PORT" --dir "$REDIS_DIR" \
        --daemonize yes --pidfile "$REDIS_PIDFILE" --logfile "$REDIS_LOG" \
        --appendonly yes --save '' >/dev/null 2>&1 9>&- || {
        show_log_tail "$REDIS_LOG"
        die "redis-server failed to start"
    }
    if ! wait_for "Redis" "$WAIT_SECONDS" redis_ping; then
        show_log_tail "$REDIS_LOG"
        die "Redis did not answer PING on $HOST:$REDIS_PORT within ${WAIT_SECONDS}s"
    fi
}

redis_stop() {
    if redis_gone; then
        log "Redis not running"
        rm -f "$REDIS_PIDFILE"
        return 0
    fi
    if redis_ping && ! redis_is_ours; then
        die "port $REDIS_PORT is served by another Redis (not $REDIS_DIR); not stopping it"
    fi
    log "stopping Redis (port $REDIS_PORT)"
    local pid
    pid=$(redis_pid)
    timeout 10 redis-cli -h "$HOST" -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    if ! wait_for "Redis shutdown" 15 redis_gone; then
        if [[ -n $pid && "$(proc_name "$pid")" == redis-server ]]; then
            log "Redis still alive, sending SIGTERM/SIGKILL to pid $pid"
            kill -TERM "$pid" 2>/dev/null || true
            wait_for "Redis shutdown" 10 redis_gone || kill -KILL "$pid" 2>/dev/null || true
        fi
        wait_for "Redis shutdown" 5 redis_gone || die "could not stop Redis (pid ${pid:-?})"
    fi
    rm -f "$REDIS_PIDFILE"
}

# ----------------------------------------------------------------------------
# generic

# wait_for <what> <seconds> <command...>: poll until command succeeds.
wait_for() {
    local what=$1 secs=$2
    shift 2
    local deadline=$((SECONDS + secs))
    while ((SECONDS < deadline)); do
        "$@" && return 0
        sleep 0.2
    done
    "$@" && return 0
    log "timed out after ${secs}s waiting for $what"
    return 1
}

# Serialise concurrent up/down/redis-* invocations for this repo.
take_lock() {
    mkdir -p "$LOCAL_DIR"
    exec 9>"$LOCAL_DIR/.services.lock"
    command -v flock >/dev/null 2>&1 || return 0
    flock -w 120 9 || die "another services.sh is busy (lock $LOCAL_DIR/.services.lock)"
}

# ----------------------------------------------------------------------------
# commands

# Install, init, start and provision PostgreSQL (the caller holds the lock).
pg_up() {
    ensure_packages
    pg_layout 1
    pick_pg_bin || die "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin"
    pg_init
    pg_start
    pg_provision
}

cmd_up() {
    take_lock
    pg_up
    redis_start
    log "up: PostgreSQL $HOST:$PG_PORT (data $PGDATA), Redis $HOST:$REDIS_PORT (dir $REDIS_DIR)"
}

# PostgreSQL alone: for tests that run a private instance (JIFEN_LOCAL_DIR, JIFEN_PG_PORT)
# and stop and start it under the application.
cmd_pg_up() {
    take_lock
    pg_up
}

cmd_pg_stop() {
    pg_layout 0
    pick_pg_bin || die "PostgreSQL is not installed"
    pg_stop
}

cmd_pg_start() {
    pg_layout 0
    pick_pg_bin || die "PostgreSQL is not installed"
    pg_start
}

cmd_down() {
    take_lock
    pg_layout 0
    if pick_pg_bin; then
        pg_stop
    else
        log "PostgreSQL not installed; nothing to stop"
    fi
    redis_stop
}

cmd_status() {
    local rc=0
    pg_layout 0
    pick_pg_bin || true
    if pg_running && pg_ready; then
        echo "postgres: running (pid $(pg_postmaster_pid), $HOST:$PG_PORT, data $PGDATA)"
    elif pg_running; then
        echo "postgres: running but not answering on $HOST:$PG_PORT (pid $(pg_postmaster_pid), data $PGDATA)"
        rc=1
    else
        echo "postgres: stopped (data $PGDATA)"
        rc=1
    fi
    if redis_ping; then
        echo "redis: running (pid $(redis_pid), $HOST:$REDIS_PORT, dir $REDIS_DIR)"
    else
        echo "redis: stopped (dir $REDIS_DIR)"
        rc=1
    fi
    return "$rc"
}

cmd_env() {
    local db owner owner_pw app app_pw system_pw
    db=$(urlencode "$DB_NAME")
    owner=$(urlencode "$DB_OWNER")
    owner_pw=$(urlencode "$DB_OWNER_PASSWORD")
    app=$(urlencode "$DB_APP_USER")
    app_pw=$(urlencode "$DB_APP_PASSWORD")
    system_pw=$(urlencode "$DB_SYSTEM_PASSWORD")
    echo "export DATABASE_URL=postgres://$app:$app_pw@$HOST:$PG_PORT/$db"
    echo "export SYSTEM_DATABASE_URL=postgres://jifen_system:$system_pw@$HOST:$PG_PORT/$db"
    echo "export MIGRATION_DATABASE_URL=postgres://$owner:$owner_pw@$HOST:$PG_PORT/$db"
    echo "export REDIS_URL=redis://$HOST:$REDIS_PORT/0"
}

cmd_redis_stop() {
    take_lock
    redis_stop
}

cmd_redis_start() {
    take_lock
    redis_start
}

cmd_psql() {
    pg_layout 0
    pick_pg_bin || die "PostgreSQL is not installed ('$0 up')"
    pg_running || die "PostgreSQL is not running ('$0 up')"
    pg_psql -d "$DB_NAME" "$@"
}

usage() {
    sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
}

main() {
    check_port JIFEN_PG_PORT "$PG_PORT"
    check_port JIFEN_REDIS_PORT "$REDIS_PORT"
    [[ $PG_PORT != "$REDIS_PORT" ]] || die "JIFEN_PG_PORT and JIFEN_REDIS_PORT must differ"
    case "${1:-}" in
        up) cmd_up ;;
        down) cmd_down ;;
        status) cmd_status ;;
        env) cmd_env ;;
        redis-stop) cmd_redis_stop ;;
        redis-start) cmd_redis_start ;;
        pg-up) cmd_pg_up ;;
        pg-stop) cmd_pg_stop ;;
        pg-start) cmd_pg_start ;;
        psql)
            shift
            cmd_psql "$@"
            ;;
        -h | --help | help) usage ;;
        '') usage; exit 2 ;;
        *) usage; die "unknown command '$1'" ;;
    esac
}

main "$@"
