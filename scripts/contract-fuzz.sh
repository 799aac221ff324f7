#!/usr/bin/env bash
# Contract fuzzing (part of `make test`): schemathesis generates requests from
# openapi/openapi.yaml and sends them to a live `jifen serve`, checking that nothing answers
# 5xx, every status is documented, and every response matches its schema.
#
# With negative data too: schema-invalid requests must be refused with a 4xx
# (negative_data_rejection), a method a path lacks must be a 405 with `Allow`
# (unsupported_method, allow_header_conformance), and a request without its credential must
# not be served (ignored_auth). Not checked on purpose: that every schema-valid request is
# accepted (positive_data_acceptance): opaque cursors, Idempotency-Key reuse, ids that name
# nothing and the program's cross-field rules are rightly refused though the schema cannot say so.
set -euo pipefail
cd "$(dirname "$0")/.."

JIFEN=.build/debug/jifen
ST=.local/venv/bin/schemathesis
EXAMPLES="${FUZZ_EXAMPLES:-25}"
source scripts/lib/live-server.sh
PORT="${FUZZ_PORT:-$(free_port)}"
export OPERATOR_TOKEN="fuzz-operator-$(random_token)" LOG_LEVEL=error
# The fuzzer sends hundreds of requests a second with one key: the rate limit is its own check
# (RateLimitTests), not the fuzzer's.
export RATE_LIMIT_PER_SECOND=100000 RATE_LIMIT_BURST=1000000
# Likewise the limit on failed authentications (FailedAuthenticationTests): every fuzzed inbound
# webhook fails its signature, and past the limit the answer to a request missing a header would
# be the limiter's 429 instead of the 401 the check expects.
export AUTH_FAILURE_BURST=1000000 AUTH_FAILURES_PER_MINUTE=1000000
# Serializers schemathesis lacks (an import's NDJSON upload): scripts/fuzz_hooks.py.
export SCHEMATHESIS_HOOKS=fuzz_hooks PYTHONPATH="$PWD/scripts${PYTHONPATH:+:$PYTHONPATH}"

start_serve .local/contract-fuzz-serve.log
trap 'stop_pid "$SERVER_PID"' EXIT
read -r _tenant key < <("$JIFEN" tenant create "contract fuzz $(date +%s)" --quiet)

checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,negative_data_rejection,unsupported_method,allow_header_conformance,missing_required_header,ignored_auth
# A fixed seed per spec: the same spec fuzzes the same way every run (reproducible), and a changed
# spec gets new Idempotency-Keys, so no response stored under an older schema is replayed to it.
seed=$(cksum < openapi/openapi.yaml | cut -d' ' -f1)
common=(--url "http://127.0.0.1:$PORT" --max-examples "$EXAMPLES" --checks "$checks" --seed "$seed" --no-color)
echo "contract fuzzing tenant endpoints and probes ($EXAMPLES examples per operation)"
"$ST" run openapi/openapi.yaml "${common[@]}" -H "Authorization: Bearer $key" --exclude-path-regex '^/admin'
echo "contract fuzzing operator endpoints"
"$ST" run openapi/openapi.yaml "${common[@]}" -H "Authorization: Bearer $OPERATOR_TOKEN" --include-path-regex '^/admin'
