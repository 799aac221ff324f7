#!/usr/bin/env bash
# scripts/image-check.sh — the container image, built and run here (`make image-check`, part of
# `make test`): builds it with scripts/image-buildah.sh (buildah + mmdebstrap: no Docker engine
# or registry needed), then runs its roles from inside the image's filesystem, as the image's
# user (uid 10001), against the local PostgreSQL and Redis:
#
#   1. the image: USER is 10001, /app holds the spec and migrations, every shared library of
#      /usr/local/bin/jifen resolves (ldd), the crash backtracer is there
#   2. `jifen migrate`
#   3. `jifen serve` answers /health/ready (curl from the host)
#   4. `jifen tenant create` makes a tenant; through the API: PUT a member, POST a paid order
#   5. `jifen work` (pinned to that tenant, on a queue of its own) scores it: the member's
#      balance is polled until the points are there, within IMAGE_CHECK_DEADLINE seconds
#   6. SIGTERM to serve and work: both drain and exit 0
#
# Each command runs with `buildah run --isolation=chroot --network=host --user 10001:10001`:
# the image's root filesystem, environment (ENV) and working directory (/app), the host's
# network (so 127.0.0.1 is the local services) and the host's PID namespace. buildah run does not
# pass SIGTERM on (it kills its child), so the check signals the jifen process itself, which it
# finds among the buildah process's descendants; buildah run then exits with jifen's status.
#
# Settings: IMAGE_CHECK_DEADLINE (seconds for readiness and for the points, default 60),
# JIFEN_IMAGE (default localhost/jifen:dev). Logs: .local/image-check-{migrate,serve,work}.log.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

[[ -n "${DATABASE_URL:-}" ]] || eval "$(deploy/local/services.sh env)"
# shellcheck source=scripts/lib/live-server.sh
source scripts/lib/live-server.sh # random_token, free_port, forget_queue, tail_logs, wait_ready

IMAGE=${JIFEN_IMAGE:-localhost/jifen:dev}
DEADLINE=${IMAGE_CHECK_DEADLINE:-60}
SERVE_LOG=.local/image-check-serve.log
WORK_LOG=.local/image-check-work.log
MIGRATE_LOG=.local/image-check-migrate.log
PORT=$(free_port)
METRICS_PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
QUEUE="image-check-$RANDOM$RANDOM"
OPERATOR_TOKEN="image-operator-$(random_token)"

say() { printf 'image check: %s\n' "$*" >&2; }
fail() {
    say "FAILED: $*"
    exit 1
}
B() { scripts/image-buildah.sh buildah "$@"; }

# The services' settings, every one passed explicitly: a setting left out would fall back to its
# default (e.g. SYSTEM_DATABASE_URL on port 54329), which may be another checkout's services.
services_env=()
for name in DATABASE_URL SYSTEM_DATABASE_URL MIGRATION_DATABASE_URL REDIS_URL; do
    [[ -n ${!name:-} ]] || fail "$name is not set (eval \"\$(deploy/local/services.sh env)\")"
    services_env+=(--env "$name=${!name}")
done

scripts/image-buildah.sh build

# A working container of the image: its filesystem is what the commands below run in.
ctr=$(B from --pull-never --name "jifen-image-check-$$" "$IMAGE")
server=
worker=

# in_image CMD…: CMD inside the image as its user, with the services' settings.
in_image() {
    B run --isolation chroot --network host --user 10001:10001 "${services_env[@]}" \
        --env OPERATOR_TOKEN="$OPERATOR_TOKEN" \
        --env HOST=127.0.0.1 --env PORT="$PORT" --env METRICS_PORT="$METRICS_PORT" \
        --env JOB_QUEUE="$QUEUE" --env LOG_LEVEL="${LOG_LEVEL:-info}" \
        "${extra_env[@]}" "$ctr" -- "$@"
}
extra_env=()

# jifen_pid LAUNCHER: the pid of the `jifen` process that LAUNCHER (a buildah run) started.
jifen_pid() {
    ps -eo pid=,ppid=,comm= | awk -v root="$1" '
        { parent[$1] = $2; name[$1] = $3 }
        END {
            for (pid in name) {
                if (name[pid] != "jifen") continue
                for (p = parent[pid]; p > 1; p = parent[p]) if (p == root) { print pid; exit }
            }
        }'
}

# stop LAUNCHER WHAT: SIGTERM to its jifen; it must exit 0 (then so does buildah run) within 30 s.
stop() {
    local launcher=$1 what=$2 pid status=0
    pid=$(jifen_pid "$launcher")
    [[ -n $pid ]] || fail "$what: no jifen process under buildah run (pid $launcher)"
    kill -TERM "$pid"
    for _ in $(seq 300); do
        kill -0 "$launcher" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$launcher" 2>/dev/null && fail "$what did not exit within 30 s of SIGTERM"
    wait "$launcher" || status=$?
    ((status == 0)) || fail "$what exited $status after SIGTERM"
    say "$what stopped on SIGTERM, exit 0"
}

finish() {
    local status=$?
    for launcher in $worker $server; do
        pid=$(jifen_pid "$launcher")
        [[ -z $pid ]] || kill -KILL "$pid" 2>/dev/null || true
        wait "$launcher" 2>/dev/null || true
    done
    B rm "$ctr" >/dev/null 2>&1 || true
    forget_queue "$QUEUE"
    ((status == 0)) || tail_logs "$SERVE_LOG" "$WORK_LOG"
    exit "$status"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- 1. the image ----
[[ $(in_image id -u) == 10001 ]] || fail "commands do not run as uid 10001"
user=$(B inspect --type image --format '{{.OCIv1.Config.User}}' "$IMAGE")
[[ $user == 10001:10001 ]] || fail "the image's USER is '$user', not 10001:10001"
libs=$(in_image ldd /usr/local/bin/jifen)
[[ $libs != *"not found"* ]] || fail "shared libraries missing: $libs"
in_image test -x /usr/local/libexec/swift-backtrace-static || fail "no swift-backtrace-static"
in_image test -r openapi/openapi.yaml -a -d migrations || fail "/app lacks openapi/openapi.yaml or migrations/"
say "the image runs as 10001 in /app, with every shared library of jifen"

# ---- 2. migrate ----
in_image jifen migrate >"$MIGRATE_LOG" 2>&1 || fail "jifen migrate: $(tail -n 20 "$MIGRATE_LOG")"
say "jifen migrate: done"

# ---- 3. serve ----
in_image jifen serve >"$SERVE_LOG" 2>&1 &
server=$!
wait_ready "$server" "$DEADLINE" || fail "jifen serve did not become ready"
say "jifen serve: $BASE/health/ready answers 200"

# ---- 4. a tenant, a member, a paid order ----
read -r tenant key < <(in_image jifen tenant create "Image Check $(date +%s%N)" --quiet)
[[ -n $tenant && -n $key ]] || fail "jifen tenant create printed no tenant and key"
body=.local/image-check-response.json
api() { curl -sS -o "$body" -w '%{http_code}' -H "Authorization: Bearer $key" -H 'Content-Type: application/json' "$@"; }
status=$(api -X PUT "$BASE/v1/members/cust-42" -d '{"name": "Li Wei"}')
[[ $status == 201 ]] || fail "PUT /v1/members/cust-42: $status $(cat "$body")"
placed=$(date -u -d '5 minutes ago' +%Y-%m-%dT%H:%M:%SZ)
status=$(api -X POST "$BASE/v1/orders" -d '{"external_id": "1001", "member": "cust-42",
    "currency": "CNY", "amount": 25990, "status": "paid", "placed_at": "'"$placed"'",
    "lines": [{"sku": "TEA-01", "category": "tea", "quantity": 2, "unit_amount": 12000},
              {"sku": "SHIP", "category": "shipping", "quantity": 1, "unit_amount": 1990}]}')
[[ $status == 201 ]] || fail "POST /v1/orders: $status $(cat "$body")"
say "tenant $tenant (jifen tenant create), member cust-42 and a paid order of 259.90 CNY (API)"

# ---- 5. work scores it ----
extra_env=(--env WORKER_TENANTS="$tenant" --env SCHEDULER_INTERVAL=0)
in_image jifen work >"$WORK_LOG" 2>&1 &
worker=$!
extra_env=()
scored=$((SECONDS + DEADLINE))
pause=0.05
while true; do
    # A failed read counts as not scored yet; the deadline still holds.
    earned=$(curl -sf -H "Authorization: Bearer $key" "$BASE/v1/members/cust-42" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["balance"]["lifetime_earned"])') || earned=0
    ((earned == 0)) || break
    kill -0 "$worker" 2>/dev/null || fail "jifen work exited"
    ((SECONDS < scored)) || fail "the order was not scored within $DEADLINE s"
    sleep "$pause"
    pause=$(python3 -c "print(min($pause * 2, 0.5))")
done
((earned == 259)) || fail "the member earned $earned points, not 259 (floor of 259.90 at 1 point per yuan)"
curl -sf "http://127.0.0.1:$METRICS_PORT/health/live" >/dev/null || fail "the worker's /health/live does not answer"
say "jifen work scored the order: 259 points"

# ---- 6. graceful stops ----
stop "$worker" "jifen work"
worker=
stop "$server" "jifen serve"
server=
say "passed"
