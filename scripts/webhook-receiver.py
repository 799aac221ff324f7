#!/usr/bin/env python3
"""A webhook receiver for the tests: verifies each delivery with the `standardwebhooks` package
(an implementation that is not Jifen's), answers 500 to the first --fail deliveries and 200 after,
and appends one JSON line per request to --log: {"id", "valid", "type", "status"}.

Usage: webhook-receiver.py --port PORT --secret whsec_... --log FILE [--fail N] [--status CODE]
"""
import argparse
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--secret", required=True)
parser.add_argument("--log", required=True)
parser.add_argument("--fail", type=int, default=0)
parser.add_argument("--status", type=int, default=200, help="the answer once the failures are used up")
args = parser.parse_args()
webhook = Webhook(args.secret)
seen = 0


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        global seen
        seen += 1
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            payload = webhook.verify(body, headers)
            valid, kind = True, payload.get("type")
        except WebhookVerificationError:
            valid, kind = False, None
        status = 500 if seen <= args.fail else args.status
        if not valid:
            status = 400
        with open(args.log, "a") as log:
            log.write(json.dumps({"id": headers.get("webhook-id"), "valid": valid, "type": kind, "status": status}) + "\n")
        self.send_response(status)
        self.send_header("content-type", "text/plain")
        self.end_headers()
        self.wfile.write(b"ok" if status == 200 else b"nope")

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
print("listening", flush=True)
sys.stdout.flush()
server.serve_forever()
