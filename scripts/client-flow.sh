#!/usr/bin/env bash
# Generated-client flow (part of `make test`): generates a Python client from the spec with
# openapi-python-client (config: scripts/client-flow/config.yaml) into .local/python-client (never
# committed), installs it into .local/venv, starts `jifen serve` on a free port and one
# `jifen work`, and runs scripts/client-flow/flow.py with the client unmodified: the operator
# creates a tenant, then the shop records a member and a paid order, waits for its points, holds
# and captures some, and checks balance, ledger and lots to the point.
#
# The worker is pinned to the flow's tenant (WORKER_TENANTS) on a queue of its own, as the crash
# tests' workers are, so it never takes other tenants' work; that is why the tenant is created
# before the worker starts. Its queue's Redis keys are deleted at the end.
#
# Settings: CLIENT_FLOW_SPEC (default openapi/openapi.yaml), CLIENT_FLOW_DEADLINE (seconds to wait
# for the worker to score the order, default 30), CLIENT_FLOW_PORT (default: a free port).
set -euo pipefail
cd "$(dirname "$0")/.."

[[ -n "${DATABASE_URL:-}" ]] || eval "$(deploy/local/services.sh env)"
source scripts/lib/live-server.sh  # stop_pid

JIFEN=.build/debug/jifen
VENV=.local/venv
CLIENT=.local/python-client
SPEC="${CLIENT_FLOW_SPEC:-openapi/openapi.yaml}"
DEADLINE="${CLIENT_FLOW_DEADLINE:-30}"
PORT="${CLIENT_FLOW_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}"
BASE="http://127.0.0.1:$PORT"
QUEUE="client-flow-$RANDOM$RANDOM"
SERVE_LOG=.local/client-flow-serve.log
WORK_LOG=.local/client-flow-work.log
export HOST=127.0.0.1 PORT OPERATOR_TOKEN="flow-operator-$(random_token)" LOG_LEVEL="${LOG_LEVEL:-info}"

echo "client flow: generating a Python client from $SPEC"
rm -rf "$CLIENT"
# ruff (installed with the generator) formats the generated code; --fail-on-warning: a part of the
# spec the generator cannot use is a failure, because a tenant's generated client would lack it.
PATH="$PWD/$VENV/bin:$PATH" "$VENV/bin/openapi-python-client" generate --path "$SPEC" --meta setup \
    --config scripts/client-flow/config.yaml --output-path "$CLIENT" --fail-on-warning
"$VENV/bin/pip" install --quiet --disable-pip-version-check --no-index --no-build-isolation --no-deps \
    --force-reinstall "$CLIENT"
"$VENV/bin/pip" check --disable-pip-version-check

server=
worker=
finish() {
    local status=$?
    [[ -z "$worker" ]] || stop_pid "$worker"
    [[ -z "$server" ]] || stop_pid "$server"
    forget_queue "$QUEUE"
    if [[ $status -ne 0 ]]; then
        echo "client flow FAILED; the last lines of the logs:" >&2
        for log in "$SERVE_LOG" "$WORK_LOG"; do
            [[ -f "$log" ]] || continue
            echo "--- $log" >&2
            tail -n 60 "$log" >&2
        done
    fi
    exit "$status"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

rm -f "$SERVE_LOG" "$WORK_LOG"
"$JIFEN" serve > "$SERVE_LOG" 2>&1 &
server=$!
for _ in $(seq 100); do
    curl -sf "$BASE/health/ready" >/dev/null && break
    kill -0 "$server" 2>/dev/null || { echo "client flow: jifen serve exited" >&2; exit 1; }
    sleep 0.1
done

python="$VENV/bin/python"
credentials=$("$python" scripts/client-flow/flow.py tenant --base-url "$BASE")
read -r tenant key <<<"$credentials"

JOB_QUEUE="$QUEUE" WORKER_TENANTS="$tenant" SCHEDULER_INTERVAL=0 "$JIFEN" work > "$WORK_LOG" 2>&1 &
worker=$!

JIFEN_KEY="$key" "$python" scripts/client-flow/flow.py points --base-url "$BASE" --deadline "$DEADLINE"
kill -0 "$worker" 2>/dev/null || { echo "client flow: jifen work exited during the flow" >&2; exit 1; }
echo "client flow: passed"
