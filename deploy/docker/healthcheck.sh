#!/bin/bash
# jifen-healthcheck PORT [PATH] — exit 0 when GET http://127.0.0.1:PORT/PATH answers 200.
#
# The container image has no curl or wget; this uses bash's /dev/tcp. For the compose health
# checks: `jifen-healthcheck 8080 /health/ready` (API), `jifen-healthcheck 9464 /health/live`
# (worker, on its METRICS_PORT). PATH defaults to /health/live. Gives up after 3 seconds.
set -u
port=${1:?usage: jifen-healthcheck PORT [PATH]}
path=${2:-/health/live}
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$path" "$port" >&3 || exit 1
IFS= read -r -t 3 status <&3 || exit 1
[[ $status =~ ^HTTP/1\.[01]\ 200 ]]
