#!/usr/bin/env bash
# `make bench`, part (d): the expiry sweep. Seeds two identical data sets of
# BENCH_EXPIRY_TENANTS tenants × BENCH_EXPIRY_LOTS lots each (all past expiry, every third
# partly spent), then times
#   - `jifen sweep expire` over the first set (the code the workers run: per tenant, batches of
#     500 lots, three statements a batch), and
#   - the baseline: one hand-written set-based SQL statement doing the same work on the second
#     set (scripts/bench/expire_baseline.sql),
# checks that both did the same (lots expired, entries, points), appends the ratio to
# BENCHMARKS.md, and deletes both sets.
#
# Environment: JIFEN (the binary) [.build/release/jifen; BENCH_BINARY wins when set], BENCH_EXPIRY_TENANTS [1000],
# BENCH_EXPIRY_LOTS [1000], DATABASE_URL/REDIS_URL as `deploy/local/services.sh env` prints.
set -euo pipefail
cd "$(dirname "$0")/../.."

JIFEN="${BENCH_BINARY:-${JIFEN:-.build/release/jifen}}"
TENANTS="${BENCH_EXPIRY_TENANTS:-1000}"
LOTS="${BENCH_EXPIRY_LOTS:-1000}"
RESULTS=BENCHMARKS.md
for var in TENANTS LOTS; do
    [[ ${!var} =~ ^[1-9][0-9]*$ ]] || { echo "[bench] BENCH_EXPIRY_${var} must be a positive integer" >&2; exit 1; }
done
[[ -x $JIFEN ]] || { echo "[bench] $JIFEN is missing: build it first" >&2; exit 1; }

log() { printf '[bench] %s\n' "$*" >&2; }
su_psql() { deploy/local/services.sh psql -A -t "$@"; }
now_ms() { date +%s%3N; }

RUN="expiry-$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')"
SWEPT="$RUN-sweep" BASE="$RUN-sql"

# Bench tenants are deleted on the way out, ledger rows included (the append-only trigger is
# off for this superuser session only: the application can never do this).
cleanup() {
    local rc=$?
    log "deleting the bench tenants"
    su_psql -q -v prefix="$RUN" <scripts/bench/delete_tenants.sql >/dev/null 2>&1 ||
        log "clean-up failed; tenants named '$RUN-*' remain"
    exit "$rc"
}
trap cleanup EXIT

log "(d) seeding 2 × $TENANTS tenants × $LOTS lots"
mapfile -t swept_ids < <(su_psql -q -v prefix="$SWEPT" -v tenants="$TENANTS" -v lots="$LOTS" <scripts/bench/seed_lots.sql | grep -E '^[0-9a-f-]{36}$')
su_psql -q -v prefix="$BASE" -v tenants="$TENANTS" -v lots="$LOTS" <scripts/bench/seed_lots.sql >/dev/null
su_psql -q -c "ANALYZE point_lots; ANALYZE balances;"
((${#swept_ids[@]} == TENANTS)) || { log "seeding returned ${#swept_ids[@]} tenants, not $TENANTS"; exit 1; }

args=()
for id in "${swept_ids[@]}"; do args+=(--tenant "$id"); done
log "(d) jifen sweep expire over $TENANTS tenants"
start=$(now_ms)
LOG_LEVEL=warning "$JIFEN" sweep expire "${args[@]}" >/dev/null
sweep_ms=$(($(now_ms) - start))

log "(d) one SQL statement over the other $TENANTS tenants"
start=$(now_ms)
su_psql -q -v prefix="$BASE" <scripts/bench/expire_baseline.sql >/dev/null
sql_ms=$(($(now_ms) - start))

summary() { # lots expired, expire entries, points expired, events — for tenants named $1-*
    su_psql -c "
        SELECT (SELECT count(*) FROM point_lots l JOIN tenants t ON t.id = l.tenant_id
                WHERE t.name LIKE '$1-%' AND l.state = 'expired')
          || ' ' || (SELECT count(*) FROM ledger_entries e JOIN tenants t ON t.id = e.tenant_id
                WHERE t.name LIKE '$1-%' AND e.kind = 'expire')
          || ' ' || (SELECT coalesce(sum(b.lifetime_expired), 0) FROM balances b JOIN tenants t ON t.id = b.tenant_id
                WHERE t.name LIKE '$1-%')
          || ' ' || (SELECT count(*) FROM domain_events d JOIN tenants t ON t.id = d.tenant_id
                WHERE t.name LIKE '$1-%' AND d.type = 'points.expired')"
}
swept="$(summary "$SWEPT")"
baseline="$(summary "$BASE")"
read -r lots entries points events <<<"$swept"
read -r base_lots base_entries base_points base_events <<<"$baseline"
# Events may differ: the sweep records one per member per batch, the statement one per member.
[[ "$lots $entries $points" == "$base_lots $base_entries $base_points" ]] ||
    { log "the sweep and the baseline differ: '$swept' vs '$baseline'"; exit 1; }
((lots == TENANTS * (LOTS / 10 > 0 ? LOTS / 10 * 10 : 10))) || { log "expired $lots lots, expected all"; exit 1; }

ratio=$(awk -v a="$sweep_ms" -v b="$sql_ms" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
line="| $(date -u +%Y-%m-%dT%H:%MZ) | expiry: $lots lots in $TENANTS tenants | jifen sweep expire ${sweep_ms} ms | one SQL statement ${sql_ms} ms | sweep/SQL ${ratio} | both: $entries entries, $points points; events: sweep $events, SQL $base_events |"
log "$line"
{
    echo
    echo "### Expiry sweep, $(date -u +%Y-%m-%d)"
    echo
    echo "| when | data | Jifen | baseline | ratio | checked |"
    echo "| --- | --- | --- | --- | --- | --- |"
    echo "$line"
} >>"$RESULTS"
