#!/usr/bin/env bash
# Reference docs check (part of `make test`): starts `jifen serve`, loads GET /docs in headless
# Chromium (Debian's chromium-headless-shell, installed if missing) with every host but
# 127.0.0.1 unresolvable, so a page that needed anything from elsewhere would show it, and checks
# that the rendered DOM has every operation of the spec, the schemas and the webhook messages.
# A screenshot is left at .local/docs.png for a human look.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -n "${DATABASE_URL:-}" ]] || eval "$(deploy/local/services.sh env)"
source scripts/lib/live-server.sh

browser=$(command -v chromium-headless-shell || command -v chromium || true)
if [[ -z "$browser" ]]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-headless-shell >/dev/null
    browser=$(command -v chromium-headless-shell)
fi

export OPERATOR_TOKEN="docs-$(random_token)" LOG_LEVEL=warning
start_serve .local/docs-check-serve.log
trap 'stop_pid "$SERVER_PID"' EXIT

flags=(--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run
    --host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE 127.0.0.1" --virtual-time-budget=5000)
"$browser" "${flags[@]}" --dump-dom "$BASE/docs" > .local/docs-dom.html 2> .local/docs-chromium.log
"$browser" "${flags[@]}" --window-size=1400,1000 --screenshot=.local/docs.png "$BASE/docs" \
    >> .local/docs-chromium.log 2>&1

python3 - openapi/openapi.yaml .local/docs-dom.html <<'PY'
import re, sys
spec, dom = (open(path, encoding="utf-8").read() for path in sys.argv[1:3])
operations = re.findall(r"^\s+operationId: (\S+)$", spec, re.M)
section = re.split(r"^\S", spec.split("\n  schemas:\n", 1)[1], maxsplit=1, flags=re.M)[0]
schemas = re.findall(r"^    ([A-Za-z][A-Za-z0-9]*):$", section, re.M)
missing = [op for op in operations if f'id="op-{op}"' not in dom]
missing += [name for name in schemas if f'id="schema-{name}"' not in dom]
# Each operation's scope is shown with it (docs/security.md, Key scopes).
scoped = len(re.findall(r"tenantKey: \[(\w+)\]", spec))
if dom.count("tenantKey (scope ") < scoped:
    missing.append("the scopes of %d operations" % (scoped - dom.count("tenantKey (scope ")))
if 'id="webhooks"' not in dom:
    missing.append("the webhook messages section")
if len(dom) < 10000 or "<main>" not in dom:
    missing.append("the page itself (the DOM is %d bytes)" % len(dom))
if missing:
    sys.exit("docs check: missing from the rendered /docs: " + ", ".join(missing))
print(f"docs check: headless Chromium rendered /docs with all {len(operations)} operations and {len(schemas)} schemas")
PY
