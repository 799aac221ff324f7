#!/usr/bin/env python3
"""A steady stream of paid orders for `make bench` (scripts/bench/tenants.sh).

Sends `POST /v1/orders` at a fixed rate (an open schedule: request i is due at start + i/rate,
whatever the answers' speed, so a slow server is not hidden by a slower client), over a few
keep-alive connections, for a number of seconds. Each order is the one wrk sends in part (a):
259.00 CNY, 2 lines, a member from a pool of 1000. Prints one line:

    STEADY sent=N created=N failed=N late_ms=max lag of a send behind its schedule

Usage: steady.py --base http://127.0.0.1:PORT --key jf_... --rate 50 --seconds 60 --prefix many
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import threading
import time
import urllib.parse


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--rate", type=float, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()

    url = urllib.parse.urlparse(args.base)
    total = int(args.rate * args.seconds)
    start = time.monotonic() + 0.2
    lock = threading.Lock()
    counts = {"sent": 0, "created": 0, "failed": 0, "late": 0.0}
    next_index = [0]

    def worker() -> None:
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        while True:
            with lock:
                index = next_index[0]
                if index >= total:
                    break
                next_index[0] += 1
            due = start + index / args.rate
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            late = max(0.0, time.monotonic() - due)
            body = json.dumps(
                {
                    "external_id": f"{args.prefix}-{index}",
                    "member": f"m{random.randint(1, 1000)}",
                    "currency": "CNY",
                    "amount": 25900,
                    "status": "paid",
                    "placed_at": "2026-11-30T08:15:00Z",
                    "lines": [
                        {"sku": "TEA-01", "category": "tea", "quantity": 2, "unit_amount": 12000},
                        {"sku": "SHIP", "category": "shipping", "quantity": 1, "unit_amount": 1900},
                    ],
                }
            )
            status = 0
            for attempt in range(2):  # one reconnect if the keep-alive connection was closed
                try:
                    connection.request(
                        "POST",
                        "/v1/orders",
                        body=body,
                        headers={"Authorization": f"Bearer {args.key}", "Content-Type": "application/json"},
                    )
                    response = connection.getresponse()
                    response.read()
                    status = response.status
                    break
                except (http.client.HTTPException, OSError):
                    connection.close()
                    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
            with lock:
                counts["sent"] += 1
                counts["late"] = max(counts["late"], late)
                if status == 201:
                    counts["created"] += 1
                else:
                    counts["failed"] += 1
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(args.connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(
        f"STEADY sent={counts['sent']} created={counts['created']} failed={counts['failed']}"
        f" late_ms={counts['late'] * 1000:.0f}"
    )
    return 0 if counts["failed"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
