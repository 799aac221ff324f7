#!/usr/bin/env python3
"""`make soak`: Jifen under a steady mixed load for an hour, then proof that nothing was lost.

Starts `jifen serve` and two `jifen work` on free ports (their own job queue), a webhook receiver
(verifying each delivery with `standardwebhooks`; it answers 500 to the first attempt of one
delivery in ten, chosen by the message id, and 200 to everything else, so every failure is
retried by Jifen's schedule 5 s later), a tenant with a program and a webhook endpoint for every
event. Then, for --minutes, an open-schedule mix at --rate requests a second (request i is due at
start + i/rate whatever the answers' speed): paid orders 40 %, member and ledger reads 30 %,
refunds 10 %, redemptions (hold + capture) 10 %, check-ins of new members 10 %.

Every minute it records: requests and their statuses, p50/p99 latency, 5xx, the RSS of each
process, PostgreSQL connections, the queue's ready jobs per lane. After the load it waits for the
outbox, the queue and the deliveries to drain, then checks: every accepted order scored exactly
once, every delivery received with 200 exactly once by its id, no delivery left pending, and
`jifen audit` clean. It writes minutes.csv and summary.json into --out and prints a Markdown
report (the BENCHMARKS.md section) to stdout. Exit status 1 if a check failed.

Usage: soak.py --binary .build/release/jifen --minutes 60 --rate 40 --out .local/soak/RUN
(needs DATABASE_URL, SYSTEM_DATABASE_URL, REDIS_URL from `deploy/local/services.sh env`)
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def superuser_sql(sql: str) -> str:
    out = subprocess.run(
        ["deploy/local/services.sh", "psql", "-A", "-t", "-q", "-c", sql],
        capture_output=True, text=True, timeout=120,
    )
    if out.returncode != 0:
        raise RuntimeError(f"psql failed: {out.stderr.strip()}")
    return out.stdout.strip()


class Receiver:
    """The shop's webhook endpoint: which ids it answered 200, and how often."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ok: dict[str, int] = {}
        self.failed = 0
        self.invalid = 0
        self.webhook: Webhook | None = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                message = headers.get("webhook-id", "")
                try:
                    assert receiver.webhook is not None
                    receiver.webhook.verify(body, headers)
                    valid = True
                except (WebhookVerificationError, AssertionError):
                    valid = False
                with receiver.lock:
                    first = message not in receiver.ok and message not in receiver.seen_failure
                    # One delivery in ten fails its first attempt (by id, so the retry succeeds).
                    fail = first and int(hashlib.sha256(message.encode()).hexdigest(), 16) % 10 == 0
                    if not valid:
                        receiver.invalid += 1
                        status = 400
                    elif fail:
                        receiver.failed += 1
                        receiver.seen_failure.add(message)
                        status = 500
                    else:
                        receiver.ok[message] = receiver.ok.get(message, 0) + 1
                        status = 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.seen_failure: set[str] = set()
        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


class Client:
    """One keep-alive connection; reconnects once when the server closed it."""

    def __init__(self, base: str, key: str) -> None:
        self.url = urllib.parse.urlparse(base)
        self.key = key
        self.connection = http.client.HTTPConnection(self.url.hostname, self.url.port, timeout=30)

    def send(self, method: str, path: str, body: object | None = None) -> tuple[int, dict, float]:
        headers = {"Authorization": f"Bearer {self.key}"}
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        for attempt in range(2):
            started = time.monotonic()
            try:
                self.connection.request(method, path, body=data, headers=headers)
                response = self.connection.getresponse()
                raw = response.read()
                elapsed = (time.monotonic() - started) * 1000
                try:
                    parsed = json.loads(raw) if raw else {}
                except ValueError:
                    parsed = {}
                return response.status, parsed if isinstance(parsed, dict) else {}, elapsed
            except (http.client.HTTPException, OSError):
                self.connection.close()
                self.connection = http.client.HTTPConnection(self.url.hostname, self.url.port, timeout=30)
                if attempt == 1:
                    return 0, {}, (time.monotonic() - started) * 1000
        return 0, {}, 0.0


class Minute:
    def __init__(self) -> None:
        self.requests = 0
        self.statuses: dict[int, int] = {}
        self.latencies: list[float] = []
        self.by_kind: dict[str, int] = {}


class Soak:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.lock = threading.Lock()
        self.minutes: list[Minute] = []
        self.samples: list[dict] = []
        self.accepted_orders: list[str] = []
        self.refunded: set[str] = set()
        self.processes: dict[str, subprocess.Popen] = {}
        self.run = f"soak-{os.urandom(4).hex()}"
        self.environment = dict(os.environ)
        self.environment.update(
            HOST="127.0.0.1",
            LOG_LEVEL="warning",
            LOG_FORMAT="text",
            OPERATOR_TOKEN=os.urandom(16).hex(),
            RATE_LIMIT_PER_SECOND="100000",
            RATE_LIMIT_BURST="1000000",
            JOB_QUEUE=self.run,
            ALLOW_PRIVATE_WEBHOOKS="true",
            SCHEDULER_INTERVAL="5",
        )

    # --- processes -------------------------------------------------------------------------

    def start(self, name: str, command: str, **extra: str) -> None:
        env = dict(self.environment, **extra)
        log = open(os.path.join(self.args.out, f"{name}.log"), "w")
        self.processes[name] = subprocess.Popen([self.args.binary, command], env=env, stdout=log, stderr=log)

    def wait_for(self, url: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                parsed = urllib.parse.urlparse(url)
                connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=2)
                connection.request("GET", parsed.path)
                if connection.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{url} did not answer 200 within {seconds} s")

    def rss_kib(self, name: str) -> int:
        try:
            with open(f"/proc/{self.processes[name].pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            return 0
        return 0

    def lane_depths(self) -> list[int]:
        depths = []
        for lane in ("interactive", "webhooks", "background"):
            out = subprocess.run(
                ["redis-cli", "-u", os.environ["REDIS_URL"], "ZCARD", f"{{{self.run}}}:lane:{lane}:ages"],
                capture_output=True, text=True, timeout=10,
            )
            depths.append(int(out.stdout.strip() or 0))
        return depths

    # --- the load --------------------------------------------------------------------------

    def record(self, kind: str, status: int, elapsed: float) -> None:
        index = int((time.monotonic() - self.started) // 60)
        with self.lock:
            while len(self.minutes) <= index:
                self.minutes.append(Minute())
            minute = self.minutes[index]
            minute.requests += 1
            minute.statuses[status] = minute.statuses.get(status, 0) + 1
            minute.latencies.append(elapsed)
            minute.by_kind[kind] = minute.by_kind.get(kind, 0) + 1

    def one(self, client: Client, index: int) -> None:
        rng = random.Random(index)
        roll = rng.random()
        member = f"m{rng.randint(1, 2000)}"
        if roll < 0.40:
            order = f"o{index}"
            status, _, elapsed = client.send(
                "POST", "/v1/orders",
                {
                    "external_id": order, "member": member, "currency": "CNY", "amount": 25900,
                    "status": "paid", "placed_at": "2026-11-30T08:15:00Z",
                    "lines": [
                        {"sku": "TEA-01", "category": "tea", "quantity": 2, "unit_amount": 12000},
                        {"sku": "SHIP", "category": "shipping", "quantity": 1, "unit_amount": 1900},
                    ],
                },
            )
            self.record("order", status, elapsed)
            if status in (200, 201):
                with self.lock:
                    self.accepted_orders.append(order)
        elif roll < 0.70:
            path = f"/v1/members/{member}" if roll < 0.55 else f"/v1/members/{member}/ledger?limit=20"
            status, _, elapsed = client.send("GET", path)
            self.record("read", status, elapsed)
        elif roll < 0.80:
            with self.lock:
                candidates = self.accepted_orders[-2000:]
                order = next((o for o in rng.sample(candidates, min(5, len(candidates))) if o not in self.refunded), None)
                if order:
                    self.refunded.add(order)
            if order is None:
                return
            status, _, elapsed = client.send(
                "POST", f"/v1/orders/{order}/refunds", {"external_id": f"r{index}", "amount": 5000}
            )
            self.record("refund", status, elapsed)
        elif roll < 0.90:
            status, body, elapsed = client.send("POST", f"/v1/members/{member}/redemptions", {"points": 50})
            self.record("redemption", status, elapsed)
            if status == 201 and body.get("id"):
                status, _, elapsed = client.send("POST", f"/v1/redemptions/{body['id']}/capture")
                self.record("capture", status, elapsed)
        else:
            fresh = f"c{index}"
            status, _, elapsed = client.send("PUT", f"/v1/members/{fresh}", {"tags": ["soak"]})
            self.record("member", status, elapsed)
            status, _, elapsed = client.send("POST", f"/v1/members/{fresh}/check-ins")
            self.record("check-in", status, elapsed)

    def load(self, base: str, key: str) -> None:
        total = int(self.args.rate * self.args.minutes * 60)
        next_index = [0]
        self.started = time.monotonic() + 0.5

        def worker() -> None:
            client = Client(base, key)
            while True:
                with self.lock:
                    index = next_index[0]
                    if index >= total:
                        return
                    next_index[0] += 1
                delay = self.started + index / self.args.rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                self.one(client, index)

        def sampler() -> None:
            minute = 0
            while not done.is_set():
                target = self.started + 60 * (minute + 1)
                while time.monotonic() < target and not done.is_set():
                    time.sleep(0.5)
                if done.is_set():
                    break
                self.samples.append(self.sample(minute))
                minute += 1

        done = threading.Event()
        sampling = threading.Thread(target=sampler, daemon=True)
        sampling.start()
        threads = [threading.Thread(target=worker) for _ in range(self.args.connections)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        done.set()

    def sample(self, minute: int) -> dict:
        connections = int(superuser_sql("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"))
        sample = {"minute": minute + 1, "connections": connections, "depths": self.lane_depths()}
        for name in self.processes:
            sample[f"rss_{name}_mib"] = round(self.rss_kib(name) / 1024, 1)
        print(f"[soak] minute {minute + 1}: {json.dumps(sample)}", file=sys.stderr, flush=True)
        return sample

    # --- the checks ------------------------------------------------------------------------

    def tenant_sql(self, sql: str) -> str:
        return superuser_sql(f"SET app.tenant_id = '{self.tenant}'; {sql}")

    def drain(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            pending = self.tenant_sql(
                f"SELECT (SELECT count(*) FROM outbox WHERE tenant_id = '{self.tenant}' AND relayed_at IS NULL)"
                f" + (SELECT count(*) FROM webhook_deliveries WHERE tenant_id = '{self.tenant}' AND state = 'pending')"
            )
            if int(pending.splitlines()[-1]) == 0 and sum(self.lane_depths()) == 0:
                return True
            time.sleep(1)
        return False

    def main(self) -> int:
        os.makedirs(self.args.out, exist_ok=True)
        receiver = Receiver()
        api_port = free_port()
        self.start("serve", "serve", PORT=str(api_port))
        base = f"http://127.0.0.1:{api_port}"
        self.wait_for(f"{base}/health/ready", 90)
        for worker in ("work-1", "work-2"):
            self.start(worker, "work", METRICS_PORT=str(free_port()))

        operator = Client(base, self.environment["OPERATOR_TOKEN"])
        status, created, _ = operator.send("POST", "/admin/tenants", {"name": f"{self.run} shop"})
        assert status == 201, (status, created)
        self.tenant, key = created["tenant"]["id"], created["api_key"]["secret"]
        shop = Client(base, key)
        status, body, _ = shop.send(
            "PUT", "/v1/program",
            {
                "currency": "CNY", "time_zone": "Asia/Shanghai",
                "earning": {"rate": {"points": 1, "per": 100}},
                "redemption": {"points": 100, "amount": 100, "minimum_points": 1, "max_order_share_percent": 100,
                               "hold_minutes": 15},
                "check_in": {"points": 5},
            },
        )
        assert status == 200, (status, body)
        status, body, _ = shop.send("POST", "/v1/webhook-endpoints", {"url": f"http://127.0.0.1:{receiver.port}/hooks"})
        assert status == 201, (status, body)
        receiver.webhook = Webhook(body["secret"])
        # The members the load reads, redeems and orders for exist from the start.
        for number in range(1, 2001):
            status, body, _ = shop.send("PUT", f"/v1/members/m{number}", {"tags": ["soak"]})
            assert status in (200, 201), (status, body)

        print(f"[soak] {self.run}: {self.args.minutes} min at {self.args.rate}/s against {base}", file=sys.stderr)
        wall = time.time()
        self.load(base, key)
        self.samples.append(self.sample(len(self.samples)))
        drained = self.drain(600)
        for name, process in self.processes.items():
            process.terminate()
        exits = {name: process.wait(timeout=60) for name, process in self.processes.items()}

        # Every accepted order scored exactly once; nothing else was scored.
        wrong = int(self.tenant_sql(
            f"SELECT count(*) FROM orders o WHERE o.tenant_id = '{self.tenant}' AND (SELECT count(*) FROM ledger_entries e"
            f" WHERE e.tenant_id = o.tenant_id AND e.order_id = o.id AND e.kind = 'earn') <> 1"
        ).splitlines()[-1])
        orders = int(self.tenant_sql(f"SELECT count(*) FROM orders WHERE tenant_id = '{self.tenant}'").splitlines()[-1])
        delivered = self.tenant_sql(
            f"SELECT 'msg_' || replace(id::text, '-', '') FROM webhook_deliveries WHERE tenant_id = '{self.tenant}'"
            f" AND state = 'succeeded'"
        ).splitlines()
        states = self.tenant_sql(
            f"SELECT state || ' ' || count(*) FROM webhook_deliveries WHERE tenant_id = '{self.tenant}' GROUP BY state"
        ).splitlines()
        delivered_set = {line for line in delivered if line.startswith("msg_")}
        received = receiver.ok
        twice = sum(1 for count in received.values() if count > 1)
        missing = len(delivered_set - received.keys())
        unexpected = len(received.keys() - delivered_set)
        audit = subprocess.run([self.args.binary, "audit"], env=self.environment, capture_output=True, text=True)

        all_latencies = [value for minute in self.minutes for value in minute.latencies]
        server_errors = sum(count for minute in self.minutes for status, count in minute.statuses.items()
                            if status >= 500 or status == 0)
        summary = {
            "run": self.run, "minutes": self.args.minutes, "rate": self.args.rate, "started": wall,
            "requests": sum(m.requests for m in self.minutes), "server_errors": server_errors,
            "p50_ms": percentile(all_latencies, 50), "p99_ms": percentile(all_latencies, 99),
            "accepted_orders": len(self.accepted_orders), "orders_in_db": orders, "orders_not_scored_once": wrong,
            "deliveries": dict(line.split(" ") for line in states if " " in line),
            "delivered_ids": len(delivered_set), "received_twice": twice, "delivered_not_received": missing,
            "received_not_delivered": unexpected, "receiver_failures": receiver.failed,
            "receiver_invalid": receiver.invalid, "drained": drained, "exits": exits,
            "audit_clean": audit.returncode == 0, "audit_output": audit.stdout.strip()[-500:],
        }
        with open(os.path.join(self.args.out, "minutes.csv"), "w") as csv:
            names = sorted(self.processes)
            csv.write("minute,requests,per_second,p50_ms,p99_ms,5xx,4xx," + ",".join(f"rss_{n}_mib" for n in names)
                      + ",db_connections,ready_interactive,ready_webhooks,ready_background\n")
            for index, minute in enumerate(self.minutes):
                sample = self.samples[index] if index < len(self.samples) else {}
                errors = sum(c for s, c in minute.statuses.items() if s >= 500 or s == 0)
                client_errors = sum(c for s, c in minute.statuses.items() if 400 <= s < 500)
                depths = sample.get("depths", ["", "", ""])
                csv.write(
                    f"{index + 1},{minute.requests},{minute.requests / 60:.1f},{percentile(minute.latencies, 50):.1f},"
                    f"{percentile(minute.latencies, 99):.1f},{errors},{client_errors},"
                    + ",".join(str(sample.get(f"rss_{n}_mib", "")) for n in names)
                    + f",{sample.get('connections', '')},{depths[0]},{depths[1]},{depths[2]}\n"
                )
        with open(os.path.join(self.args.out, "summary.json"), "w") as out:
            json.dump(summary, out, indent=2)
        statuses: dict[int, int] = {}
        for minute in self.minutes:
            for status, count in minute.statuses.items():
                statuses[status] = statuses.get(status, 0) + count
        summary["statuses"] = {str(k): v for k, v in sorted(statuses.items())}
        with open(os.path.join(self.args.out, "summary.json"), "w") as out:
            json.dump(summary, out, indent=2)
        ok = (server_errors == 0 and wrong == 0 and orders == len(self.accepted_orders) and twice == 0
              and missing == 0 and unexpected == 0 and drained and summary["audit_clean"]
              and all(code == 0 for code in exits.values()) and receiver.invalid == 0)
        print(json.dumps(summary, indent=2))
        return 0 if ok else 1


def main() -> int:
    # A signal ends the run through `finally`, which stops every process it started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--rate", type=float, default=40)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--out", required=True)
    soak = Soak(parser.parse_args())
    try:
        return soak.main()
    finally:
        for process in soak.processes.values():
            if process.poll() is None:
                process.kill()


if __name__ == "__main__":
    raise SystemExit(main())
