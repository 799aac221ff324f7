#!/usr/bin/env bash
# `make bench`, parts (e) and (f): many shops on one deployment.
#
#   (e) many tenants: BENCH_MANY_TENANTS quiet tenants with data (10 members and their lots each;
#       expiries and releases spread over the next day, 1 % of them with a lot already due), and
#       one busy tenant sending BENCH_MANY_RATE paid orders/s for BENCH_MANY_SECONDS through
#       `jifen serve`, scored by one unpinned `jifen work` whose scheduler runs every 5 s (the
#       load starts once the worker has run its first round of sweeps): order → points latency
#       p50, p99 and max (goal p99 < 1 s).
#   (f) noisy neighbour: tenant B sends BENCH_NOISY_RATE orders/s for BENCH_NOISY_SECONDS alone,
#       then again while tenant A's BENCH_NOISY_BACKFILL backfilled orders land at once; B's p99
#       with A ÷ without (goal ≤ 2).
#
# Latency is measured in PostgreSQL: an order's `created_at` (inside the API's transaction) to its
# `earn` ledger entry's. Queue depths are sampled every second; what each lane ran comes from the
# worker's /metrics. Appends to BENCHMARKS.md; deletes the quiet tenants on the way out.
#
# Environment: JIFEN [.build/release/jifen; BENCH_BINARY wins when set], BENCH_MANY_TENANTS [10000], BENCH_MANY_RATE [50],
# BENCH_MANY_SECONDS [60], BENCH_NOISY_RATE [20], BENCH_NOISY_SECONDS [30],
# BENCH_NOISY_BACKFILL [20000]; DATABASE_URL etc. as `deploy/local/services.sh env` prints.
# The (e) worker is not pinned (its scheduler must see every tenant): it also relays and runs
# whatever other tenants of the local database left unrelayed (reported with the results).
set -euo pipefail
cd "$(dirname "$0")/../.."

JIFEN="${BENCH_BINARY:-${JIFEN:-.build/release/jifen}}"
MANY="${BENCH_MANY_TENANTS:-10000}"
MANY_RATE="${BENCH_MANY_RATE:-50}"
MANY_SECONDS="${BENCH_MANY_SECONDS:-60}"
NOISY_RATE="${BENCH_NOISY_RATE:-20}"
NOISY_SECONDS="${BENCH_NOISY_SECONDS:-30}"
BACKFILL="${BENCH_NOISY_BACKFILL:-20000}"
RESULTS=BENCHMARKS.md
for var in MANY MANY_RATE MANY_SECONDS NOISY_RATE NOISY_SECONDS BACKFILL; do
    [[ ${!var} =~ ^[1-9][0-9]*$ ]] || { echo "[bench] $var must be a positive integer" >&2; exit 1; }
done
[[ -x $JIFEN ]] || { echo "[bench] $JIFEN is missing: build it first" >&2; exit 1; }

log() { printf '[bench] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
su_psql() { deploy/local/services.sh psql -A -t "$@"; }
app_psql() { timeout 60 psql "$DATABASE_URL" -X -A -t -q -v ON_ERROR_STOP=1 "$@"; }
tenant_query() { app_psql -c "BEGIN; SET LOCAL app.tenant_id = '$1'; $2; COMMIT;"; }
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }

RUN="tenants-$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')"
RUN_DIR=".local/bench/$RUN"
mkdir -p "$RUN_DIR"
PIDS=()
FLAGS=()

cleanup() {
    local rc=$? pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    log "deleting the quiet tenants"
    su_psql -q -v prefix="$RUN" <scripts/bench/delete_tenants.sql >/dev/null 2>&1 ||
        log "clean-up failed; tenants named '$RUN-*' remain"
    # Bench orders must not be scored later by some other worker.
    for tenant in "${RETIRE[@]}"; do
        tenant_query "$tenant" "UPDATE outbox SET relayed_at = clock_timestamp() WHERE relayed_at IS NULL" \
            >/dev/null 2>&1 || true
    done
    for queue in "${QUEUES[@]}"; do
        timeout 10 redis-cli -u "$REDIS_URL" --scan --pattern "{$queue}:*" 2>/dev/null |
            xargs -r -n 100 timeout 10 redis-cli -u "$REDIS_URL" DEL >/dev/null 2>&1 || true
    done
    exit "$rc"
}
RETIRE=()
QUEUES=()
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    local port _
    for _ in $(seq 1 100); do
        port=$((20000 + RANDOM % 12000)) # below the ephemeral range (32768-), where outgoing connections take theirs
        if ! (: <"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
    done
    die "no free port found"
}

new_tenant() { # new_tenant LABEL: prints "<tenant id> <api key>"
    local out
    out="$(timeout 60 "$JIFEN" tenant create "bench $RUN $1" --quiet 2>>"$RUN_DIR/cli.log")" ||
        die "jifen tenant create failed (see $RUN_DIR/cli.log)"
    echo "$out"
}

start_serve() { # sets SERVE_PID, BASE
    local port deadline
    port="$(free_port)"
    env PORT="$port" "$JIFEN" serve >"$RUN_DIR/serve-$1.log" 2>&1 &
    SERVE_PID=$!
    PIDS+=("$SERVE_PID")
    BASE="http://127.0.0.1:$port"
    deadline=$((SECONDS + 90))
    until curl -fsS -m 2 -o /dev/null "$BASE/health/ready" 2>/dev/null; do
        kill -0 "$SERVE_PID" 2>/dev/null || die "jifen serve exited: $(tail -n 5 "$RUN_DIR/serve-$1.log")"
        ((SECONDS < deadline)) || die "jifen serve not ready after 90 s"
        sleep 0.2
    done
}

start_worker() { # start_worker NAME ENV…: sets WORKER_PID, METRICS
    local name=$1 port
    shift
    port="$(free_port)"
    env METRICS_PORT="$port" "$@" "$JIFEN" work >"$RUN_DIR/work-$name.log" 2>&1 &
    WORKER_PID=$!
    PIDS+=("$WORKER_PID")
    METRICS="http://127.0.0.1:$port/metrics"
}

# Waits until the worker answers on its metrics port and, with WANT_BACKGROUND, has run a first
# round of sweeps: the measurement is of a running deployment, not of a worker's start-up.
warm_up() { # warm_up METRICS_URL [WANT_BACKGROUND]
    local deadline=$((SECONDS + 60)) lanes
    until curl -fsS -m 2 -o /dev/null "$1" 2>/dev/null; do
        ((SECONDS < deadline)) || die "the worker's metrics did not answer within 60 s"
        sleep 0.2
    done
    if [[ -n ${2:-} ]]; then
        while ((SECONDS < deadline)); do
            read -r _ _ lanes <<<"$(lane_counts "$1")"
            ((lanes > 0)) && break
            sleep 0.5
        done
    fi
    sleep 2
}

stop() { # stop PID…
    local pid
    for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
}

# Order → points latency of TENANT's orders whose external id starts with PREFIX: "p50 p99 max count" in ms.
latency() { # latency TENANT PREFIX
    app_psql -v tenant="$1" -v prefix="$2" -f scripts/bench/latency.sql
}

scored() { # scored TENANT PREFIX: earn entries of those orders
    tenant_query "$1" "SELECT count(*) FROM orders o JOIN ledger_entries e
                         ON e.tenant_id = o.tenant_id AND e.order_id = o.id AND e.kind = 'earn'
                       WHERE o.external_id LIKE '$2-%'"
}

wait_scored() { # wait_scored TENANT PREFIX COUNT SECONDS
    local deadline=$((SECONDS + $4)) count=0
    while ((SECONDS < deadline)); do
        count="$(scored "$1" "$2")"
        ((count >= $3)) && return 0
        sleep 0.5
    done
    FLAGS+=("only $count of $3 '$2' orders scored within $4 s")
}

# Samples each lane's ready jobs every second into RUN_DIR/depth-QUEUE.txt until killed.
sample_depths() { # sample_depths QUEUE
    while :; do
        echo "$(redis-cli -u "$REDIS_URL" ZCARD "{$1}:lane:interactive:ages") \
$(redis-cli -u "$REDIS_URL" ZCARD "{$1}:lane:webhooks:ages") \
$(redis-cli -u "$REDIS_URL" ZCARD "{$1}:lane:background:ages")"
        sleep 1
    done >"$RUN_DIR/depth-$1.txt" 2>/dev/null
}
max_depths() { # max_depths QUEUE: "interactive webhooks background" maxima
    awk '{ for (i = 1; i <= 3; i++) if ($i > m[i]) m[i] = $i } END { printf "%d %d %d", m[1], m[2], m[3] }' \
        "$RUN_DIR/depth-$1.txt"
}

# Jobs the worker ran per lane (succeeded, retried or dead), from its /metrics.
lane_counts() { # lane_counts METRICS_URL: "interactive webhooks background"
    curl -fsS -m 5 "$1" 2>/dev/null | awk '
        /^jifen_jobs_total\{/ {
            match($0, /kind="[^"]*"/); kind = substr($0, RSTART + 6, RLENGTH - 7)
            lane = (kind == "order.score" || kind == "events.fanout") ? 1 : (kind == "notify.dispatch" ? 2 : 3)
            n[lane] += $NF
        }
        END { printf "%d %d %d", n[1], n[2], n[3] }'
}

export HOST=127.0.0.1 LOG_LEVEL=warning LOG_FORMAT=text
OPERATOR_TOKEN="bench-$RUN-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export OPERATOR_TOKEN
export RATE_LIMIT_PER_SECOND=100000 RATE_LIMIT_BURST=1000000
unset WORKER_TENANTS JOB_QUEUE PORT

# ----------------------------------------------------------------------------
# (e) many tenants

log "(e) seeding $MANY quiet tenants"
seeded="$(su_psql -q -v prefix="$RUN-many" -v tenants="$MANY" <scripts/bench/seed_many.sql | tail -n 1)"
[[ $seeded == "$MANY" ]] || die "seeding returned '$seeded'"
su_psql -q -c "ANALYZE tenants; ANALYZE members; ANALYZE point_lots; ANALYZE balances;" >/dev/null
OTHERS="$(su_psql -c "SELECT count(*) FROM outbox WHERE relayed_at IS NULL")"
((OTHERS == 0)) || FLAGS+=("(e) $OTHERS outbox rows of other tenants were waiting and ran beside the benchmark")
read -r BUSY BUSY_KEY <<<"$(new_tenant busy)"
RETIRE+=("$BUSY")
queue="bench-$RUN-many"
QUEUES+=("$queue")
start_serve many
start_worker many JOB_QUEUE="$queue" SCHEDULER_INTERVAL=5
MANY_WORKER=$WORKER_PID MANY_METRICS=$METRICS
warm_up "$MANY_METRICS" background
sample_depths "$queue" &
SAMPLER=$!
PIDS+=("$SAMPLER")
log "(e) $MANY_RATE orders/s for $MANY_SECONDS s from one busy tenant beside $MANY quiet ones"
python3 scripts/bench/steady.py --base "$BASE" --key "$BUSY_KEY" --rate "$MANY_RATE" --seconds "$MANY_SECONDS" \
    --prefix many >"$RUN_DIR/steady-many.txt" 2>&1 || FLAGS+=("(e) the load generator: $(tail -n 1 "$RUN_DIR/steady-many.txt")")
SENT_MANY="$(sed -n 's/^STEADY sent=\([0-9]*\).*/\1/p' "$RUN_DIR/steady-many.txt")"
wait_scored "$BUSY" many "${SENT_MANY:-0}" 120
read -r MANY_P50 MANY_P99 MANY_MAX MANY_COUNT <<<"$(latency "$BUSY" many)"
read -r MANY_LANES_I MANY_LANES_W MANY_LANES_B <<<"$(lane_counts "$MANY_METRICS")"
stop "$SAMPLER"
read -r MANY_DEPTH_I MANY_DEPTH_W MANY_DEPTH_B <<<"$(max_depths "$queue")"
SWEPT="$(su_psql -c "SELECT count(*) FROM point_lots l JOIN tenants t ON t.id = l.tenant_id
                     WHERE t.name LIKE '$RUN-many-%' AND l.state = 'expired'")"
stop "$SERVE_PID" "$MANY_WORKER"
log "(e) p50 $MANY_P50 ms, p99 $MANY_P99 ms, max $MANY_MAX ms over $MANY_COUNT orders;" \
    "lanes ran $MANY_LANES_I/$MANY_LANES_W/$MANY_LANES_B jobs; $SWEPT quiet lots expired"

# ----------------------------------------------------------------------------
# (f) noisy neighbour

read -r TENANT_A _ <<<"$(new_tenant noisy-a)"
read -r TENANT_B KEY_B <<<"$(new_tenant noisy-b)"
RETIRE+=("$TENANT_A" "$TENANT_B")
queue="bench-$RUN-noisy"
QUEUES+=("$queue")
start_serve noisy
start_worker noisy JOB_QUEUE="$queue" SCHEDULER_INTERVAL=0 WORKER_TENANTS="$TENANT_A,$TENANT_B"
NOISY_WORKER=$WORKER_PID NOISY_METRICS=$METRICS
warm_up "$NOISY_METRICS"
sample_depths "$queue" &
SAMPLER=$!
PIDS+=("$SAMPLER")

log "(f) tenant B alone: $NOISY_RATE orders/s for $NOISY_SECONDS s"
python3 scripts/bench/steady.py --base "$BASE" --key "$KEY_B" --rate "$NOISY_RATE" --seconds "$NOISY_SECONDS" \
    --prefix alone >"$RUN_DIR/steady-alone.txt" 2>&1 || FLAGS+=("(f) the load generator: $(tail -n 1 "$RUN_DIR/steady-alone.txt")")
wait_scored "$TENANT_B" alone "$((NOISY_RATE * NOISY_SECONDS))" 60
read -r ALONE_P50 ALONE_P99 ALONE_MAX ALONE_COUNT <<<"$(latency "$TENANT_B" alone)"

log "(f) tenant A's $BACKFILL backfilled orders land at once; tenant B again"
count="$(app_psql -v tenant="$TENANT_A" -v n="$BACKFILL" -f scripts/bench/seed_orders.sql)"
[[ $count == "$BACKFILL" ]] || die "the backfill wrote '$count' orders, not $BACKFILL"
python3 scripts/bench/steady.py --base "$BASE" --key "$KEY_B" --rate "$NOISY_RATE" --seconds "$NOISY_SECONDS" \
    --prefix beside >"$RUN_DIR/steady-beside.txt" 2>&1 || FLAGS+=("(f) the load generator: $(tail -n 1 "$RUN_DIR/steady-beside.txt")")
wait_scored "$TENANT_B" beside "$((NOISY_RATE * NOISY_SECONDS))" 120
A_DONE="$(tenant_query "$TENANT_A" "SELECT count(*) FROM ledger_entries WHERE kind = 'earn'")"
read -r BESIDE_P50 BESIDE_P99 BESIDE_MAX BESIDE_COUNT <<<"$(latency "$TENANT_B" beside)"
read -r NOISY_LANES_I NOISY_LANES_W NOISY_LANES_B <<<"$(lane_counts "$NOISY_METRICS")"
stop "$SAMPLER"
read -r NOISY_DEPTH_I _ _ <<<"$(max_depths "$queue")"
stop "$SERVE_PID" "$NOISY_WORKER"
RATIO_NOISY="$(calc "$BESIDE_P99 / ($ALONE_P99 > 0 ? $ALONE_P99 : 1)" 2)"
log "(f) B alone p99 $ALONE_P99 ms; beside A's backfill p99 $BESIDE_P99 ms (ratio $RATIO_NOISY);" \
    "A had $A_DONE of $BACKFILL scored when B's last order was"

for log_file in "$RUN_DIR"/serve-*.log "$RUN_DIR"/work-*.log; do
    n="$(grep -v 'SECRETS_KEY is unset' "$log_file" | grep -Eci 'warning|error|critical' || true)"
    ((n == 0)) || FLAGS+=("$(basename "$log_file"): $n warning/error lines ($log_file)")
done

{
    echo
    echo "### Many tenants and a noisy neighbour, $(date -u +%Y-%m-%d) · $(git rev-parse --short HEAD 2>/dev/null)"
    echo
    echo "| measure | result |"
    echo "| --- | --- |"
    echo "| (e) $MANY quiet tenants with data + 1 busy tenant at $MANY_RATE orders/s for $MANY_SECONDS s, 1 worker, sweeps every 5 s | order → points **p50 $MANY_P50 ms, p99 $MANY_P99 ms**, max $MANY_MAX ms ($MANY_COUNT orders; goal p99 < 1000 ms) |"
    echo "| (e) queue | deepest seen (ready): interactive $MANY_DEPTH_I, webhooks $MANY_DEPTH_W, background $MANY_DEPTH_B; jobs run: interactive $MANY_LANES_I, webhooks $MANY_LANES_W, background $MANY_LANES_B; quiet tenants' lots expired on time: $SWEPT |"
    echo "| (f) tenant B alone, $NOISY_RATE orders/s for $NOISY_SECONDS s | p50 $ALONE_P50 ms, **p99 $ALONE_P99 ms**, max $ALONE_MAX ms ($ALONE_COUNT orders) |"
    echo "| (f) tenant B beside tenant A's $BACKFILL backfilled orders | p50 $BESIDE_P50 ms, **p99 $BESIDE_P99 ms**, max $BESIDE_MAX ms ($BESIDE_COUNT orders); A's orders scored meanwhile: $A_DONE; deepest interactive lane: $NOISY_DEPTH_I |"
    echo "| (f) B's p99 beside A ÷ alone | **$RATIO_NOISY** (goal ≤ 2) |"
    echo "| (f) jobs run | interactive $NOISY_LANES_I, webhooks $NOISY_LANES_W, background $NOISY_LANES_B |"
    if ((${#FLAGS[@]} > 0)); then
        echo
        for flag in "${FLAGS[@]}"; do echo "- ⚠ $flag"; done
    fi
} >>"$RESULTS"
log "appended to $RESULTS; logs in $RUN_DIR"
