"""Schemathesis hooks for scripts/contract-fuzz.sh (loaded through SCHEMATHESIS_HOOKS).

An import's upload may be NDJSON (`application/x-ndjson`), which schemathesis cannot serialize
by itself: whatever it generated for the body goes as one JSON line (text as it is)."""

import json

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    if isinstance(value, bytes):
        return {"data": value}
    if isinstance(value, str):
        return {"data": value.encode("utf-8")}
    return {"data": (json.dumps(value) + "\n").encode("utf-8")}
