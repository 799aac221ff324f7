#!/usr/bin/env bash
# `make bench`: a benchmark (not a test) of Jifen on this machine. Appends its results to
# BENCHMARKS.md and prints a summary.
#
#   (a) sustained POST /v1/orders through `jifen serve` (wrk), against a baseline: the same
#       write transaction straight to PostgreSQL with pgbench (same concurrency and duration);
#   (b) end to end: N orders waiting in the outbox, then 1 (and then 2) `jifen work` relay and
#       score them; seconds from worker start to N earn entries in the ledger;
#   (c) peak RSS (VmHWM) of the API during (a) and of the workers during (b);
#   (g) order → points latency under steady load: BENCH_STEADY_RATE paid orders/s for
#       BENCH_STEADY_SECONDS through `jifen serve` (scripts/bench/steady.py), one worker; p50,
#       p99 and max from the order's `created_at` to its earn entry's (scripts/bench/latency.sql).
# For (a), (b) and (g) also: CPU seconds per 1,000 orders of the API, the worker(s), PostgreSQL
# (the postmaster and all its children, exited ones included) and Redis, from /proc/<pid>/stat
# before and after each measured window; statements per order (pg_stat_statements, when
# PostgreSQL loaded it: `calls` of the application's roles, delta over the window ÷ orders; the
# top 10 statements of (b) go to the run's log directory); and during (b) the wait events of
# the database's non-idle backends, sampled from pg_stat_activity every 100 ms.
#
# Environment:
#   BENCH_BUILD    release (default: `swift build -c release --product jifen` first) or debug
#                  (.build/debug/jifen as it is, no build; numbers are not representative)
#   BENCH_BINARY   a jifen binary to measure as it is (no build; BENCH_BUILD is then ignored);
#                  expiry.sh and tenants.sh use it too
#   BENCH_MIGRATE  1: `jifen migrate` (the work tree's migrations/) before the run; 0: the
#                  database as it is [1, but 0 with BENCH_BINARY: the tree's migrations may be
#                  newer than that binary, someone's work in progress, and a shared database
#                  must not get them]
#   BENCH_SECONDS  duration of each throughput run in (a) [15]
#   BENCH_WARMUP   seconds of wrk before the measured API run (orders not counted) [2]
#   BENCH_ORDERS   orders per end-to-end run in (b) [2000]
#   BENCH_TIMEOUT  seconds an end-to-end run may take before the benchmark gives up [600]
#   BENCH_STEADY_RATE, BENCH_STEADY_SECONDS  (g): orders/s and seconds of the load [200, 60]
#   BENCH_STEADY_CONNECTIONS  (g): keep-alive connections of the load generator [16]
#
# Everything runs on 127.0.0.1 against deploy/local/services.sh's PostgreSQL and Redis. Each
# part uses a fresh tenant, and the workers are pinned to it (WORKER_TENANTS) on a private
# queue (JOB_QUEUE=bench-…), so nothing else is touched. Logs: .local/bench/<time>/.
# Every process started here is stopped on exit, failure or Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/../.."

BENCH_BUILD="${BENCH_BUILD:-release}"
BENCH_SECONDS="${BENCH_SECONDS:-15}"
BENCH_WARMUP="${BENCH_WARMUP:-2}"
BENCH_ORDERS="${BENCH_ORDERS:-2000}"
BENCH_TIMEOUT="${BENCH_TIMEOUT:-600}"
BENCH_BINARY="${BENCH_BINARY:-}"
if [[ -n $BENCH_BINARY ]]; then BENCH_MIGRATE="${BENCH_MIGRATE:-0}"; else BENCH_MIGRATE="${BENCH_MIGRATE:-1}"; fi
BENCH_STEADY_RATE="${BENCH_STEADY_RATE:-200}"
BENCH_STEADY_SECONDS="${BENCH_STEADY_SECONDS:-60}"
BENCH_STEADY_CONNECTIONS="${BENCH_STEADY_CONNECTIONS:-16}"
readonly THREADS=2 CONNECTIONS=16
readonly RESULTS=BENCHMARKS.md
readonly STOP_SECONDS=20 READY_SECONDS=90

log() { printf '[bench] %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

if [[ -n $BENCH_BINARY ]]; then
    [[ -x $BENCH_BINARY && ! -d $BENCH_BINARY ]] || die "BENCH_BINARY '$BENCH_BINARY' is not an executable file"
else
    case $BENCH_BUILD in release | debug) ;; *) die "BENCH_BUILD must be release or debug, not '$BENCH_BUILD'" ;; esac
fi
for var in BENCH_SECONDS BENCH_ORDERS BENCH_TIMEOUT BENCH_STEADY_RATE BENCH_STEADY_SECONDS BENCH_STEADY_CONNECTIONS; do
    [[ ${!var} =~ ^[1-9][0-9]*$ ]] || die "$var must be a positive integer, not '${!var}'"
done
[[ $BENCH_WARMUP =~ ^[0-9]+$ ]] || die "BENCH_WARMUP must be an integer, not '$BENCH_WARMUP'"
[[ $BENCH_MIGRATE =~ ^[01]$ ]] || die "BENCH_MIGRATE must be 0 or 1, not '$BENCH_MIGRATE'"

STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
RUN_DIR=".local/bench/$STAMP"
mkdir -p "$RUN_DIR"
RUN_ID="$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')"
readonly STAMP RUN_DIR RUN_ID

# ----------------------------------------------------------------------------
# process bookkeeping: every background process goes through `spawn`; `cleanup` stops them

PIDS=()
QUEUES=()
TENANTS=()
BIN_DIR=""

spawn() { # spawn LOGFILE CMD…: start CMD in the background, output to LOGFILE; sets SPAWNED
    local out=$1
    shift
    "$@" >"$out" 2>&1 &
    SPAWNED=$!
    PIDS+=("$SPAWNED")
}

# Still running and still ours: a reaped child's pid may already belong to someone else.
alive() {
    local ppid
    ppid="$(awk '{ sub(/.*\) /, ""); print $2 }' "/proc/$1/stat" 2>/dev/null)" || return 1
    [[ $ppid == "$$" ]]
}

forget() { # forget PID…: drop reaped children from PIDS
    local pid kept=()
    for pid in "${PIDS[@]}"; do [[ " $* " == *" $pid "* ]] || kept+=("$pid"); done
    PIDS=("${kept[@]}")
}

stop_pids() { # SIGTERM, wait up to STOP_SECONDS, then SIGKILL
    local pid deadline=$((SECONDS + STOP_SECONDS)) left
    for pid in "$@"; do alive "$pid" && { kill -TERM "$pid" 2>/dev/null || true; }; done
    while :; do
        left=()
        for pid in "$@"; do alive "$pid" && left+=("$pid"); done
        ((${#left[@]} == 0)) && break
        if ((SECONDS >= deadline)); then
            log "still running after ${STOP_SECONDS}s, killing: ${left[*]}"
            kill -KILL "${left[@]}" 2>/dev/null || true
            break
        fi
        sleep 0.1
    done
    for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
    forget "$@"
}

cleanup() {
    local rc=$? pid running=() queue tenant
    trap - EXIT
    trap "" INT TERM # a second Ctrl-C must not cut the clean-up short (it is bounded)
    for pid in "${PIDS[@]}"; do alive "$pid" && running+=("$pid"); done
    if ((${#running[@]} > 0)); then
        log "stopping ${#running[@]} process(es) still running"
        stop_pids "${running[@]}"
    fi
    # Orders a failed run left in the outbox must not be scored later by some other worker.
    for tenant in "${TENANTS[@]}"; do retire_outbox "$tenant" || true; done
    # Then the bench tenants go, with everything written for them (as tenants.sh does).
    if ((${#TENANTS[@]} > 0)); then
        log "deleting the bench tenants"
        timeout 300 deploy/local/services.sh psql -q -v prefix="bench-$RUN_ID" \
            <scripts/bench/delete_tenants.sql >/dev/null 2>&1 ||
            log "clean-up failed; tenants named 'bench-$RUN_ID-*' remain"
    fi
    # The private queues' Redis keys ({bench-…}:jobs, :delayed, :dead).
    if [[ -n ${REDIS_URL:-} ]]; then
        for queue in "${QUEUES[@]}"; do
            timeout 10 redis-cli -u "$REDIS_URL" --scan --pattern "{$queue}:*" 2>/dev/null |
                head -n 100 | xargs -r timeout 10 redis-cli -u "$REDIS_URL" DEL >/dev/null 2>&1 || true
        done
    fi
    [[ -n $BIN_DIR ]] && rm -rf "$BIN_DIR"
    if ((rc != 0)); then log "failed (exit $rc); logs in $RUN_DIR"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

wait_child() { # wait_child PID: its exit status, without tripping `set -e`; signals still interrupt
    local rc=0
    wait "$1" || rc=$?
    forget "$1"
    return "$rc"
}

# ----------------------------------------------------------------------------
# helpers

ensure_package() { # ensure_package COMMAND PACKAGE
    command -v "$1" >/dev/null 2>&1 && return
    log "installing $2 (for $1)"
    local sudo=()
    if ((EUID != 0)); then
        command -v sudo >/dev/null 2>&1 || die "$1 is missing: apt-get install $2 as root"
        sudo=(sudo)
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$2" >&2
}

find_pgbench() {
    local candidate
    if command -v pgbench >/dev/null 2>&1; then
        command -v pgbench
        return
    fi
    for candidate in /usr/lib/postgresql/*/bin/pgbench; do
        [[ -x $candidate ]] && echo "$candidate" && return
    done
    return 1
}

free_port() {
    local port _
    for _ in $(seq 1 100); do
        port=$((20000 + RANDOM % 12000)) # below the ephemeral range (32768-), where outgoing connections take theirs
        if ! (: <"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
    die "no free port found"
}

now() { date +%s.%N; }

# Percentage of CPU time left idle over the next second, all CPUs together (from /proc/stat).
idle_percent() {
    local a b
    a="$(head -n 1 /proc/stat)"
    sleep 1
    b="$(head -n 1 /proc/stat)"
    awk -v a="$a" -v b="$b" 'BEGIN {
        na = split(a, x); split(b, y); idle = 0; total = 0
        for (i = 2; i <= na; i++) { d = y[i] - x[i]; total += d; if (i == 5 || i == 6) idle += d }
        printf "%.0f", (total > 0 ? 100 * idle / total : 100)
    }'
}
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; } # calc EXPR [DECIMALS]

# Peak resident set (VmHWM) of a live process, in MiB.
peak_rss_mib() {
    awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo "?"
}

# CPU time (user + system) a live process has used so far, in seconds.
CLK_TCK="$(getconf CLK_TCK)"
readonly CLK_TCK
cpu_seconds() {
    awk -v hz="$CLK_TCK" '{ sub(/.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# psql as the application role; -q drops the command tags, so only query results print.
app_psql() { timeout 60 psql "$DATABASE_URL" -X -A -t -q -v ON_ERROR_STOP=1 "$@"; }

# One scalar query in a transaction scoped to TENANT (row-level security).
tenant_query() { # tenant_query TENANT SQL
    app_psql -c "BEGIN; SET LOCAL app.tenant_id = '$1'; $2; COMMIT;"
}

new_tenant() { # new_tenant LABEL: prints "<tenant id> <api key>"
    local out
    out="$(timeout 60 "$JIFEN" tenant create "bench-$RUN_ID-$1 $LABEL_DATE" --quiet 2>>"$RUN_DIR/cli.log")" ||
        die "jifen tenant create failed (see $RUN_DIR/cli.log)"
    [[ $out =~ ^[0-9a-f-]{36}\ jf_[^[:space:]]+$ ]] || die "unexpected output of jifen tenant create: '$out'"
    echo "$out"
}

# Bench orders must not wait in the outbox once measured: a worker serving all tenants (say a
# later `make run`) would score them. Done after (a) and, for every bench tenant, on exit.
retire_outbox() { # retire_outbox TENANT
    tenant_query "$1" "UPDATE outbox SET relayed_at = clock_timestamp() WHERE relayed_at IS NULL" >/dev/null
}

warn_lines() { # warn_lines LOGFILE…: how many warning or worse lines the processes logged
    # (not the start-up notice that the local development secrets key is in use)
    cat "$@" 2>/dev/null | grep -v 'SECRETS_KEY is unset' | grep -Eci 'warning|error|critical' || true
}

# ----------------------------------------------------------------------------
# set-up

ensure_package wrk wrk
ensure_package psql postgresql-client
ensure_package redis-cli redis-tools
PGBENCH="$(find_pgbench)" || {
    ensure_package pgbench postgresql-client
    PGBENCH="$(find_pgbench)" || die "pgbench not found"
}
readonly PGBENCH

deploy/local/services.sh up
eval "$(deploy/local/services.sh env)"
export DATABASE_URL SYSTEM_DATABASE_URL MIGRATION_DATABASE_URL REDIS_URL

if [[ -n $BENCH_BINARY ]]; then
    log "measuring $BENCH_BINARY as it is (BENCH_BINARY: no build)"
    SOURCE_BIN=$BENCH_BINARY
else
    case $BENCH_BUILD in
    release)
        log "building jifen in release mode (this takes a while the first time)"
        swift build -c release --product jifen
        SOURCE_BIN=.build/release/jifen
        ;;
    debug)
        SOURCE_BIN=.build/debug/jifen
        [[ -x $SOURCE_BIN ]] || die "$SOURCE_BIN is missing: run 'swift build --product jifen' first"
        ;;
    esac
fi
BIN_MTIME="$(date -u -r "$SOURCE_BIN" '+%Y-%m-%d %H:%M UTC')"
# A private copy: a concurrent build may relink the original while the benchmark runs.
BIN_DIR="$(mktemp -d /tmp/jifen-bench-bin.XXXXXX)"
JIFEN="$BIN_DIR/jifen"
cp "$SOURCE_BIN" "$JIFEN"
readonly JIFEN BIN_MTIME

LABEL_DATE="$(date -u '+%Y-%m-%d %H:%M:%S')"
COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git status --porcelain -- Sources Package.swift migrations 2>/dev/null)" ]]; then
    COMMIT="$COMMIT + uncommitted changes"
fi
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
IDLE_BEFORE="$(idle_percent)"
readonly LABEL_DATE COMMIT LOAD_BEFORE IDLE_BEFORE

if ((BENCH_MIGRATE)); then
    timeout 120 "$JIFEN" migrate >>"$RUN_DIR/cli.log" 2>&1 || die "jifen migrate failed (see $RUN_DIR/cli.log)"
else
    log "not migrating (BENCH_MIGRATE=0): the database must already be migrated for $SOURCE_BIN"
fi

# Settings every jifen process gets; HOST is loopback whatever the caller's environment says.
OPERATOR_TOKEN="bench-$RUN_ID-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export HOST=127.0.0.1 LOG_LEVEL=warning LOG_FORMAT=text OPERATOR_TOKEN
# The benchmark measures throughput with one key: its rate limit must not be what it measures.
export RATE_LIMIT_PER_SECOND=100000 RATE_LIMIT_BURST=1000000
unset WORKER_TENANTS JOB_QUEUE PORT

FLAGS=() # problems worth a warning next to the numbers
if ((IDLE_BEFORE < 80)); then
    FLAGS+=("the machine was busy before the run: only $IDLE_BEFORE% CPU idle (other processes competed with the benchmark)")
fi

# ----------------------------------------------------------------------------
# observers: CPU by process, statements (pg_stat_statements), wait events (pg_stat_activity)

# The superuser on PostgreSQL's Unix socket, as `services.sh psql` connects, but without a
# process chain per call. Its own statements are left out of the statement counts below, and it
# polls the ledger in (b) and (g) (the superuser is not bound by row-level security).
IFS=$'\t' read -r PG_SOCKET PG_PORT_NUM PG_DB PG_SUPERUSER < <(
    deploy/local/services.sh psql -A -t -F $'\t' -c "SELECT split_part(current_setting('unix_socket_directories'), ',', 1),
        current_setting('port'), current_database(), current_user"
) || die "deploy/local/services.sh psql failed"
OBS_ARGS=(-X -A -t -q -v ON_ERROR_STOP=1 -h "$PG_SOCKET" -p "$PG_PORT_NUM" -U "$PG_SUPERUSER" -d "$PG_DB")
readonly PG_SOCKET PG_PORT_NUM PG_DB PG_SUPERUSER OBS_ARGS
obs_psql() { timeout 60 psql "${OBS_ARGS[@]}" "$@"; }
obs_psql -c 'SELECT 1' >/dev/null || die "cannot connect as $PG_SUPERUSER through $PG_SOCKET"

# CPU clock ticks (utime + stime, all threads) of live processes, and with their reaped children.
proc_ticks() { # proc_ticks PID…
    local pid t total=0
    for pid in "$@"; do
        t="$(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat" 2>/dev/null)" || t=0
        total=$((total + ${t:-0}))
    done
    echo "$total"
}
# A process tree one level deep: PID itself with its reaped children (cutime + cstime) and its
# live children. PostgreSQL's backends and auxiliary processes are all the postmaster's children.
tree_ticks() { # tree_ticks PID [FILE]: FILE gets "<pid> <ticks>" of each live child
    cat /proc/[0-9]*/stat 2>/dev/null | awk -v top="$1" -v out="${2:-/dev/null}" '{
        pid = $1; sub(/.*\) /, "")
        if (pid == top) total += $12 + $13 + $14 + $15
        else if ($2 == top) { total += $12 + $13; print pid, $12 + $13 > out }
    } END { printf "%d", total }'
}
PG_POSTMASTER="$(awk '{ sub(/.*\) /, ""); print $2 }' "/proc/$(obs_psql -c \
    "SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'")/stat" 2>/dev/null)" || PG_POSTMASTER=""
[[ $PG_POSTMASTER =~ ^[0-9]+$ && "$(cat "/proc/$PG_POSTMASTER/comm" 2>/dev/null)" == postgres* ]] ||
    die "PostgreSQL's postmaster not found among this machine's processes (is PostgreSQL local?)"
REDIS_PID="$(timeout 10 redis-cli -u "$REDIS_URL" INFO server | sed -n 's/^process_id:\([0-9]*\).*/\1/p')"
[[ -n $REDIS_PID && -r /proc/$REDIS_PID/stat ]] || die "Redis's server process not found on this machine"
readonly PG_POSTMASTER REDIS_PID

# CPU of the services so far: "<postgres ticks> <redis ticks>"; FILE gets each PostgreSQL
# process's, for backend_ticks.
service_ticks() { echo "$(tree_ticks "$PG_POSTMASTER" "${1:-}") $(tree_ticks "$REDIS_PID")"; }
# CPU ticks between two service_ticks FILEs of the backends listed in BACKENDS (backend_pids):
# PostgreSQL's work for the measured processes alone, whoever else uses it.
backend_ticks() { # backend_ticks BEFORE AFTER BACKENDS
    awk 'FILENAME == ARGV[1] { ours[$1] = 1; next }
         FILENAME == ARGV[2] { before[$1] = $2; next }
         ($1 in ours) { total += $2 - before[$1] }
         END { printf "%d", total }' "$3" "$1" "$2"
}
per_k() { calc "$1 / $CLK_TCK * 1000 / ($2 > 0 ? $2 : 1)" "${3:-2}"; } # per_k TICKS ORDERS: CPU s per 1,000 orders

# pg_stat_statements: PGSS_STATE is empty when usable, else why not.
PGSS_STATE=""
if [[ "$(obs_psql -c "SELECT current_setting('shared_preload_libraries') ~ 'pg_stat_statements'")" == t ]]; then
    obs_psql -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null 2>&1 ||
        PGSS_STATE="not available (CREATE EXTENSION pg_stat_statements failed)"
else
    pg_libdir="$(obs_psql -c "SELECT setting FROM pg_config WHERE name = 'PKGLIBDIR'" 2>/dev/null || true)"
    if [[ -n $pg_libdir && -f $pg_libdir/pg_stat_statements.so ]]; then
        PGSS_STATE="not loaded (PostgreSQL was started without shared_preload_libraries=pg_stat_statements: deploy/local/services.sh pg-stop && deploy/local/services.sh pg-start loads it)"
    else
        PGSS_STATE="not available (no pg_stat_statements.so in ${pg_libdir:-the library directory})"
    fi
fi
readonly PGSS_STATE
[[ -z $PGSS_STATE ]] || log "statements per order: pg_stat_statements $PGSS_STATE"
# Entries pg_stat_statements evicted (pg_stat_statements.max) take their counts with them.
pgss_dealloc() { [[ -n $PGSS_STATE ]] || obs_psql -c "SELECT dealloc FROM pg_stat_statements_info"; }
PGSS_DEALLOC="$(pgss_dealloc)"
readonly PGSS_DEALLOC

# Every statement of this database's roles but the superuser's (that is, the bench's own
# queries): "<queryid:role>\t<calls>\t<ms>\t<query>" lines, for a delta between two snapshots.
pgss_snapshot() { # pgss_snapshot FILE
    if [[ -n $PGSS_STATE ]]; then
        : >"$1"
        return
    fi
    obs_psql -F $'\t' -c "SELECT s.queryid || ':' || s.userid::regrole, s.calls, round(s.total_exec_time::numeric, 1),
               left(regexp_replace(s.query, '\s+', ' ', 'g'), 200)
        FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
        WHERE d.datname = current_database() AND s.userid <> (SELECT oid FROM pg_roles WHERE rolname = current_user)" >"$1"
}
# Calls between two snapshots; TOP (optional) gets the 10 statements with the most calls per order.
pgss_delta() { # pgss_delta BEFORE AFTER ORDERS [TOP]: prints the statements per order, or "n/a"
    if [[ -n $PGSS_STATE ]]; then
        echo "n/a"
        return
    fi
    awk -F '\t' -v orders="$3" -v top="${4:-/dev/null}" '
        FILENAME == ARGV[1] { calls[$1] = $2; ms[$1] = $3; next }
        { d = $2 - calls[$1]; if (d <= 0) next; total += d
          printf "%.2f\t%d\t%.3f\t%s\t%s\n", d / orders, d, ($3 - ms[$1]) / d, $1, $4 | "sort -t \"\t\" -k2,2nr | head -n 10 >> \"" top "\"" }
        END { printf "%.1f", total / orders }' "$1" "$2"
}
pgss_top_header() { # pgss_top_header FILE TITLE
    printf '# %s\n# calls per order\tcalls\tmean ms\tqueryid:role\tstatement\n' "$2" >"$1"
}

# Wait events of this database's non-idle client backends (not the bench's own superuser
# sessions), sampled every 100 ms by one psql session until stopped: "<time>|<backend pid>|<what>"
# lines, "<time>||#sample" once per sample; <what> is "CPU" for an active backend waiting on
# nothing. "Client:ClientRead (idle in transaction)" is a backend inside a transaction waiting for
# the application's next statement: a round trip, the cost of statements per order.
start_wait_sampler() { # start_wait_sampler OUTFILE: sets SAMPLER
    cat >"$RUN_DIR/waits.sql" <<'SQL'
SELECT to_char(clock_timestamp(), 'HH24:MI:SS.MS') || '|' || pid || '|' ||
       CASE WHEN wait_event IS NULL AND state = 'active' THEN 'CPU'
            WHEN wait_event IS NULL THEN coalesce(state, '?') || ', no wait event'
            WHEN state = 'active' THEN wait_event_type || ':' || wait_event
            ELSE wait_event_type || ':' || wait_event || ' (' || coalesce(state, '?') || ')'
       END
FROM pg_stat_activity
WHERE datname = current_database() AND backend_type = 'client backend'
  AND usename <> current_user AND state IS DISTINCT FROM 'idle'
UNION ALL SELECT to_char(clock_timestamp(), 'HH24:MI:SS.MS') || '||#sample'
\watch 0.1
SQL
    spawn "$1" psql "${OBS_ARGS[@]}" -f "$RUN_DIR/waits.sql"
    SAMPLER=$SPAWNED
}

# The PostgreSQL backends serving the connections of live PIDs (their sockets' local TCP ports
# are the backends' client_port), one a line. Taken at the end of a window: the pools keep
# their connections open while the processes run.
backend_pids() { # backend_pids PID…
    local pid hex ports=()
    for hex in $(for pid in "$@"; do
        find "/proc/$pid/fd" -lname 'socket:*' -printf '%l\n' 2>/dev/null
    done | sed 's/^socket:\[\([0-9]*\)\]$/\1/' |
        awk -v pg="$(printf ':%04X' "$PG_PORT_NUM")" 'FILENAME == ARGV[1] { ours[$1] = 1; next }
            FNR > 1 && ($10 in ours) && substr($3, length($3) - 4) == pg { sub(/.*:/, "", $2); print $2 }' \
            - /proc/net/tcp /proc/net/tcp6 2>/dev/null); do
        ports+=("$((16#$hex))")
    done
    ((${#ports[@]} > 0)) || return 0
    obs_psql -c "SELECT pid FROM pg_stat_activity
                 WHERE backend_type = 'client backend' AND client_port IN ($(IFS=,; echo "${ports[*]}"))"
}

# From the samples of the backends in OURS (all of them if OURS is empty): "<samples> <mean
# non-idle backends> <share % of other clients' non-idle backends>", then one "<share %>\t<what>"
# line per wait event, largest first.
wait_summary() { # wait_summary SAMPLEFILE OURS
    awk -F '|' '
        FILENAME == ARGV[1] { if ($1 != "") { ours[$1] = 1; any = 1 }; next }
        $3 == "#sample" { samples++; next }
        NF == 3 { if (any && !($2 in ours)) { others++; next }; n[$3]++; rows++ }
        END {
            printf "%d %.1f %.1f\n", samples, (samples > 0 ? rows / samples : 0),
                (rows + others > 0 ? 100 * others / (rows + others) : 0)
            fflush()
            sort = "sort -t \"\t\" -k1,1nr"
            for (w in n) printf "%.1f\t%s\n", 100 * n[w] / rows, w | sort
            close(sort)
        }' "$2" "$1"
}
# One line for the tables: "N samples, M non-idle backends on average; <what> S%; …" (top 6).
wait_line() { # wait_line SUMMARYFILE
    awk 'NR == 1 { printf "%d samples, %s non-idle backends on average", $1, $2; next }
         NR <= 7 { printf "; %s %s%%", substr($0, index($0, "\t") + 1), $1 }' "$1"
}
# Flags when other clients kept backends of this database busy during a window.
check_others() { # check_others PART SUMMARYFILE BACKENDSFILE
    local share
    share="$(awk 'NR == 1 { print $3 }' "$2")"
    if [[ ! -s $3 ]]; then
        FLAGS+=("$1: the measured processes' PostgreSQL backends were not found: wait events include any other client's")
    elif [[ $share != 0.0 ]]; then
        FLAGS+=("$1: other clients of the database were busy during the window ($share% of the non-idle backends sampled): PostgreSQL's CPU and statement counts include their work")
    fi
}

# ----------------------------------------------------------------------------
# (a) sustained POST /v1/orders, and the pgbench baseline

tenant_and_key="$(new_tenant api)"
read -r TENANT_A KEY_A <<<"$tenant_and_key"
TENANTS+=("$TENANT_A")
log "(a) tenant $TENANT_A"

PORT="$(free_port)"
spawn "$RUN_DIR/serve.log" env PORT="$PORT" "$JIFEN" serve
SERVE_PID=$SPAWNED
BASE="http://127.0.0.1:$PORT"
deadline=$((SECONDS + READY_SECONDS))
until curl -fsS -m 2 -o /dev/null "$BASE/health/ready" 2>/dev/null; do
    alive "$SERVE_PID" || die "jifen serve exited during start-up: $(tail -n 5 "$RUN_DIR/serve.log")"
    ((SECONDS < deadline)) || die "jifen serve not ready after ${READY_SECONDS}s"
    sleep 0.2
done
log "(a) jifen serve ready on $BASE (pid $SERVE_PID)"

run_wrk() { # run_wrk SECONDS PREFIX OUTFILE
    local rc=0
    spawn "$3" env BENCH_KEY="$KEY_A" BENCH_PREFIX="$2" \
        wrk -t "$THREADS" -c "$CONNECTIONS" -d "${1}s" --timeout 10s --latency \
        -s scripts/bench/orders.lua "$BASE/v1/orders"
    wait_child "$SPAWNED" || rc=$?
    ((rc == 0)) || die "wrk exited with $rc: $(tail -n 5 "$3")"
}

if ((BENCH_WARMUP > 0)); then
    log "(a) warm-up: ${BENCH_WARMUP}s"
    run_wrk "$BENCH_WARMUP" warm "$RUN_DIR/wrk-warmup.txt"
fi
log "(a) wrk: ${BENCH_SECONDS}s, $THREADS threads, $CONNECTIONS connections"
cpu_before="$(cpu_seconds "$SERVE_PID")"
pgss_snapshot "$RUN_DIR/pgss-a-before.tsv"
api_ticks="$(proc_ticks "$SERVE_PID")"
start_wait_sampler "$RUN_DIR/waits-a.txt"
read -r pg_ticks redis_ticks <<<"$(service_ticks "$RUN_DIR/pgproc-a-before.txt")"
run_wrk "$BENCH_SECONDS" api "$RUN_DIR/wrk.txt"
api_ticks=$(($(proc_ticks "$SERVE_PID") - api_ticks))
read -r pg_after redis_after <<<"$(service_ticks "$RUN_DIR/pgproc-a-after.txt")"
pg_ticks=$((pg_after - pg_ticks)) redis_ticks=$((redis_after - redis_ticks))
stop_pids "$SAMPLER"
pgss_snapshot "$RUN_DIR/pgss-a-after.tsv"
backend_pids "$SERVE_PID" >"$RUN_DIR/backends-a.txt"
wait_summary "$RUN_DIR/waits-a.txt" "$RUN_DIR/backends-a.txt" >"$RUN_DIR/waits-a-summary.txt"
check_others "(a) API" "$RUN_DIR/waits-a-summary.txt" "$RUN_DIR/backends-a.txt"
alive "$SERVE_PID" || die "jifen serve died during the run: $(tail -n 5 "$RUN_DIR/serve.log")"
API_RSS="$(peak_rss_mib "$SERVE_PID")"
API_CPU="$(calc "($(cpu_seconds "$SERVE_PID") - $cpu_before) / $BENCH_SECONDS" 2)"

line="$(grep '^BENCH ' "$RUN_DIR/wrk.txt")" || die "no BENCH line in wrk's output ($RUN_DIR/wrk.txt)"
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $line"; }
API_REQUESTS="$(field requests)" API_RPS="$(field rps)" API_P50="$(field p50_ms)"
API_P99="$(field p99_ms)" API_NON2XX="$(field non2xx)" API_SOCKET_ERRORS="$(field socket_errors)"
API_STATUSES="$(field statuses)"
API_ORDERS_STORED="$(tenant_query "$TENANT_A" "SELECT count(*) FROM orders WHERE external_id LIKE 'api-%'")"
API_OK=$((API_REQUESTS - API_NON2XX)) # the orders of the measured window
# CPU s per 1,000 orders (= CPU ms per order) by process: "api workers postgres redis", "-" where none.
CPU_A="$(per_k "$api_ticks" "$API_OK") - $(per_k "$pg_ticks" "$API_OK")"
CPU_A+=" $(per_k "$(backend_ticks "$RUN_DIR"/pgproc-a-{before,after}.txt "$RUN_DIR/backends-a.txt")" "$API_OK")"
CPU_A+=" $(per_k "$redis_ticks" "$API_OK")"
STMTS_A="$(pgss_delta "$RUN_DIR/pgss-a-before.tsv" "$RUN_DIR/pgss-a-after.tsv" "$API_OK")"
if ((API_NON2XX > 0 || API_SOCKET_ERRORS > 0)); then
    FLAGS+=("(a) API: $API_NON2XX non-2xx responses (status:count $API_STATUSES), $API_SOCKET_ERRORS socket errors")
fi
stop_pids "$SERVE_PID"
SERVE_WARNINGS="$(warn_lines "$RUN_DIR/serve.log")"
((SERVE_WARNINGS == 0)) || FLAGS+=("(a) jifen serve logged $SERVE_WARNINGS warning/error lines ($RUN_DIR/serve.log)")
log "(a) API: $API_RPS req/s, p50 $API_P50 ms, p99 $API_P99 ms, non-2xx $API_NON2XX," \
    "$API_CPU CPUs busy, peak RSS $API_RSS MiB"

log "(a) pgbench: ${BENCH_SECONDS}s, $CONNECTIONS clients, $THREADS threads"
rc=0
pgss_snapshot "$RUN_DIR/pgss-pgbench-before.tsv"
read -r pg_ticks redis_ticks <<<"$(service_ticks)"
spawn "$RUN_DIR/pgbench.txt" "$PGBENCH" -n -M extended -c "$CONNECTIONS" -j "$THREADS" -T "$BENCH_SECONDS" \
    -D tenant="$TENANT_A" -D k=0 -f scripts/bench/order_insert.sql "$DATABASE_URL"
wait_child "$SPAWNED" || rc=$?
read -r pg_after redis_after <<<"$(service_ticks)"
pg_ticks=$((pg_after - pg_ticks)) redis_ticks=$((redis_after - redis_ticks))
pgss_snapshot "$RUN_DIR/pgss-pgbench-after.tsv"
PG_TPS="$(sed -n 's/^tps = \([0-9]*\.[0-9]\).*/\1/p' "$RUN_DIR/pgbench.txt" | tail -n 1)"
PG_FAILED="$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$RUN_DIR/pgbench.txt")"
[[ -n $PG_TPS ]] || die "pgbench failed (exit $rc): $(tail -n 5 "$RUN_DIR/pgbench.txt")"
if ((rc != 0)) || [[ ${PG_FAILED:-0} != 0 ]] || grep -q 'aborted' "$RUN_DIR/pgbench.txt"; then
    FLAGS+=("(a) pgbench: exit $rc, ${PG_FAILED:-?} failed transactions ($RUN_DIR/pgbench.txt)")
fi
RATIO_API="$(calc "$API_RPS / $PG_TPS" 3)"
PG_TXNS="$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$RUN_DIR/pgbench.txt")"
PG_TXNS="${PG_TXNS:-0}"
CPU_PGBENCH="- - $(per_k "$pg_ticks" "$PG_TXNS") - $(per_k "$redis_ticks" "$PG_TXNS")"
# The baseline's statements per transaction: a check of the counting (order_insert.sql's count).
STMTS_PGBENCH="$(pgss_delta "$RUN_DIR/pgss-pgbench-before.tsv" "$RUN_DIR/pgss-pgbench-after.tsv" "$PG_TXNS")"
PGBENCH_STATEMENTS="$(grep -cE '^(BEGIN|SELECT|INSERT|UPDATE|COMMIT)' scripts/bench/order_insert.sql)"
if [[ -z $PGSS_STATE ]] && (($(calc "(($STMTS_PGBENCH - $PGBENCH_STATEMENTS) ^ 2 > 0.01)" 0))); then
    FLAGS+=("statements per order are suspect: pgbench's $PGBENCH_STATEMENTS-statement transaction counted as $STMTS_PGBENCH (other clients of the database?)")
fi
retire_outbox "$TENANT_A"
log "(a) pgbench: $PG_TPS TPS; API ÷ pgbench = $RATIO_API"

# ----------------------------------------------------------------------------
# (b) end to end: N orders in the outbox, then workers

E2E_SECONDS=() E2E_RATE=() E2E_RSS=() E2E_FIRST=() E2E_CPU=() CPU_B=() STMTS_B=() WAITS_B=()
# Earn entries of a tenant, counted by the superuser (its statements are not the application's).
earned() { obs_psql -c "SELECT count(*) FROM ledger_entries WHERE tenant_id = '$1' AND kind = 'earn'"; }
run_e2e() { # run_e2e WORKERS
    local workers=$1 tenant queue i pids=() logs=() start end first="" count=0 deadline rss=() created cpu=0
    local pg_ticks redis_ticks pg_after redis_after worker_ticks top waits
    created="$(new_tenant "e2e ${workers}w")"
    tenant="${created%% *}"
    TENANTS+=("$tenant")
    queue="bench-$RUN_ID-${workers}w"
    QUEUES+=("$queue")
    log "(b) $workers worker(s): tenant $tenant, queue $queue, seeding $BENCH_ORDERS orders"
    count="$(app_psql -v tenant="$tenant" -v n="$BENCH_ORDERS" -f scripts/bench/seed_orders.sql)"
    [[ $count == "$BENCH_ORDERS" ]] || die "seeding wrote '$count' orders, not $BENCH_ORDERS"

    pgss_snapshot "$RUN_DIR/pgss-b-${workers}w-before.tsv"
    waits="$RUN_DIR/waits-b-${workers}w.txt"
    start_wait_sampler "$waits"
    read -r pg_ticks redis_ticks <<<"$(service_ticks "$RUN_DIR/pgproc-b-${workers}w-before.txt")"
    start="$(now)"
    for ((i = 1; i <= workers; i++)); do
        logs+=("$RUN_DIR/work-${workers}w-$i.log")
        spawn "${logs[-1]}" env WORKER_TENANTS="$tenant" JOB_QUEUE="$queue" SCHEDULER_INTERVAL=0 "$JIFEN" work
        pids+=("$SPAWNED")
    done
    deadline=$((SECONDS + BENCH_TIMEOUT))
    while :; do
        count="$(earned "$tenant")"
        end="$(now)"
        [[ -z $first && $count -gt 0 ]] && first="$end"
        ((count >= BENCH_ORDERS)) && break
        for i in "${pids[@]}"; do
            alive "$i" || die "a worker exited: $(tail -n 5 "${logs[@]}")"
        done
        ((SECONDS < deadline)) || die "only $count of $BENCH_ORDERS orders scored after ${BENCH_TIMEOUT}s"
        sleep 0.1
    done
    read -r pg_after redis_after <<<"$(service_ticks "$RUN_DIR/pgproc-b-${workers}w-after.txt")"
    worker_ticks="$(proc_ticks "${pids[@]}")" # since their start: start-up included
    stop_pids "$SAMPLER"
    pgss_snapshot "$RUN_DIR/pgss-b-${workers}w-after.tsv"
    backend_pids "${pids[@]}" >"$RUN_DIR/backends-b-${workers}w.txt"
    for i in "${pids[@]}"; do
        rss+=("$(peak_rss_mib "$i")")
        cpu="$(calc "$cpu + $(cpu_seconds "$i")" 2)"
    done
    stop_pids "${pids[@]}"
    CPU_B[workers]="- $(per_k "$worker_ticks" "$BENCH_ORDERS") $(per_k $((pg_after - pg_ticks)) "$BENCH_ORDERS")"
    CPU_B[workers]+=" $(per_k "$(backend_ticks "$RUN_DIR/pgproc-b-${workers}w-before.txt" \
        "$RUN_DIR/pgproc-b-${workers}w-after.txt" "$RUN_DIR/backends-b-${workers}w.txt")" "$BENCH_ORDERS")"
    CPU_B[workers]+=" $(per_k $((redis_after - redis_ticks)) "$BENCH_ORDERS")"
    top="$RUN_DIR/statements-b-${workers}w.tsv"
    pgss_top_header "$top" "(b) $workers worker(s), $BENCH_ORDERS orders: the 10 statements with the most calls per order"
    STMTS_B[workers]="$(pgss_delta "$RUN_DIR/pgss-b-${workers}w-before.tsv" "$RUN_DIR/pgss-b-${workers}w-after.tsv" \
        "$BENCH_ORDERS" "$top")"
    echo "# all statements: ${STMTS_B[workers]} per order${PGSS_STATE:+ (pg_stat_statements $PGSS_STATE)}" >>"$top"
    wait_summary "$waits" "$RUN_DIR/backends-b-${workers}w.txt" >"$RUN_DIR/waits-b-${workers}w-summary.txt"
    WAITS_B[workers]="$(wait_line "$RUN_DIR/waits-b-${workers}w-summary.txt")"
    check_others "(b) $workers worker(s)" "$RUN_DIR/waits-b-${workers}w-summary.txt" "$RUN_DIR/backends-b-${workers}w.txt"
    local warnings
    warnings="$(warn_lines "${logs[@]}")"
    ((warnings == 0)) || FLAGS+=("(b) $workers worker(s) logged $warnings warning/error lines ($RUN_DIR/work-${workers}w-*.log)")
    count="$(earned "$tenant")"
    ((count == BENCH_ORDERS)) || FLAGS+=("(b) $workers worker(s): $count earn entries for $BENCH_ORDERS orders")

    E2E_SECONDS[workers]="$(calc "$end - $start" 2)"
    E2E_RATE[workers]="$(calc "$BENCH_ORDERS / ($end - $start)" 1)"
    E2E_FIRST[workers]="$(calc "$first - $start" 2)"
    E2E_CPU[workers]="$cpu"
    E2E_RSS[workers]="$(
        IFS=/
        echo "${rss[*]}"
    )"
    log "(b) $workers worker(s): ${E2E_SECONDS[workers]} s (first order scored at ${E2E_FIRST[workers]} s)," \
        "${E2E_RATE[workers]} orders/s, CPU ${cpu} s, peak RSS ${E2E_RSS[workers]} MiB;" \
        "statements/order ${STMTS_B[workers]}; waits: ${WAITS_B[workers]}"
}
run_e2e 1
run_e2e 2
RATIO_WORKERS="$(calc "${E2E_RATE[2]} / ${E2E_RATE[1]}" 2)"

# ----------------------------------------------------------------------------
# (g) order → points latency under steady load: the API taking BENCH_STEADY_RATE paid orders/s
# for BENCH_STEADY_SECONDS (scripts/bench/steady.py, as tenants.sh's (e) and (f)), one worker

tenant_and_key="$(new_tenant steady)"
read -r TENANT_G KEY_G <<<"$tenant_and_key"
TENANTS+=("$TENANT_G")
QUEUE_G="bench-$RUN_ID-steady"
QUEUES+=("$QUEUE_G")
log "(g) tenant $TENANT_G, queue $QUEUE_G"
PORT="$(free_port)"
spawn "$RUN_DIR/serve-steady.log" env PORT="$PORT" "$JIFEN" serve
SERVE_G=$SPAWNED
BASE="http://127.0.0.1:$PORT"
METRICS_PORT_G="$(free_port)" # the worker's readiness: its metrics answer
METRICS_G="http://127.0.0.1:$METRICS_PORT_G/metrics"
spawn "$RUN_DIR/work-steady.log" env WORKER_TENANTS="$TENANT_G" JOB_QUEUE="$QUEUE_G" SCHEDULER_INTERVAL=0 \
    METRICS_PORT="$METRICS_PORT_G" "$JIFEN" work
WORKER_G=$SPAWNED
deadline=$((SECONDS + READY_SECONDS))
until curl -fsS -m 2 -o /dev/null "$BASE/health/ready" 2>/dev/null &&
    curl -fsS -m 2 -o /dev/null "$METRICS_G" 2>/dev/null; do
    alive "$SERVE_G" || die "jifen serve exited during start-up: $(tail -n 5 "$RUN_DIR/serve-steady.log")"
    alive "$WORKER_G" || die "jifen work exited during start-up: $(tail -n 5 "$RUN_DIR/work-steady.log")"
    ((SECONDS < deadline)) || die "jifen serve or work not ready after ${READY_SECONDS}s"
    sleep 0.2
done
sleep 1 # the worker past its first relay round: a running deployment, not a start-up

log "(g) $BENCH_STEADY_RATE orders/s for ${BENCH_STEADY_SECONDS}s, 1 worker"
pgss_snapshot "$RUN_DIR/pgss-g-before.tsv"
api_ticks="$(proc_ticks "$SERVE_G")" worker_ticks="$(proc_ticks "$WORKER_G")"
start_wait_sampler "$RUN_DIR/waits-g.txt"
read -r pg_ticks redis_ticks <<<"$(service_ticks "$RUN_DIR/pgproc-g-before.txt")"
rc=0
spawn "$RUN_DIR/steady.txt" python3 scripts/bench/steady.py --base "$BASE" --key "$KEY_G" \
    --rate "$BENCH_STEADY_RATE" --seconds "$BENCH_STEADY_SECONDS" --prefix steady \
    --connections "$BENCH_STEADY_CONNECTIONS"
wait_child "$SPAWNED" || rc=$?
line="$(grep '^STEADY ' "$RUN_DIR/steady.txt")" || die "no STEADY line from steady.py (exit $rc): $(tail -n 5 "$RUN_DIR/steady.txt")"
STEADY_SENT="$(field sent)" STEADY_CREATED="$(field created)" STEADY_FAILED="$(field failed)" STEADY_LATE="$(field late_ms)"
((STEADY_FAILED == 0)) || FLAGS+=("(g) $STEADY_FAILED of $STEADY_SENT orders were not accepted (not 201)")
# An open schedule the client could not keep would understate the load.
((STEADY_LATE <= 1000)) || FLAGS+=("(g) the load generator fell up to $STEADY_LATE ms behind its schedule")
# The last orders are scored within a bound, or the run says how many were not.
deadline=$((SECONDS + 60 + BENCH_STEADY_SECONDS))
while :; do
    STEADY_SCORED="$(earned "$TENANT_G")"
    ((STEADY_SCORED >= STEADY_CREATED)) && break
    alive "$WORKER_G" || die "the (g) worker exited: $(tail -n 5 "$RUN_DIR/work-steady.log")"
    if ((SECONDS >= deadline)); then
        FLAGS+=("(g) only $STEADY_SCORED of $STEADY_CREATED accepted orders scored $((60 + BENCH_STEADY_SECONDS)) s after the load")
        break
    fi
    sleep 0.2
done
api_ticks=$(($(proc_ticks "$SERVE_G") - api_ticks)) worker_ticks=$(($(proc_ticks "$WORKER_G") - worker_ticks))
read -r pg_after redis_after <<<"$(service_ticks "$RUN_DIR/pgproc-g-after.txt")"
pg_ticks=$((pg_after - pg_ticks)) redis_ticks=$((redis_after - redis_ticks))
stop_pids "$SAMPLER"
pgss_snapshot "$RUN_DIR/pgss-g-after.tsv"
backend_pids "$SERVE_G" "$WORKER_G" >"$RUN_DIR/backends-g.txt"
wait_summary "$RUN_DIR/waits-g.txt" "$RUN_DIR/backends-g.txt" >"$RUN_DIR/waits-g-summary.txt"
check_others "(g) steady load" "$RUN_DIR/waits-g-summary.txt" "$RUN_DIR/backends-g.txt"
STEADY_API_RSS="$(peak_rss_mib "$SERVE_G")" STEADY_WORKER_RSS="$(peak_rss_mib "$WORKER_G")"
stop_pids "$SERVE_G" "$WORKER_G"
n=$((STEADY_CREATED > 0 ? STEADY_CREATED : 1))
CPU_G="$(per_k "$api_ticks" "$n") $(per_k "$worker_ticks" "$n") $(per_k "$pg_ticks" "$n")"
CPU_G+=" $(per_k "$(backend_ticks "$RUN_DIR"/pgproc-g-{before,after}.txt "$RUN_DIR/backends-g.txt")" "$n")"
CPU_G+=" $(per_k "$redis_ticks" "$n")"
STMTS_G="$(pgss_delta "$RUN_DIR/pgss-g-before.tsv" "$RUN_DIR/pgss-g-after.tsv" "$n")"
read -r STEADY_P50 STEADY_P99 STEADY_MAX STEADY_COUNT <<<"$(app_psql -v tenant="$TENANT_G" -v prefix=steady \
    -f scripts/bench/latency.sql)"
STEADY_GOAL="not met"
if [[ $STEADY_P99 =~ ^[0-9]+$ ]] && ((STEADY_P99 < 500)); then STEADY_GOAL="met"; fi
for log_file in "$RUN_DIR/serve-steady.log" "$RUN_DIR/work-steady.log"; do
    n="$(warn_lines "$log_file")"
    ((n == 0)) || FLAGS+=("(g) $(basename "$log_file"): $n warning/error lines ($log_file)")
done
log "(g) order → points p50 $STEADY_P50 ms, p99 $STEADY_P99 ms, max $STEADY_MAX ms;" \
    "$STEADY_CREATED accepted, $STEADY_COUNT scored (goal p99 < 500 ms: $STEADY_GOAL)"

# ----------------------------------------------------------------------------
# report

CPU_MODEL="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
MEM_GIB="$(awk '/^MemTotal:/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)"
KERNEL="$(uname -sr)"
PG_VERSION="$(app_psql -c 'SHOW server_version' | cut -d' ' -f1)"
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

if [[ -n $BENCH_BINARY ]]; then
    TITLE="$LABEL_DATE UTC · $COMMIT (tree) · binary \`$BENCH_BINARY\` (BENCH_BINARY, not built here)"
elif [[ $BENCH_BUILD == debug ]]; then
    TITLE="$LABEL_DATE UTC · $COMMIT · debug build: smoke run, numbers not representative"
else
    TITLE="$LABEL_DATE UTC · $COMMIT · release build"
fi

if [[ "$(pgss_dealloc)" != "$PGSS_DEALLOC" ]]; then
    FLAGS+=("pg_stat_statements evicted entries during the run: statements per order may be too low (raise pg_stat_statements.max)")
fi

cpu_row() { # cpu_row LABEL ORDERS "API WORKERS POSTGRES THEIR-BACKENDS REDIS" STATEMENTS: a row of "where the time goes"
    local api workers pg ours redis
    read -r api workers pg ours redis <<<"$3"
    echo "| $1 | $2 | $api | $workers | $pg | $ours | $redis | $(calc "${api/-/0} + ${workers/-/0} + $pg + $redis" 2) | $4 |"
}

if [[ ! -f $RESULTS ]]; then
    cat >"$RESULTS" <<'HEADER'
# Benchmarks

Appended by `make bench` (`scripts/bench/run.sh`, then `scripts/bench/expiry.sh`,
`scripts/bench/tenants.sh` and `scripts/bench/reports.sh`), one section per run, newest last. Every run
uses the local services (`deploy/local/services.sh`), 127.0.0.1 only, fresh tenants, and
`jifen` built in release mode unless the section says otherwise (debug-build sections are smoke
runs of the script: their numbers say nothing about Jifen's speed).

What is measured:

- **(a) API**: `jifen serve` taking `POST /v1/orders` (a new paid order per request: 259.00 CNY,
  2 lines, a member from a pool of 1000) for `BENCH_SECONDS` with wrk, 2 threads and 16
  connections, after a short warm-up. Requests/s, latency p50/p99, non-2xx answers, and how
  many CPUs `jifen serve` kept busy (CPU seconds ÷ wall seconds). "Orders stored" also counts
  the requests still in flight when wrk stopped.
- **(a) pgbench**: the baseline. The same write transaction the API runs for such an order
  (`BEGIN`, `set_config('app.tenant_id')`, member upsert, order insert, outbox insert,
  `COMMIT`; `scripts/bench/order_insert.sql`), sent by pgbench straight to PostgreSQL as the
  application role, with the same concurrency (16 clients, 2 threads) and duration.
- **API ÷ pgbench** is the share of the database's raw speed for this transaction that the API
  delivers. It stays well below 1: per order the API also authenticates the key (a second
  transaction), reads the order and its points back, parses and validates JSON, and shares the
  CPUs with PostgreSQL and wrk. A ratio that falls between runs on the same machine (same
  PostgreSQL settings) points at Jifen, not at PostgreSQL.
- **(b) end to end**: `BENCH_ORDERS` paid orders are written to a fresh tenant with no worker
  running (one psql transaction writing exactly the rows the API writes: member, order,
  `order.score` outbox row; `scripts/bench/seed_orders.sql`). Then 1 `jifen work` is started
  (pinned to that tenant, on a private queue) and the clock runs until every order has its
  `earn` ledger entry: start-up, outbox relay to Redis, the job queue and scoring ("first order
  scored at" is mostly start-up; the ledger is polled every 0.1 s). Repeated with
  a fresh tenant and 2 workers. **2 workers ÷ 1 worker** is the scaling of that throughput;
  on a 2-core machine that also runs PostgreSQL and Redis, expect little above 1.
- **(c) peak RSS**: VmHWM of the API process after (a), and of each worker after (b), in MiB.
- **(g) order → points under steady load**: `BENCH_STEADY_RATE` paid orders/s (200) for
  `BENCH_STEADY_SECONDS` (60) through `jifen serve` (`scripts/bench/steady.py`), one worker;
  p50, p99, max from the order's `created_at` to its earn entry's; goal p99 < 500 ms.
- **(h) reports**: a tenant with two years of history and about 1,000,000 ledger entries
  (`scripts/bench/seed_reports.sql`): the full aggregation and one busy day's, each against a
  plain scan of the same entries; p50/p99 of each report read through `jifen serve` against a
  member read in the same run; goal p99 < 100 ms (`scripts/bench/reports.sh`).
- **Where the time goes**: CPU ms per order (= CPU s per 1,000 orders) of the API, the workers,
  PostgreSQL (postmaster and children) and Redis over each measured window, from /proc; and
  statements per order from `pg_stat_statements` (pgbench's 6-statement transaction checks the
  counting). **Wait events**: the workers' backends in `pg_stat_activity`, every 100 ms during
  (b). Details, top statements and samples: the run's log directory, `.local/bench/<time>/`.

Flags below a table mark anything that went wrong during that run (error responses, failed
transactions, warnings in the logs): numbers of a flagged run are suspect. Compare runs only
on the same machine; the CPU idle share measured just before the run shows whether something
else was running (below 80% the run is flagged).
HEADER
fi

{
    echo
    echo "## $TITLE"
    echo
    echo "- Machine: $(nproc) CPUs ($CPU_MODEL), $MEM_GIB GiB RAM, $KERNEL; PostgreSQL $PG_VERSION"
    echo "- Before the run: $IDLE_BEFORE% CPU idle, load average $LOAD_BEFORE (1/5/15 min); after: $LOAD_AFTER"
    if [[ -n $BENCH_BINARY ]]; then
        echo "- Binary: \`$SOURCE_BIN\` as given in BENCH_BINARY (no build; file modified $BIN_MTIME; the commit above is the work tree's, not necessarily the binary's; BENCH_MIGRATE=$BENCH_MIGRATE)"
    else
        echo "- Binary: \`$SOURCE_BIN\` (built $BIN_MTIME)"
    fi
    echo "- BENCH_SECONDS=$BENCH_SECONDS, BENCH_WARMUP=$BENCH_WARMUP, BENCH_ORDERS=$BENCH_ORDERS, BENCH_STEADY_RATE=$BENCH_STEADY_RATE, BENCH_STEADY_SECONDS=$BENCH_STEADY_SECONDS"
    echo
    echo "| measure | result |"
    echo "| --- | --- |"
    echo "| (a) API \`POST /v1/orders\`, wrk ${THREADS}×${CONNECTIONS} | **$API_RPS req/s**, p50 $API_P50 ms, p99 $API_P99 ms ($API_REQUESTS requests, $API_NON2XX non-2xx, $API_SOCKET_ERRORS socket errors; $API_ORDERS_STORED orders stored; \`jifen serve\` kept $API_CPU CPUs busy) |"
    echo "| (a) pgbench, same write transaction, ${CONNECTIONS} clients | **$PG_TPS TPS** |"
    echo "| (a) API ÷ pgbench | **$RATIO_API** |"
    echo "| (b) $BENCH_ORDERS orders, 1 worker | ${E2E_SECONDS[1]} s, **${E2E_RATE[1]} orders/s** (first order scored at ${E2E_FIRST[1]} s; worker CPU ${E2E_CPU[1]} s) |"
    echo "| (b) $BENCH_ORDERS orders, 2 workers | ${E2E_SECONDS[2]} s, **${E2E_RATE[2]} orders/s** (first order scored at ${E2E_FIRST[2]} s; workers' CPU ${E2E_CPU[2]} s) |"
    echo "| (b) 2 workers ÷ 1 worker | **$RATIO_WORKERS** |"
    echo "| (c) API peak RSS | $API_RSS MiB |"
    echo "| (c) worker peak RSS | 1 worker: ${E2E_RSS[1]} MiB; 2 workers: ${E2E_RSS[2]} MiB |"
    echo "| (b) PostgreSQL wait events of the workers' backends, 2 workers (share of the samples of non-idle backends; CPU = active, no wait event) | ${WAITS_B[2]} |"
    echo "| (b) PostgreSQL wait events of the worker's backends, 1 worker | ${WAITS_B[1]} |"
    echo "| (g) order → points, $BENCH_STEADY_RATE orders/s for ${BENCH_STEADY_SECONDS} s, 1 worker | **p50 $STEADY_P50 ms, p99 $STEADY_P99 ms**, max $STEADY_MAX ms ($STEADY_CREATED orders accepted, $STEADY_COUNT scored; goal p99 < 500 ms: **$STEADY_GOAL**) |"
    echo "| (g) load and memory | $STEADY_SENT sent, $STEADY_FAILED not accepted, client up to $STEADY_LATE ms behind schedule; peak RSS API $STEADY_API_RSS MiB, worker $STEADY_WORKER_RSS MiB |"
    echo
    echo "Where the time goes: CPU ms per order (= CPU s per 1,000 orders) by process over each measured"
    echo "window (PostgreSQL: all its processes; of which the backends serving the measured processes'"
    echo "connections), and statements (round trips to PostgreSQL) per order${PGSS_STATE:+: pg_stat_statements $PGSS_STATE}."
    echo
    echo "| part | orders | API | worker(s) | PostgreSQL | of which their backends | Redis | total | statements per order |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    cpu_row "(a) API \`POST /v1/orders\`" "$API_OK" "$CPU_A" "$STMTS_A"
    cpu_row "(a) pgbench, same write (per transaction)" "$PG_TXNS" "$CPU_PGBENCH" "$STMTS_PGBENCH"
    cpu_row "(b) scoring, 1 worker" "$BENCH_ORDERS" "${CPU_B[1]}" "${STMTS_B[1]}"
    cpu_row "(b) scoring, 2 workers" "$BENCH_ORDERS" "${CPU_B[2]}" "${STMTS_B[2]}"
    cpu_row "(g) steady load, API + 1 worker" "$STEADY_CREATED" "$CPU_G" "$STMTS_G"
    if ((${#FLAGS[@]} > 0)); then
        echo
        for flag in "${FLAGS[@]}"; do echo "- ⚠ $flag"; done
    fi
} >>"$RESULTS"

cat <<SUMMARY

Jifen benchmark, $TITLE
  (a) API POST /v1/orders   $API_RPS req/s   p50 $API_P50 ms   p99 $API_P99 ms   non-2xx $API_NON2XX
      pgbench baseline      $PG_TPS TPS      API ÷ pgbench = $RATIO_API
  (b) $BENCH_ORDERS orders, 1 worker  ${E2E_SECONDS[1]} s   ${E2E_RATE[1]} orders/s
      $BENCH_ORDERS orders, 2 workers ${E2E_SECONDS[2]} s   ${E2E_RATE[2]} orders/s   2 ÷ 1 = $RATIO_WORKERS
  (c) peak RSS: API $API_RSS MiB, worker ${E2E_RSS[1]} MiB (1), ${E2E_RSS[2]} MiB (2)
  (g) $BENCH_STEADY_RATE orders/s for ${BENCH_STEADY_SECONDS}s: order → points p50 $STEADY_P50 ms, p99 $STEADY_P99 ms, max $STEADY_MAX ms
      ($STEADY_CREATED accepted, $STEADY_COUNT scored; goal p99 < 500 ms: $STEADY_GOAL)
  CPU ms per order (API, worker(s), PostgreSQL, of which their backends, Redis): (a) $CPU_A; (b) 1w ${CPU_B[1]}, 2w ${CPU_B[2]}; (g) $CPU_G
  statements per order: (a) $STMTS_A (pgbench $STMTS_PGBENCH); (b) 1w ${STMTS_B[1]}, 2w ${STMTS_B[2]}; (g) $STMTS_G
  PostgreSQL waits, (b) 2 workers: ${WAITS_B[2]}
SUMMARY
if ((${#FLAGS[@]} > 0)); then
    echo "  WARNING, this run had problems:"
    for flag in "${FLAGS[@]}"; do echo "    - $flag"; done
fi
echo "  Appended to $RESULTS; logs in $RUN_DIR"
