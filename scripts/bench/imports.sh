#!/usr/bin/env bash
# `make bench`, part (i): importing historical orders (docs/data.md).
#
#   A CSV of BENCH_IMPORT_ROWS paid orders (default 1,000,000) for a tenth as many members is
#   generated; the same file is COPYed by psql into a plain table of the file's shape (its seven
#   columns, no index, WAL-logged: the baseline, in the same run), then imported through the API
#   (`POST /v1/imports?kind=orders&points=none`, streamed by curl) and one `jifen work`. Reports
#   the time from the upload's start to the import's completion, rows/s, and the ratio to COPY's
#   rate (goal ≥ 0.3). Meanwhile another tenant sends BENCH_IMPORT_RATE paid orders/s
#   (scripts/bench/steady.py) to the same API and worker: its order → points p99 during the
#   import ÷ its p99 alone, measured first (goal ≤ 2: imports run in the background lane).
#
# Environment: JIFEN [.build/release/jifen; BENCH_BINARY wins], BENCH_IMPORT_ROWS [1000000],
# BENCH_IMPORT_RATE [20], BENCH_IMPORT_SECONDS [20] (the other tenant's load, alone and beside);
# DATABASE_URL etc. as `deploy/local/services.sh env` prints. Small and quick against a debug
# build: BENCH_IMPORT_ROWS=20000 BENCH_BINARY=.build/debug/jifen scripts/bench/imports.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

JIFEN="${BENCH_BINARY:-${JIFEN:-.build/release/jifen}}"
ROWS="${BENCH_IMPORT_ROWS:-1000000}"
RATE="${BENCH_IMPORT_RATE:-20}"
LOAD_SECONDS="${BENCH_IMPORT_SECONDS:-20}"
RESULTS=BENCHMARKS.md
for var in ROWS RATE LOAD_SECONDS; do
    [[ ${!var} =~ ^[1-9][0-9]*$ ]] || { echo "[bench] $var must be a positive integer" >&2; exit 1; }
done
[[ -x $JIFEN ]] || { echo "[bench] $JIFEN is missing: build it first" >&2; exit 1; }
MEMBERS=$(((ROWS + 9) / 10))

log() { printf '[bench] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
app_psql() { timeout 600 psql "$DATABASE_URL" -X -A -t -q -v ON_ERROR_STOP=1 "$@"; }
su_psql() { deploy/local/services.sh psql -X -A -t -v ON_ERROR_STOP=1 "$@"; }
tenant_query() { app_psql -c "BEGIN; SET LOCAL app.tenant_id = '$1'; $2; COMMIT;"; }
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }
now() { date +%s.%N; }

RUN="imports-$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')"
RUN_DIR=".local/bench/$RUN"
mkdir -p "$RUN_DIR"
PIDS=()
FLAGS=()
RETIRE=()
QUEUE="bench-$RUN"

cleanup() {
    local rc=$? pid tenant
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    for tenant in "${RETIRE[@]}"; do
        tenant_query "$tenant" "UPDATE outbox SET relayed_at = clock_timestamp() WHERE relayed_at IS NULL;
                                UPDATE imports SET cancel_requested = true WHERE state IN ('queued', 'running')" \
            >/dev/null 2>&1 || true
    done
    timeout 10 redis-cli -u "$REDIS_URL" --scan --pattern "{$QUEUE}:*" 2>/dev/null |
        xargs -r -n 100 timeout 10 redis-cli -u "$REDIS_URL" DEL >/dev/null 2>&1 || true
    su_psql -q -c "SET client_min_messages = warning; DROP TABLE IF EXISTS bench_import_copy" >/dev/null 2>&1 || true
    rm -f "$RUN_DIR/orders.csv"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    local port _
    for _ in $(seq 1 100); do
        port=$((20000 + RANDOM % 12000))
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

export HOST=127.0.0.1 LOG_LEVEL=warning LOG_FORMAT=text
OPERATOR_TOKEN="bench-$RUN-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export OPERATOR_TOKEN RATE_LIMIT_PER_SECOND=100000 RATE_LIMIT_BURST=1000000
unset WORKER_TENANTS JOB_QUEUE PORT

log "(i) generating $ROWS orders for $MEMBERS members"
awk -v rows="$ROWS" -v members="$MEMBERS" 'BEGIN {
    print "external_id,member,currency,amount,status,placed_at,paid_at"
    for (i = 0; i < rows; i++) {
        day = 1 + i % 28; month = 1 + int(i / 28) % 12
        stamp = sprintf("2024-%02d-%02dT%02d:%02d:00Z", month, day, i % 24, i % 60)
        printf "o-%d,m-%d,CNY,%d,paid,%s,%s\n", i, i % members, 100 + (i * 7919) % 99900, stamp, stamp
    }
}' >"$RUN_DIR/orders.csv"
BYTES="$(stat -c %s "$RUN_DIR/orders.csv")"

log "(i) baseline: psql \\copy of the same file into a plain table of its shape"
# A regular (WAL-logged) table, as the orders are, made and dropped by the superuser: the
# application role may create none, and a temporary table would skip the WAL.
su_psql -q -c "SET client_min_messages = warning; DROP TABLE IF EXISTS bench_import_copy;
               CREATE TABLE bench_import_copy (external_id text, member text, currency text, amount bigint,
                                               status text, placed_at timestamptz, paid_at timestamptz)"
start="$(now)"
su_psql -q -c "\\copy bench_import_copy FROM '$PWD/$RUN_DIR/orders.csv' WITH (FORMAT csv, HEADER true)" >/dev/null
COPY_SECONDS="$(calc "$(now) - $start" 3)"
COPY_RATE="$(calc "$ROWS / $COPY_SECONDS" 0)"
log "(i) COPY: $COPY_SECONDS s, $COPY_RATE rows/s"

read -r IMPORTER IMPORT_KEY <<<"$(new_tenant importer)"
read -r OTHER OTHER_KEY <<<"$(new_tenant other)"
RETIRE+=("$IMPORTER" "$OTHER")
port="$(free_port)"
env PORT="$port" "$JIFEN" serve >"$RUN_DIR/serve.log" 2>&1 &
PIDS+=("$!")
BASE="http://127.0.0.1:$port"
deadline=$((SECONDS + 90))
until curl -fsS -m 2 -o /dev/null "$BASE/health/ready" 2>/dev/null; do
    ((SECONDS < deadline)) || die "jifen serve not ready after 90 s"
    sleep 0.2
done
env JOB_QUEUE="$QUEUE" SCHEDULER_INTERVAL=0 WORKER_TENANTS="$IMPORTER,$OTHER" METRICS_PORT="$(free_port)" \
    "$JIFEN" work >"$RUN_DIR/work.log" 2>&1 &
PIDS+=("$!")
sleep 2

scored() { # scored PREFIX: the other tenant's scored orders with that prefix
    tenant_query "$OTHER" "SELECT count(*) FROM orders o JOIN ledger_entries e
                             ON e.tenant_id = o.tenant_id AND e.order_id = o.id AND e.kind = 'earn'
                           WHERE o.external_id LIKE '$1-%'"
}
wait_scored() { # wait_scored PREFIX COUNT SECONDS
    local deadline=$((SECONDS + $3)) count=0
    while ((SECONDS < deadline)); do
        count="$(scored "$1")"
        ((count >= $2)) && return 0
        sleep 0.5
    done
    FLAGS+=("only $count of $2 '$1' orders scored within $3 s")
}
latency() { app_psql -v tenant="$OTHER" -v prefix="$1" -f scripts/bench/latency.sql; }

log "(i) the other tenant alone: $RATE orders/s for $LOAD_SECONDS s"
python3 scripts/bench/steady.py --base "$BASE" --key "$OTHER_KEY" --rate "$RATE" --seconds "$LOAD_SECONDS" \
    --prefix alone >"$RUN_DIR/steady-alone.txt" 2>&1 || FLAGS+=("the load generator: $(tail -n 1 "$RUN_DIR/steady-alone.txt")")
wait_scored alone "$((RATE * LOAD_SECONDS))" 60
read -r ALONE_P50 ALONE_P99 ALONE_MAX ALONE_COUNT <<<"$(latency alone)"

log "(i) importing $ROWS orders ($BYTES bytes) through the API beside the other tenant's load"
python3 scripts/bench/steady.py --base "$BASE" --key "$OTHER_KEY" --rate "$RATE" --seconds "$LOAD_SECONDS" \
    --prefix beside >"$RUN_DIR/steady-beside.txt" 2>&1 &
STEADY=$!
PIDS+=("$STEADY")
start="$(now)"
answer="$(curl -fsS -m 3600 -X POST "$BASE/v1/imports?kind=orders&points=none" -H "Authorization: Bearer $IMPORT_KEY" \
    -H 'Content-Type: text/csv' --data-binary "@$RUN_DIR/orders.csv")" || die "the upload failed"
UPLOAD_SECONDS="$(calc "$(now) - $start" 3)"
ID="$(python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])' <<<"$answer")"
state=queued
deadline=$((SECONDS + 7200))
while [[ $state == queued || $state == running ]]; do
    ((SECONDS < deadline)) || die "the import did not finish within 2 h"
    sleep 0.2
    state="$(curl -fsS "$BASE/v1/imports/$ID" -H "Authorization: Bearer $IMPORT_KEY" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["state"])')"
done
IMPORT_SECONDS="$(calc "$(now) - $start" 3)"
progress="$(curl -fsS "$BASE/v1/imports/$ID" -H "Authorization: Bearer $IMPORT_KEY")"
IMPORTED="$(python3 -c 'import json, sys; print(json.load(sys.stdin)["progress"]["rows_imported"])' <<<"$progress")"
[[ $state == completed && $IMPORTED == "$ROWS" ]] || FLAGS+=("the import ended $state with $IMPORTED of $ROWS rows imported")
IMPORT_RATE="$(calc "$ROWS / $IMPORT_SECONDS" 0)"
RATIO="$(calc "$IMPORT_RATE / $COPY_RATE" 2)"
wait "$STEADY" || FLAGS+=("the load generator: $(tail -n 1 "$RUN_DIR/steady-beside.txt")")
wait_scored beside "$((RATE * LOAD_SECONDS))" 120
read -r BESIDE_P50 BESIDE_P99 BESIDE_MAX BESIDE_COUNT <<<"$(latency beside)"
P99_RATIO="$(calc "$BESIDE_P99 / ($ALONE_P99 > 0 ? $ALONE_P99 : 1)" 2)"
(($(calc "$IMPORT_SECONDS < $LOAD_SECONDS" 0))) &&
    FLAGS+=("the import took less than the other tenant's $LOAD_SECONDS s of load: part of 'beside' ran after it")
log "(i) import: $IMPORT_SECONDS s (upload $UPLOAD_SECONDS s), $IMPORT_RATE rows/s, $RATIO of COPY;" \
    "other tenant p99 alone $ALONE_P99 ms, beside $BESIDE_P99 ms ($P99_RATIO)"

for log_file in "$RUN_DIR"/serve.log "$RUN_DIR"/work.log; do
    n="$(grep -v 'SECRETS_KEY is unset' "$log_file" | grep -Eci 'warning|error|critical' || true)"
    ((n == 0)) || FLAGS+=("$(basename "$log_file"): $n warning/error lines ($log_file)")
done

{
    echo
    echo "### Imports, $(date -u +%Y-%m-%d) · $(git rev-parse --short HEAD 2>/dev/null) · $(basename "$(dirname "$JIFEN")")"
    echo
    echo "| measure | result |"
    echo "| --- | --- |"
    echo "| (i) baseline: psql \\\\copy of the $ROWS-row CSV ($BYTES bytes) into a plain table of its shape | $COPY_SECONDS s, **$COPY_RATE rows/s** |"
    echo "| (i) import of the same file, API upload + 1 worker, orders for $MEMBERS members, history only | $IMPORT_SECONDS s (upload $UPLOAD_SECONDS s), **$IMPORT_RATE rows/s**, **$RATIO of COPY** (goal ≥ 0.3) |"
    echo "| (i) another tenant at $RATE orders/s: order → points p99 alone / during the import | $ALONE_P99 ms ($ALONE_COUNT orders) / $BESIDE_P99 ms ($BESIDE_COUNT orders): **$P99_RATIO** (goal ≤ 2) |"
    if ((${#FLAGS[@]} > 0)); then
        echo
        for flag in "${FLAGS[@]}"; do echo "- ⚠ $flag"; done
    fi
} >>"$RESULTS"
log "appended to $RESULTS; logs in $RUN_DIR"
