#!/usr/bin/env bash
# The staff console in a real browser (`make console-check`, part of `make test`): Debian's
# chromium, driven through chromium-driver by selenium (scripts/console/check.py), signs in as a
# shop's staff and works the pages of /console as a person would, asserting on the rendered DOM;
# axe-core checks every page's accessibility, and a screenshot of every page in both languages
# lands in .local/console/<page>-<lang>.png.
#
#   1. chromium, chromium-driver and a font with Chinese characters (fonts-wqy-microhei) with apt,
#      when missing; selenium and selenium-axe-python come from scripts/requirements.txt in
#      .local/venv (`make tools`)
#   2. `jifen migrate`; two fresh tenants (`jifen tenant create --quiet`)
#   3. `jifen serve` on a free port with CONSOLE_INSECURE_COOKIES=1 (the check speaks plain
#      http), and one `jifen work` pinned to the two tenants on a queue of its own (it scores the
#      orders, runs the campaign and journey, and tries the webhook)
#   4. scripts/console/seed.py fills the tenants through the JSON API with their keys: a program,
#      members with email and phone, paid orders (polled until scored), a webhook endpoint on a
#      closed loopback port (its delivery fails: the worker refuses loopback addresses, see
#      docs/webhooks.md, Private addresses), a campaign and a journey with control groups; the
#      second tenant gets a member of its own (the first tenant's staff must never see it)
#   5. `jifen staff invite` makes the owner's and a viewer's invitations
#   6. scripts/console/check.py drives the console; it prints a summary and exits non-zero on
#      any failure, naming the page, what it expected and what it found
#
# Settings: CONSOLE_CHECK_DEADLINE (seconds for readiness, scoring and each browser wait,
# default 30), CONSOLE_CHECK_PORT (default: a free port), JIFEN (default .build/debug/jifen).
# Logs: .local/console/{serve,work,seed}.log; the screenshots and axe reports: .local/console/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

[[ -n "${DATABASE_URL:-}" ]] || eval "$(deploy/local/services.sh env)"
# shellcheck source=scripts/lib/live-server.sh
source scripts/lib/live-server.sh # random_token, free_port, stop_pid, forget_queue, tail_logs, wait_ready

JIFEN=${JIFEN:-.build/debug/jifen}
VENV=.local/venv
OUT=.local/console
DEADLINE=${CONSOLE_CHECK_DEADLINE:-30}
PORT=${CONSOLE_CHECK_PORT:-$(free_port)}
# localhost, not 127.0.0.1: the address staff type, and a secure context for the browser.
BASE="http://localhost:$PORT"
QUEUE="console-check-$RANDOM$RANDOM"
SERVE_LOG=$OUT/serve.log
WORK_LOG=$OUT/work.log

say() { printf 'console check: %s\n' "$*" >&2; }
fail() {
    say "FAILED: $*"
    exit 1
}

# ---- 1. the browser and the Python packages ----
# A font with Chinese characters too, or the zh-Hans screenshots show boxes (fc-list comes with
# chromium's fontconfig).
packages=()
command -v chromium >/dev/null || packages+=(chromium)
command -v chromedriver >/dev/null || packages+=(chromium-driver)
[[ -n $(fc-list :lang=zh 2>/dev/null) ]] || packages+=(fonts-wqy-microhei)
if ((${#packages[@]})); then
    say "installing ${packages[*]} (apt)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi
"$VENV/bin/python" -c 'import selenium, selenium_axe_python' 2>/dev/null ||
    fail "selenium or selenium-axe-python is missing from $VENV: run \`make tools\`"

mkdir -p "$OUT"
rm -f "$OUT"/*.png "$OUT"/*.log "$OUT"/*.json

server=
worker=
finish() {
    local status=$?
    [[ -z $worker ]] || stop_pid "$worker"
    [[ -z $server ]] || stop_pid "$server"
    forget_queue "$QUEUE"
    ((status == 0)) || tail_logs "$SERVE_LOG" "$WORK_LOG"
    exit "$status"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- 2. the database and two tenants ----
"$JIFEN" migrate >"$OUT/migrate.log" 2>&1 || fail "jifen migrate: $(tail -n 20 "$OUT/migrate.log")"
suffix=$(date -u +%H%M%S)-$RANDOM
read -r tenant key <<<"$("$JIFEN" tenant create "Console check $suffix" --quiet)"
read -r other_tenant other_key <<<"$("$JIFEN" tenant create "Console check other $suffix" --quiet)"
[[ -n $key && -n $other_key ]] || fail "jifen tenant create printed no key"
say "tenants $tenant and $other_tenant"

# ---- 3. serve and work ----
OPERATOR_TOKEN="console-$(random_token)"
export OPERATOR_TOKEN LOG_LEVEL="${LOG_LEVEL:-info}"
HOST=127.0.0.1 PORT=$PORT CONSOLE_INSECURE_COOKIES=1 "$JIFEN" serve >"$SERVE_LOG" 2>&1 &
server=$!
# ALLOW_PRIVATE_WEBHOOKS off, whatever the caller's environment says: the endpoint on a loopback
# port then fails at its first attempt, without retries. The scheduler every 2 s advances the
# journey promptly.
JOB_QUEUE="$QUEUE" WORKER_TENANTS="$tenant,$other_tenant" SCHEDULER_INTERVAL=2 ALLOW_PRIVATE_WEBHOOKS=0 \
    "$JIFEN" work >"$WORK_LOG" 2>&1 &
worker=$!
wait_ready "$server" "$DEADLINE" || fail "jifen serve did not become ready"
say "jifen serve ready at $BASE"

# ---- 4. the shop's data, through the API ----
"$VENV/bin/python" scripts/console/seed.py --base-url "$BASE" --key "$key" --other-key "$other_key" \
    --deadline "$DEADLINE" --out "$OUT/seed.json" 2>&1 | tee "$OUT/seed.log" >&2
kill -0 "$worker" 2>/dev/null || fail "jifen work exited while seeding"

# ---- 5. staff invitations ----
owner_email="owner-$suffix@example.com"
viewer_email="viewer-$suffix@example.com"
owner_invitation=$("$JIFEN" staff invite --tenant "$tenant" --email "$owner_email" --role owner)
viewer_invitation=$("$JIFEN" staff invite --tenant "$tenant" --email "$viewer_email" --role viewer)
for path in "$owner_invitation" "$viewer_invitation"; do
    [[ $path =~ ^/console/invitations/[^[:space:]/]+$ ]] ||
        fail "jifen staff invite printed '$path', not one line /console/invitations/<token>"
done

# ---- 6. the browser ----
"$VENV/bin/python" scripts/console/check.py --base-url "$BASE" --seed "$OUT/seed.json" \
    --tenant "$tenant" --out "$OUT" --deadline "$DEADLINE" \
    --owner-email "$owner_email" --owner-invitation "$owner_invitation" \
    --viewer-email "$viewer_email" --viewer-invitation "$viewer_invitation"
kill -0 "$server" 2>/dev/null || fail "jifen serve exited during the check"
kill -0 "$worker" 2>/dev/null || fail "jifen work exited during the check"
say "passed"
