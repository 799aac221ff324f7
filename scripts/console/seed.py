#!/usr/bin/env python3
"""The shop data the console check looks at, made through the JSON API with the tenants' keys.

Run by scripts/console-check.sh after it has created two tenants and started `jifen serve` and a
`jifen work` pinned to them. Standard library only. Writes what the browser check needs (ids,
emails, phones, balances) as JSON to --out.

The first tenant gets a program (1 point per yuan, points available at once), five members with
email and phone, paid orders (polled until the worker has scored them), a webhook endpoint on a
closed loopback port with a test message whose delivery fails (the worker refuses loopback
addresses without ALLOW_PRIVATE_WEBHOOKS, so it fails at its first attempt, without retries), a
grant campaign and a journey, both with a control group. The second tenant gets one member, which
the first tenant's staff must never see.

Every call checks its status; the first that fails stops the script with exit 1.
"""

from __future__ import annotations

import argparse
import datetime
import json
import socket
import sys
import time
import urllib.error
import urllib.request
from typing import Any

PROGRAM = {
    "currency": "CNY",
    "time_zone": "Asia/Shanghai",
    "earning": {"rate": {"points": 1, "per": 1}, "excluded_categories": ["shipping"]},
    "pending_days": 0,
    "redemption": {"points": 100, "amount": 100, "minimum_points": 100, "max_order_share_percent": 50},
    "activities": [{"type": "review", "points": 10, "daily_limit": 3}],
}

# (external id, email, phone, name, [order amounts in fen]); the first is the one the check works on.
MEMBERS = [
    ("cust-1001", "li.wei@example.com", "+8613800138001", "Li Wei", [25900, 12000]),
    ("cust-1002", "zhang.min@example.com", "+8613800138002", "Zhang Min", [8800]),
    ("cust-1003", "chen.jing@example.com", "+8613800138003", "Chen Jing", [45000, 6600, 19900]),
    ("cust-1004", "wang.fang@example.com", "+8613800138004", "Wang Fang", [30000]),
    ("cust-1005", "liu.yang@example.com", "+8613800138005", "Liu Yang", []),
]
OTHER_MEMBER = ("other-shop-7001", "other.customer@example.com", "+8613900139001", "Other Shop")


class Failure(Exception):
    pass


class API:
    def __init__(self, base: str, key: str) -> None:
        self.base = base.rstrip("/")
        self.key = key

    def call(self, method: str, path: str, body: Any = None, expect: tuple[int, ...] = (200, 201)) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.key}")
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode()
        if status not in expect:
            raise Failure(f"{method} {path}: expected {expect}, got {status}: {text[:500]}")
        return json.loads(text) if text.strip() else None


def poll(what: str, deadline: float, probe) -> Any:
    """Calls probe() until it returns something truthy, or fails after the deadline."""
    end = time.monotonic() + deadline
    last = None
    while time.monotonic() < end:
        last = probe()
        if last:
            return last
        time.sleep(0.2)
    raise Failure(f"{what}: not within {deadline:.0f} s (last: {last!r})")


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def paid_order(shop: API, order: str, member: str, amount: int, placed: datetime.datetime, sku: str) -> None:
    """A paid order of one tea line, as the shop's platform would send it."""
    shop.call(
        "POST",
        "/v1/orders",
        {
            "external_id": order,
            "member": member,
            "currency": "CNY",
            "amount": amount,
            "status": "paid",
            "placed_at": placed.isoformat().replace("+00:00", "Z"),
            "lines": [{"sku": sku, "category": "tea", "quantity": 1, "unit_amount": amount}],
        },
    )


def seed(args: argparse.Namespace) -> dict[str, Any]:
    shop = API(args.base_url, args.key)
    other = API(args.base_url, args.other_key)
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)

    shop.call("PUT", "/v1/program", PROGRAM)
    orders = []
    for index, (member, email, phone, name, amounts) in enumerate(MEMBERS):
        shop.call(
            "PUT",
            f"/v1/members/{member}",
            {"email": email, "phone": phone, "name": name, "tags": ["console-check"]},
        )
        for number, amount in enumerate(amounts):
            order = f"{member}-o{number + 1}"
            placed = now - datetime.timedelta(days=3 * (index + 1) + number)
            paid_order(shop, order, member, amount, placed, "TEA-01")
            orders.append((order, amount // 100))
    for order, points in orders:
        scored = poll(
            f"order {order} scored by the worker",
            args.deadline,
            lambda order=order: (
                (o := shop.call("GET", f"/v1/orders/{order}"))["points"]["state"] != "unscored" and o
            ),
        )
        if scored["points"]["earned"] != points:
            raise Failure(f"order {order} earned {scored['points']['earned']} points, expected {points}")
    print(f"seed: {len(MEMBERS)} members, {len(orders)} paid orders scored", file=sys.stderr)

    # A campaign and a journey, each with a control group, for their pages' charts. The control
    # group is a random 40% of the 5 members, so a split with nobody on one side (about 1 in 11)
    # shows no lift: such a campaign is made again, a bounded number of times.
    for _ in range(8):
        campaign = shop.call(
            "POST",
            "/v1/campaigns",
            {
                "kind": "grant",
                "name": "Winter welcome",
                "points": 20,
                "reason_code": "welcome",
                "filter": {},
                "holdout_percent": 40,
                "evaluation_days": 30,
            },
        )
        poll(
            "the campaign completed",
            args.deadline,
            lambda: shop.call("GET", f"/v1/campaigns/{campaign['id']}")["state"] == "completed",
        )
        held_out = shop.call("GET", f"/v1/campaigns/{campaign['id']}")["held_out"]
        if 0 < held_out < len(MEMBERS):
            break
    else:
        raise Failure("8 campaigns in a row split their 5 members with nobody on one side")
    journey = shop.call(
        "POST",
        "/v1/journeys",
        {
            "name": "Thank-you journey",
            "entry": {"kind": "segment", "filter": {}},
            "steps": [{"wait_days": 0, "action": {"kind": "message", "key": "thank-you"}}],
            "holdout_percent": 40,
            "evaluation_days": 10,
        },
    )
    # Purchases after both (once the journey's first step has reached its members), so their
    # results have responders.
    poll(
        "the journey's first step reached its members",
        args.deadline,
        lambda: any(
            step["stimulated"]["members"] + step["holdout"]["members"] > 0
            for step in shop.call("GET", f"/v1/journeys/{journey['id']}/results")["steps"]
        ),
    )
    for member, *_ in MEMBERS[1:4]:
        order = f"{member}-after"
        paid = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) + datetime.timedelta(
            seconds=1
        )
        paid_order(shop, order, member, 16800, paid, "TEA-02")
        poll(
            f"order {order} scored by the worker",
            args.deadline,
            lambda order=order: shop.call("GET", f"/v1/orders/{order}")["points"]["state"] != "unscored",
        )
    print(f"seed: campaign {campaign['id']}, journey {journey['id']}, 3 orders after them", file=sys.stderr)

    # A webhook endpoint whose delivery fails, so the console can replay it.
    endpoint = shop.call(
        "POST",
        "/v1/webhook-endpoints",
        {
            "url": f"http://127.0.0.1:{closed_port()}/hook",
            "description": "console check: nobody listens",
            "event_types": ["points.adjusted"],
        },
    )["endpoint"]
    test = shop.call("POST", f"/v1/webhook-endpoints/{endpoint['id']}/test", expect=(202,))
    poll(
        f"delivery {test['id']} failed",
        args.deadline,
        lambda: shop.call("GET", f"/v1/webhook-deliveries?endpoint={endpoint['id']}&status=failed")["data"],
    )
    print(f"seed: webhook delivery {test['id']} failed, as meant", file=sys.stderr)

    member = MEMBERS[0]
    balance = shop.call("GET", f"/v1/members/{member[0]}")["balance"]["available"]

    other_id, other_email, other_phone, other_name = OTHER_MEMBER
    other.call(
        "PUT", f"/v1/members/{other_id}", {"email": other_email, "phone": other_phone, "name": other_name}
    )

    return {
        "member": {
            "id": member[0],
            "email": member[1],
            "phone": member[2],
            "name": member[3],
            "available": balance,
        },
        "members": [m[0] for m in MEMBERS],
        "other_member": {"id": other_id, "email": other_email, "phone": other_phone},
        "program": PROGRAM,
        "endpoint": endpoint["id"],
        "failed_delivery": test["id"],
        "campaign": campaign["id"],
        "journey": journey["id"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--other-key", required=True)
    parser.add_argument("--deadline", type=float, default=30)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    try:
        result = seed(args)
    except Failure as failure:
        print(f"seed FAILED: {failure}", file=sys.stderr)
        return 1
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
