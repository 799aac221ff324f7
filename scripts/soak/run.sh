#!/usr/bin/env bash
# `make soak` (not part of `make test`): Jifen's release build — the API and two workers — under
# a steady mixed load for SOAK_MINUTES (60), in a database of its own (jifen_soak, dropped and
# migrated afresh so nothing else's backlog is in it) on the local services. scripts/soak/soak.py
# drives the load and checks the result; this script prepares and reports.
#
#   SOAK_MINUTES [60]  SOAK_RATE [40 requests/s]  SOAK_BINARY [the release build]
#   SOAK_REPORT [1: append the section to BENCHMARKS.md; 0: only print it]
#
# Output: .local/soak/<run>/ (minutes.csv, summary.json, each process's log) and, with
# SOAK_REPORT=1, a "Soak" section in BENCHMARKS.md written by scripts/soak/report.py.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

MINUTES=${SOAK_MINUTES:-60}
RATE=${SOAK_RATE:-40}
export JIFEN_DB_NAME=jifen_soak

if [[ -z ${SOAK_BINARY:-} ]]; then
    scripts/build.sh release
    SOAK_BINARY="$(scripts/build.sh bin-path release)/jifen"
fi
deploy/local/services.sh up
deploy/local/services.sh psql -d postgres -q -c "DROP DATABASE IF EXISTS jifen_soak WITH (FORCE)" >/dev/null
deploy/local/services.sh up 2>/dev/null
eval "$(deploy/local/services.sh env)"
"$SOAK_BINARY" migrate >/dev/null

run=".local/soak/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$run"
status=0
.local/venv/bin/python scripts/soak/soak.py --binary "$SOAK_BINARY" --minutes "$MINUTES" --rate "$RATE" \
    --out "$run" >"$run/summary.txt" || status=$?
.local/venv/bin/python scripts/soak/report.py "$run" ${SOAK_REPORT:-1}
exit "$status"
