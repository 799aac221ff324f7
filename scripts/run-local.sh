#!/usr/bin/env bash
# `make run`: ensure a demo tenant, print a working curl line, then run the API and one worker
# in the foreground. Ctrl-C (or SIGTERM) stops both gracefully.
set -euo pipefail
cd "$(dirname "$0")/.."

JIFEN=.build/debug/jifen
DEMO_FILE=.local/demo-tenant
export OPERATOR_TOKEN="${OPERATOR_TOKEN:-dev-operator-token-for-make-run-only}"
export PORT="${PORT:-8080}"
# Webhook secrets are sealed with SECRETS_KEY; unset, the API, the worker and `make migrate` all
# use the published development key (logged at start), which JIFEN_ENV=production refuses.
# Set both in the environment to try a real key: `SECRETS_KEY=$(openssl rand -base64 32)`.
export JIFEN_ENV="${JIFEN_ENV:-development}"
# The console is served over plain http here; a deployment serves it over TLS with Secure cookies.
export CONSOLE_INSECURE_COOKIES="${CONSOLE_INSECURE_COOKIES:-1}"

# The key is shown once, so the demo tenant's id and key are kept in .local/ (git-ignored).
tenant="" key=""
if [[ -f $DEMO_FILE ]]; then read -r tenant key < "$DEMO_FILE"; fi
if [[ -z $tenant ]] || ! "$JIFEN" tenant list 2>/dev/null | grep -q "^$tenant"; then
    read -r tenant key < <("$JIFEN" tenant create "Demo Shop" --quiet 2>/dev/null)
    echo "$tenant $key" > "$DEMO_FILE"
fi

base="http://127.0.0.1:$PORT"
# A fresh invitation for the demo owner each run, until someone has joined with that email.
invitation=$("$JIFEN" staff invite --tenant "$tenant" --email owner@demo.example --role owner 2>/dev/null || true)
if [[ -n $invitation ]]; then
    console="Console      $base$invitation   (owner@demo.example: choose a password, then sign in)"
else
    console="Console      $base/console/sign-in?shop=$tenant   (owner@demo.example)"
fi
cat <<MSG

  Demo tenant  $tenant
  API key      $key
  Operator     OPERATOR_TOKEN=$OPERATOR_TOKEN
  $console

  Try it (in another terminal):
    curl -s -X POST $base/v1/orders -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \\
      -d '{"external_id":"1001","member":"cust-42","currency":"CNY","amount":25900,"status":"paid","placed_at":"2026-11-30T08:15:00Z"}'
    curl -s $base/v1/members/cust-42 -H "Authorization: Bearer $key"

  API reference: $base/openapi.yaml      Ctrl-C stops the API and the worker.

MSG

pids=()
stop() {
    trap - INT TERM
    kill -TERM "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
}
trap stop INT TERM
"$JIFEN" serve & pids+=($!)
"$JIFEN" work & pids+=($!)
# Either process exiting ends the demo, so a crash is not hidden behind the other.
wait -n "${pids[@]}" || true
stop
