#!/usr/bin/env bash
# `make bench`, part (h): reports over a big ledger. One fresh tenant gets two years of history
# ending yesterday (scripts/bench/seed_reports.sql: BENCH_REPORTS_MEMBERS members,
# BENCH_REPORTS_ORDERS paid orders with their lots, ≈ 3 ledger entries per order: ≈ 1,000,000
# with the defaults), then
#   (h1) the full aggregation: wall time of `jifen sweep reports --tenant <id>` (every day from the
#        first entry to yesterday, as the workers would catch up), and how many days it stored;
#   (h2) one day's aggregation: `jifen_report_aggregate(tenant, zone, day, day)` for the busiest day,
#        as the application role in a tenant-scoped transaction (what the worker runs), 5 times:
#        the median, and the number of ledger entries of that day;
#   (h3) report reads through `jifen serve` with the tenant's API key: BENCH_REPORTS_REQUESTS
#        sequential keep-alive requests of each report (after BENCH_REPORTS_WARMUP), p50/p99;
#        goal p99 < 100 ms. The baseline, measured in the same run and the same way:
#        `GET /v1/members/{member}` (a member read), whose p99 each report's is divided by.
# For (h1) and (h2) the baseline is a plain scan of the same entries (count and sums over the
# tenant's entries of the whole range, resp. of that day, by the (tenant_id, created_at) index):
# aggregation ÷ scan says what the aggregation costs beyond reading its input.
# A report route the binary does not have yet (404 for the path) is reported as missing.
#
# Appends to BENCHMARKS.md; deletes the tenant with everything written for it on the way out
# (BENCH_REPORTS_KEEP=1 keeps it, to look at the data or the plans).
#
# Environment: JIFEN [.build/release/jifen; BENCH_BINARY wins when set], BENCH_REPORTS_ORDERS
# [330000], BENCH_REPORTS_MEMBERS [20000], BENCH_REPORTS_DAYS [730], BENCH_REPORTS_REQUESTS [200],
# BENCH_REPORTS_WARMUP [10], BENCH_REPORTS_BUDGET [300: seconds one read may take in all; a slower one
# stops early, its percentiles over the requests made], BENCH_REPORTS_KEEP [0], BENCH_RESULTS
# [BENCHMARKS.md: where the section goes]; DATABASE_URL etc. as
# `deploy/local/services.sh env` prints (read from it when unset).
set -euo pipefail
cd "$(dirname "$0")/../.."

JIFEN_SOURCE="${BENCH_BINARY:-${JIFEN:-.build/release/jifen}}"
ORDERS="${BENCH_REPORTS_ORDERS:-330000}"
MEMBERS="${BENCH_REPORTS_MEMBERS:-20000}"
DAYS="${BENCH_REPORTS_DAYS:-730}"
REQUESTS="${BENCH_REPORTS_REQUESTS:-200}"
WARMUP="${BENCH_REPORTS_WARMUP:-10}"
BUDGET="${BENCH_REPORTS_BUDGET:-300}"
KEEP="${BENCH_REPORTS_KEEP:-0}"
readonly AGG_RUNS=5 GOAL_MS=100 READY_SECONDS=90
RESULTS="${BENCH_RESULTS:-BENCHMARKS.md}"

log() { printf '[bench] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
for var in ORDERS MEMBERS DAYS REQUESTS BUDGET; do
    [[ ${!var} =~ ^[1-9][0-9]*$ ]] || die "BENCH_REPORTS_$var must be a positive integer, not '${!var}'"
done
[[ $WARMUP =~ ^[0-9]+$ ]] || die "BENCH_REPORTS_WARMUP must be an integer, not '$WARMUP'"
[[ $KEEP =~ ^[01]$ ]] || die "BENCH_REPORTS_KEEP must be 0 or 1, not '$KEEP'"
((DAYS >= 90)) || die "BENCH_REPORTS_DAYS must be at least 90 (a read covers the last 90 days)"
[[ -x $JIFEN_SOURCE && ! -d $JIFEN_SOURCE ]] || die "$JIFEN_SOURCE is missing: build it first"
command -v python3 >/dev/null || die "python3 is missing"
command -v psql >/dev/null || die "psql is missing (apt-get install postgresql-client)"

if [[ -z ${DATABASE_URL:-} ]]; then
    deploy/local/services.sh up
    eval "$(deploy/local/services.sh env)"
fi
export DATABASE_URL SYSTEM_DATABASE_URL MIGRATION_DATABASE_URL REDIS_URL

su_psql() { deploy/local/services.sh psql -X -A -t -q -v ON_ERROR_STOP=1 "$@"; }
# The application role, as the API and the workers connect (row-level security applies).
app_psql() { timeout 600 psql "$DATABASE_URL" -X -A -t -q -v ON_ERROR_STOP=1 "$@"; }
now_ms() { date +%s%3N; }
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "?"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
RUN="reports-$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')"
RUN_DIR=".local/bench/$RUN"
mkdir -p "$RUN_DIR"
PIDS=()
FLAGS=()
TENANT=""

# A private copy of the binary: a concurrent build may relink the original while this runs.
BIN_DIR="$(mktemp -d /tmp/jifen-bench-bin.XXXXXX)"
JIFEN="$BIN_DIR/jifen"
for attempt in $(seq 1 30); do # (a build relinking it right now leaves a file that does not run yet)
    cp "$JIFEN_SOURCE" "$JIFEN"
    "$JIFEN" --help >/dev/null 2>&1 && break
    ((attempt < 30)) || { rm -rf "$BIN_DIR"; die "$JIFEN_SOURCE does not run"; }
    sleep 2
done
BIN_MTIME="$(date -u -r "$JIFEN_SOURCE" '+%Y-%m-%d %H:%M UTC')"

# The tenant goes with every row of every table that has a tenant_id (orders, refunds,
# redemptions, report aggregates, keys… which delete_tenants.sql does not know), then
# delete_tenants.sql by name as the other parts do (a tenant whose id was never read).
delete_tenant() {
    if [[ -n $TENANT ]]; then
        su_psql -v tenant="$TENANT" <<'SQL'
SET session_replication_role = replica;
SELECT set_config('bench.tenant', :'tenant', false) \gset
DO $$
DECLARE
    tbl regclass;
BEGIN
    FOR tbl IN
        SELECT c.oid::regclass FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
        WHERE c.relkind IN ('r', 'p') AND c.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = 'tenants'::regclass)
          AND a.attname = 'tenant_id' AND NOT a.attisdropped
    LOOP
        EXECUTE format('DELETE FROM %s WHERE tenant_id = $1', tbl) USING current_setting('bench.tenant')::uuid;
    END LOOP;
END $$;
DELETE FROM tenants WHERE id = current_setting('bench.tenant')::uuid;
SQL
    fi
    su_psql -v prefix="$RUN" <scripts/bench/delete_tenants.sql >/dev/null
}

cleanup() {
    local rc=$? pid
    trap - EXIT
    trap "" INT TERM
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    if ((KEEP)) && [[ -n $TENANT ]]; then
        log "keeping tenant $TENANT ('$RUN-h'; BENCH_REPORTS_KEEP=1): delete it with" \
            "deploy/local/services.sh psql -v prefix=$RUN < scripts/bench/delete_tenants.sql (and its orders…)"
    else
        log "deleting the bench tenant"
        delete_tenant >/dev/null 2>&1 || log "clean-up failed; the tenant named '$RUN-h' remains"
    fi
    rm -rf "$BIN_DIR"
    ((rc == 0)) || log "failed (exit $rc); logs in $RUN_DIR"
    exit "$rc"
}
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

export HOST=127.0.0.1 LOG_LEVEL=warning LOG_FORMAT=text
OPERATOR_TOKEN="bench-$RUN-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export OPERATOR_TOKEN
export RATE_LIMIT_PER_SECOND=100000 RATE_LIMIT_BURST=1000000
unset WORKER_TENANTS JOB_QUEUE PORT

# ----------------------------------------------------------------------------
# the tenant and its history

"$JIFEN" sweep --help 2>/dev/null | grep -q reports ||
    die "$JIFEN_SOURCE has no 'jifen sweep reports': it is older than the reports, build it first"
[[ "$(su_psql -c "SELECT to_regproc('jifen_report_aggregate') IS NOT NULL")" == t ]] ||
    die "the database has no report functions (migrations/0020_reports.sql): run 'jifen migrate' first"

out="$(timeout 60 "$JIFEN" tenant create "$RUN-h" --quiet 2>>"$RUN_DIR/cli.log")" ||
    die "jifen tenant create failed (see $RUN_DIR/cli.log)"
[[ $out =~ ^[0-9a-f-]{36}\ jf_[^[:space:]]+$ ]] || die "unexpected output of jifen tenant create: '$out'"
read -r TENANT KEY <<<"$out"
# The program's zone as the report functions use it (the default program: UTC).
zone_fn=jifen_zone_or_utc
[[ "$(su_psql -c "SELECT to_regproc('jifen_report_zone') IS NOT NULL")" == t ]] && zone_fn=jifen_report_zone
ZONE="$(su_psql -c "SELECT $zone_fn(coalesce((SELECT rules ->> 'time_zone' FROM programs
                    WHERE tenant_id = '$TENANT' ORDER BY version DESC LIMIT 1), 'UTC'))")"
log "(h) tenant $TENANT (zone $ZONE): seeding $DAYS days, $MEMBERS members, $ORDERS orders"
start=$(now_ms)
seed() {
    su_psql -v tenant="$TENANT" -v zone="$ZONE" -v days="$DAYS" -v members="$MEMBERS" -v orders="$ORDERS" \
        -v peak=0.05 <scripts/bench/seed_reports.sql 2>"$RUN_DIR/seed.log" | tail -n 1
}
# One transaction: all or nothing. A deadlock with someone's migration of the shared database is retried once.
seeded="$(seed)" || { grep -q deadlock "$RUN_DIR/seed.log" && log "(h) seeding: deadlock, again" && seeded="$(seed)"; } ||
    die "seeding failed: $(tail -n 5 "$RUN_DIR/seed.log")"
read -r ENTRIES SEEDED_ORDERS SEEDED_MEMBERS BUSY_DAY BUSY_ENTRIES MEMBER <<<"$seeded"
[[ $SEEDED_ORDERS == "$ORDERS" && -n $MEMBER ]] || die "unexpected output of the seed: '$seeded'"
# As autovacuum would have left a table of this size: statistics and the visibility map.
su_psql -c "VACUUM ANALYZE ledger_entries, orders, point_lots, members, balances, redemptions, refunds" >/dev/null
SEED_S="$(calc "($(now_ms) - $start) / 1000" 0)"
ALL_ENTRIES="$(su_psql -c "SELECT count(*) FROM ledger_entries")"
log "(h) seeded $ENTRIES ledger entries in $SEED_S s (the table holds $ALL_ENTRIES); busiest day $BUSY_DAY: $BUSY_ENTRIES entries"

# ----------------------------------------------------------------------------
# (h1) full aggregation, and a scan of the same entries

progress() { su_psql -c "SELECT coalesce(aggregated_through::text, '-') FROM report_progress WHERE tenant_id = '$TENANT'"; }
[[ "$(progress)" == - ]] || FLAGS+=("(h1) the tenant was aggregated before the timed sweep (another worker?)")
log "(h1) jifen sweep reports --tenant $TENANT"
start=$(now_ms)
timeout 3600 "$JIFEN" sweep reports --tenant "$TENANT" >"$RUN_DIR/sweep.log" 2>&1 ||
    die "jifen sweep reports failed: $(tail -n 5 "$RUN_DIR/sweep.log")"
SWEEP_MS=$(($(now_ms) - start))
THROUGH="$(progress)"
read -r FIRST_DAY STORED_DAYS <<<"$(su_psql -F ' ' -c "SELECT min(day), count(DISTINCT day) FROM report_points_daily WHERE tenant_id = '$TENANT'")"
AGG_DAYS=$((($(date -u -d "$THROUGH" +%s) - $(date -u -d "$FIRST_DAY" +%s)) / 86400 + 1))
SWEEP_S="$(calc "$SWEEP_MS / 1000" 1)"
log "(h1) $SWEEP_S s for $AGG_DAYS days ($FIRST_DAY to $THROUGH; $STORED_DAYS with entries)"

# The baseline of (h1) and (h2): count and sums of a range's entries, as the application role
# in a tenant-scoped transaction. Prints the milliseconds of each run.
scan_ms() { # scan_ms FROM_DAY TO_DAY RUNS
    local i
    for ((i = 0; i < $3; i++)); do
        app_psql -v tenant="$TENANT" -v zone="$ZONE" -v from="$1" -v to="$2" <<'SQL'
BEGIN;
SELECT set_config('app.tenant_id', :'tenant', true) \gset
SELECT clock_timestamp() AS t0 \gset
SELECT count(*), sum(available_delta), sum(pending_delta), sum(jsonb_array_length(lots)) FROM ledger_entries
WHERE tenant_id = :'tenant' AND created_at >= (:'from'::date::timestamp AT TIME ZONE :'zone')
  AND created_at < ((:'to'::date + 1)::timestamp AT TIME ZONE :'zone') \gset
COMMIT;
SELECT round(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) * 1000, 1);
SQL
    done
}
SCAN_ALL_MS="$(scan_ms "$FIRST_DAY" "$THROUGH" 3 | median)"
RATIO_H1="$(calc "$SWEEP_MS / $SCAN_ALL_MS" 0)"
log "(h1) baseline: a scan of the same entries $SCAN_ALL_MS ms (median of 3); aggregation ÷ scan = $RATIO_H1"

# ----------------------------------------------------------------------------
# (h2) one day's aggregation

log "(h2) jifen_report_aggregate for $BUSY_DAY ($BUSY_ENTRIES entries), $AGG_RUNS times"
agg_ms() { # agg_ms DAY
    app_psql -v tenant="$TENANT" -v zone="$ZONE" -v day="$1" <<'SQL'
BEGIN;
SELECT set_config('app.tenant_id', :'tenant', true) \gset
SELECT clock_timestamp() AS t0 \gset
SELECT jifen_report_aggregate(:'tenant', :'zone', :'day', :'day') \gset
COMMIT;
SELECT round(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) * 1000, 1);
SQL
}
runs=()
for ((i = 0; i < AGG_RUNS; i++)); do runs+=("$(agg_ms "$BUSY_DAY")"); done
DAY_MS="$(printf '%s\n' "${runs[@]}" | median)"
DAY_RUNS="${runs[*]}"
# A typical day too: the median day by entries.
read -r TYPICAL_DAY TYPICAL_ENTRIES <<<"$(su_psql -F ' ' -c "
    SELECT day, entries FROM (
        SELECT day, entries, row_number() OVER (ORDER BY entries, day) AS n, count(*) OVER () AS days
        FROM (SELECT (created_at AT TIME ZONE '$ZONE')::date AS day, count(*) AS entries
              FROM ledger_entries WHERE tenant_id = '$TENANT' GROUP BY 1) d
    ) ranked WHERE n = (days + 1) / 2")"
runs=()
for ((i = 0; i < AGG_RUNS; i++)); do runs+=("$(agg_ms "$TYPICAL_DAY")"); done
TYPICAL_MS="$(printf '%s\n' "${runs[@]}" | median)"
SCAN_DAY_MS="$(scan_ms "$BUSY_DAY" "$BUSY_DAY" "$AGG_RUNS" | median)"
RATIO_H2="$(calc "$DAY_MS / ($SCAN_DAY_MS > 0 ? $SCAN_DAY_MS : 0.1)" 0)"
log "(h2) busiest day $DAY_MS ms (runs: $DAY_RUNS); typical day $TYPICAL_DAY ($TYPICAL_ENTRIES entries) $TYPICAL_MS ms;" \
    "baseline: a scan of the busiest day's entries $SCAN_DAY_MS ms; aggregation ÷ scan = $RATIO_H2"

# ----------------------------------------------------------------------------
# (h3) report reads through `jifen serve`

PORT="$(free_port)"
env PORT="$PORT" "$JIFEN" serve >"$RUN_DIR/serve.log" 2>&1 &
SERVE_PID=$!
PIDS+=("$SERVE_PID")
BASE="http://127.0.0.1:$PORT"
deadline=$((SECONDS + READY_SECONDS))
until curl -fsS -m 2 -o /dev/null "$BASE/health/ready" 2>/dev/null; do
    kill -0 "$SERVE_PID" 2>/dev/null || die "jifen serve exited: $(tail -n 5 "$RUN_DIR/serve.log")"
    ((SECONDS < deadline)) || die "jifen serve not ready after $READY_SECONDS s"
    sleep 0.2
done

TODAY="$(su_psql -c "SELECT (now() AT TIME ZONE '$ZONE')::date")"
FROM_2Y="$(su_psql -c "SELECT ('$TODAY'::date - $DAYS)::text")"
FROM_90="$(su_psql -c "SELECT ('$TODAY'::date - 89)::text")"
MONTHS="from=$FROM_2Y&to=$TODAY&period=month"
# name|path|accept: the baseline first
READS=(
    "member|/v1/members/$MEMBER|application/json"
    "points-liability|/v1/reports/points-liability?$MONTHS|application/json"
    "points-flows|/v1/reports/points-flows?$MONTHS|application/json"
    "members|/v1/reports/members?$MONTHS|application/json"
    "repeat-purchase|/v1/reports/repeat-purchase?$MONTHS|application/json"
    "programs|/v1/reports/programs?$MONTHS|application/json"
    "points-flows (day, 90 days)|/v1/reports/points-flows?from=$FROM_90&to=$TODAY&period=day|application/json"
    "points-flows (day, 90 days, CSV)|/v1/reports/points-flows?from=$FROM_90&to=$TODAY&period=day|text/csv"
)
log "(h3) $REQUESTS sequential keep-alive requests of each read (after $WARMUP), from $FROM_2Y to $TODAY"
printf '%s\n' "${READS[@]}" >"$RUN_DIR/reads.txt"
# One line per read: "READ <name>|<state>|<p50>|<p99>|<max>|<bytes>|<statuses>", state ok, missing
# (404 for the route) or failed (another status); the first unexpected answer goes to the log.
python3 - "$BASE" "$KEY" "$REQUESTS" "$WARMUP" "$BUDGET" "$RUN_DIR/reads.txt" >"$RUN_DIR/reads.out" 2>"$RUN_DIR/reads.err" <<'PY' ||
import http.client, json, sys, time, urllib.parse

base, key, n, warmup, budget, spec = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
host = urllib.parse.urlsplit(base)
conn = http.client.HTTPConnection(host.hostname, host.port, timeout=60)

def get(path, accept):
    global conn
    headers = {"Authorization": f"Bearer {key}", "Accept": accept}
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
    except (http.client.HTTPException, OSError):
        conn.close()
        conn = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
    return response.status, response.read(), response.getheader("Content-Type", "")

def percentile(sorted_values, p):  # nearest rank
    rank = max(1, -(-len(sorted_values) * p // 100))
    return sorted_values[int(rank) - 1]

for line in open(spec, encoding="utf-8"):
    name, path, accept = line.rstrip("\n").split("|")
    status, body, ctype = get(path, accept)
    if status == 404:
        print(f"READ {name}|missing|||||404", flush=True)
        print(f"{name}: 404 {body[:300]!r}", file=sys.stderr)
        continue
    if status != 200:
        print(f"READ {name}|failed|||||{status}", flush=True)
        print(f"{name}: {status} {body[:500]!r}", file=sys.stderr)
        continue
    if accept == "text/csv" and "csv" not in ctype:
        print(f"{name}: asked for text/csv, got {ctype}", file=sys.stderr)
    deadline = time.monotonic() + budget
    for _ in range(warmup):
        get(path, accept)
    times, statuses, size = [], {}, len(body)
    for _ in range(n):
        if times and time.monotonic() > deadline:
            print(f"{name}: over the budget of {budget:.0f} s after {len(times)} requests", file=sys.stderr)
            break
        start = time.perf_counter()
        status, body, _ = get(path, accept)
        times.append((time.perf_counter() - start) * 1000)
        statuses[status] = statuses.get(status, 0) + 1
        if status != 200 and statuses[status] == 1:
            print(f"{name}: {status} {body[:500]!r}", file=sys.stderr)
    times.sort()
    state = "ok" if set(statuses) == {200} else "failed"
    summary = ",".join(f"{k}:{v}" for k, v in sorted(statuses.items()))
    print(f"READ {name}|{state}|{percentile(times, 50):.1f}|{percentile(times, 99):.1f}|{times[-1]:.1f}|{size}|{summary}|{len(times)}",
          flush=True)
PY
    die "the read client failed: $(tail -n 5 "$RUN_DIR/reads.err")"
kill -0 "$SERVE_PID" 2>/dev/null || die "jifen serve died during the reads: $(tail -n 5 "$RUN_DIR/serve.log")"
kill -TERM "$SERVE_PID" 2>/dev/null || true
wait "$SERVE_PID" 2>/dev/null || true
PIDS=()

IFS='|' read -r _ BASE_STATE BASE_P50 BASE_P99 BASE_MAX _ BASE_STATUSES _ <<<"$(grep '^READ member|' "$RUN_DIR/reads.out" | sed 's/^READ //')"
[[ $BASE_STATE == ok ]] || die "the baseline GET /v1/members/$MEMBER failed ($BASE_STATUSES): $(head -n 3 "$RUN_DIR/reads.err")"
ROWS=()
SUMMARY=()
MISSING=()
while IFS='|' read -r name state p50 p99 max size statuses count; do
    name="${name#READ }"
    [[ $name == member ]] && continue
    case $state in
    ok)
        ratio="$(calc "$p99 / ($BASE_P99 > 0 ? $BASE_P99 : 0.1)" 1)"
        goal="not met"
        (($(calc "($p99 < $GOAL_MS)" 0))) && goal="met"
        requests=""
        if ((count < REQUESTS)); then
            requests=", only $count requests: over the ${BUDGET}-s budget"
            FLAGS+=("(h3) $name: only $count of $REQUESTS requests within BENCH_REPORTS_BUDGET=$BUDGET s")
        fi
        ROWS+=("| (h3) \`$name\` | p50 $p50 ms, **p99 $p99 ms** (max $max ms, $size bytes$requests); p99 ÷ baseline p99 **$ratio**; goal p99 < $GOAL_MS ms: **$goal** |")
        SUMMARY+=("$(printf '%-34s p50 %7s ms  p99 %7s ms  ÷ baseline %6s  goal: %s' "$name" "$p50" "$p99" "$ratio" "$goal")")
        ;;
    missing)
        MISSING+=("$name")
        ROWS+=("| (h3) \`$name\` | not measured: the route answered 404 (not in this binary) |")
        SUMMARY+=("$(printf '%-34s missing (404)' "$name")")
        ;;
    *)
        FLAGS+=("(h3) $name: answers $statuses (see $RUN_DIR/reads.err)")
        ROWS+=("| (h3) \`$name\` | failed: $statuses |")
        SUMMARY+=("$(printf '%-34s failed (%s)' "$name" "$statuses")")
        ;;
    esac
done <"$RUN_DIR/reads.out"
((${#MISSING[@]} == 0)) || FLAGS+=("(h3) ${#MISSING[@]} report route(s) missing from the binary: ${MISSING[*]}")
n="$(grep -v 'SECRETS_KEY is unset' "$RUN_DIR/serve.log" | grep -Eci 'warning|error|critical' || true)"
((n == 0)) || FLAGS+=("jifen serve logged $n warning/error lines ($RUN_DIR/serve.log)")

# ----------------------------------------------------------------------------
# results

COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
[[ -z "$(git status --porcelain -- Sources Package.swift migrations 2>/dev/null)" ]] || COMMIT="$COMMIT + uncommitted changes"
if [[ -n ${BENCH_BINARY:-} ]]; then
    BINARY="\`$JIFEN_SOURCE\` as given in BENCH_BINARY (file modified $BIN_MTIME)"
else
    BINARY="\`$JIFEN_SOURCE\` (built $BIN_MTIME)"
fi
PG_CONTEXT="$(su_psql -c "SELECT split_part(current_setting('server_version'), ' ', 1) || ': jit ' || current_setting('jit')
    || ', work_mem ' || current_setting('work_mem') || ', shared_buffers ' || current_setting('shared_buffers')")"
[[ $JIFEN_SOURCE == *debug* ]] && BINARY="$BINARY — a debug build: numbers not representative"
{
    echo
    echo "### Reports (h): $ENTRIES ledger entries in one tenant, $(date -u +%Y-%m-%d) · $COMMIT"
    echo
    echo "- Binary: $BINARY"
    echo "- PostgreSQL $PG_CONTEXT; $(nproc) CPUs, load average before the run $LOAD_BEFORE, after $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- One tenant, $DAYS days ending yesterday ($ZONE): $SEEDED_MEMBERS members, $SEEDED_ORDERS paid orders, $ENTRIES ledger entries (the table: $ALL_ENTRIES); seeded in $SEED_S s"
    echo
    echo "| measure | result |"
    echo "| --- | --- |"
    echo "| (h1) full aggregation, \`jifen sweep reports\` | **$SWEEP_S s** for $AGG_DAYS days ($FIRST_DAY to $THROUGH); baseline, a scan of the same entries: $SCAN_ALL_MS ms; aggregation ÷ scan **$RATIO_H1** |"
    echo "| (h2) one day's aggregation, busiest day $BUSY_DAY ($BUSY_ENTRIES entries) | **$DAY_MS ms** (median of $AGG_RUNS: $DAY_RUNS); baseline, a scan of that day's entries: $SCAN_DAY_MS ms; aggregation ÷ scan **$RATIO_H2** |"
    echo "| (h2) one day's aggregation, a typical day $TYPICAL_DAY ($TYPICAL_ENTRIES entries) | $TYPICAL_MS ms (median of $AGG_RUNS) |"
    echo "| (h3) baseline \`GET /v1/members/{member}\`, $REQUESTS requests | p50 $BASE_P50 ms, **p99 $BASE_P99 ms** (max $BASE_MAX ms) |"
    for row in "${ROWS[@]}"; do echo "$row"; done
    echo
    echo "(h3): $REQUESTS sequential keep-alive requests per read after $WARMUP, reports from $FROM_2Y to $TODAY by month unless said; goal p99 < $GOAL_MS ms."
    if ((${#FLAGS[@]} > 0)); then
        echo
        for flag in "${FLAGS[@]}"; do echo "- ⚠ $flag"; done
    fi
} >>"$RESULTS"

cat <<SUMMARY

Jifen reports benchmark ($JIFEN_SOURCE): $ENTRIES ledger entries, $SEEDED_ORDERS orders, $SEEDED_MEMBERS members
  (h1) sweep reports       $SWEEP_S s for $AGG_DAYS days     scan of the same entries $SCAN_ALL_MS ms   ÷ $RATIO_H1
  (h2) one day ($BUSY_DAY)  $DAY_MS ms for $BUSY_ENTRIES entries   scan $SCAN_DAY_MS ms   ÷ $RATIO_H2
       typical day ($TYPICAL_DAY)  $TYPICAL_MS ms for $TYPICAL_ENTRIES entries
  (h3) baseline GET /v1/members/{member}   p50 $BASE_P50 ms  p99 $BASE_P99 ms
$(for line in "${SUMMARY[@]}"; do echo "       $line"; done)
SUMMARY
((${#FLAGS[@]} == 0)) || printf '  ⚠ %s\n' "${FLAGS[@]}"
log "appended to $RESULTS; logs in $RUN_DIR"
