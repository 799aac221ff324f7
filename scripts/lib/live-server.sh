# Sourced by the checks that need a live `jifen serve` (contract fuzzing, the docs check, the
# generated-client flow): a free port, a server started in the background and stopped on exit.
#
#   source scripts/lib/live-server.sh
#   start_serve .local/my-check-serve.log     # sets PORT, BASE, SERVER_PID; waits for /health/ready
#   ...; stop_pid "$SERVER_PID"

# random_token: 32 random hex characters (an operator token `jifen serve` accepts).
random_token() {
    head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n'
}

# forget_queue QUEUE: deletes a check's own job-queue keys from Redis ($REDIS_URL), so a run
# leaves nothing behind for the next one.
forget_queue() {
    command -v redis-cli >/dev/null || return 0
    redis-cli -u "$REDIS_URL" --scan --pattern "{$1}:*" 2>/dev/null |
        xargs -r redis-cli -u "$REDIS_URL" del >/dev/null 2>&1 || true
}

# tail_logs LOG…: the end of each non-empty log on stderr, the evidence of a failed check.
tail_logs() {
    local log
    for log; do
        [[ -s $log ]] || continue
        echo "--- the end of $log" >&2
        tail -n 40 "$log" >&2
    done
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# stop_pid PID: SIGTERM, then SIGKILL if it has not exited within 10 s.
stop_pid() {
    local pid=$1
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# start_serve LOG: `jifen serve` on a free port (or $PORT), logging to LOG; fails with the log's
# tail if it is not ready within 10 s.
start_serve() {
    local log=$1
    export HOST=127.0.0.1 PORT="${PORT:-$(free_port)}"
    BASE="http://127.0.0.1:$PORT"
    "${JIFEN:-.build/debug/jifen}" serve > "$log" 2>&1 &
    SERVER_PID=$!
    wait_ready "$SERVER_PID" 10 && return 0
    echo "jifen serve did not become ready; the end of $log:" >&2
    tail -n 40 "$log" >&2
    return 1
}

# wait_ready PID SECONDS: polls $BASE/health/ready until it answers 200; fails (saying why) if
# the server PID exits first or SECONDS pass.
wait_ready() {
    local pid=$1 deadline=$((SECONDS + $2))
    until curl -sf "$BASE/health/ready" >/dev/null; do
        kill -0 "$pid" 2>/dev/null || { echo "jifen serve exited" >&2; return 1; }
        ((SECONDS < deadline)) || { echo "jifen serve not ready within $2 s" >&2; return 1; }
        sleep 0.1
    done
}
