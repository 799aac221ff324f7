#!/usr/bin/env python3
"""One shop's whole flow through a Python client generated from openapi/openapi.yaml.

Run by scripts/client-flow.sh (part of `make test`), which generates the client with
openapi-python-client into .local/python-client, installs it into .local/venv as the package
`jifen_client`, and starts `jifen serve` and `jifen work`. This file uses that client as a
tenant's developer would: unmodified, through its typed models and `sync_detailed` functions.

Two stages, because the script pins its worker to the flow's tenant, which must exist first:

  flow.py tenant   the operator creates a tenant (OPERATOR_TOKEN); prints "<tenant id> <api key>"
  flow.py points   with that key (JIFEN_KEY): program, member, a paid order, its points (polled
                   until the worker has scored it, within --deadline seconds), a hold, its
                   capture, and the balance, ledger and lots to the point

Every step checks what it got back; the first check that fails stops the flow with exit 1.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar

from jifen_client import AuthenticatedClient
from jifen_client.api.health import get_open_api_spec, get_readiness
from jifen_client.api.members import get_member, list_ledger_entries, upsert_member
from jifen_client.api.operator import create_tenant, list_tenants
from jifen_client.api.orders import get_order, record_order
from jifen_client.api.points import (
    capture_redemption,
    create_redemption,
    get_redemption,
    list_lots,
    release_redemption,
)
from jifen_client.api.program import get_program
from jifen_client.models import (
    Balance,
    LedgerKind,
    LedgerPage,
    LedgerSource,
    LotPage,
    LotSource,
    LotState,
    Member,
    MemberUpsert,
    Order,
    OrderInput,
    OrderLine,
    OrderPointsState,
    OrderStatus,
    Problem,
    Program,
    Readiness,
    ReadinessStatus,
    Redemption,
    RedemptionInput,
    RedemptionState,
    Rounding,
    TenantCreate,
    TenantCreated,
    TenantList,
)
from jifen_client.types import UNSET, Response

T = TypeVar("T")


class FlowFailed(Exception):
    pass


def log(message: str) -> None:
    print(f"client flow: {message}", file=sys.stderr, flush=True)


def check(condition: bool, what: str) -> None:
    if not condition:
        raise FlowFailed(what)


def equal(actual: Any, expected: Any, what: str) -> None:
    check(actual == expected, f"{what}: expected {expected!r}, got {actual!r}")


def expect(response: Response[Any], status: HTTPStatus, model: type[T], what: str) -> T:
    """The response has `status` and its body parsed into `model` (the generated client's type)."""
    body = response.content.decode(errors="replace")[:2000]
    check(response.status_code == status, f"{what}: expected {status.value}, got {response.status_code.value}: {body}")
    check(isinstance(response.parsed, model), f"{what}: body is not a {model.__name__}: {body}")
    return response.parsed  # type: ignore[return-value]


def expect_problem(response: Response[Any], status: HTTPStatus, problem_type: str, what: str) -> Problem:
    problem = expect(response, status, Problem, what)
    equal(problem.type_, f"/problems/{problem_type}", f"{what}: problem type")
    equal(problem.status, status.value, f"{what}: problem status")
    return problem


def balance_numbers(balance: Balance) -> dict[str, int]:
    return {
        "available": balance.available,
        "pending": balance.pending,
        "held": balance.held,
        "lifetime_earned": balance.lifetime_earned,
        "lifetime_redeemed": balance.lifetime_redeemed,
        "lifetime_expired": balance.lifetime_expired,
        "lifetime_reversed": balance.lifetime_reversed,
    }


def poll(what: str, deadline: float, read: Callable[[], T], done: Callable[[T], bool]) -> T:
    """Reads until `done` holds, backing off from 50 ms to 500 ms; fails after `deadline` seconds."""
    give_up = time.monotonic() + deadline
    pause = 0.05
    while True:
        value = read()
        if done(value):
            return value
        if time.monotonic() >= give_up:
            raise FlowFailed(f"{what}: not within {deadline:g} s; last seen: {value!r}")
        time.sleep(pause)
        pause = min(pause * 2, 0.5)


def tenant_stage(base_url: str, operator_token: str) -> None:
    """The operator provisions a tenant; prints its id and first API key on stdout."""
    with AuthenticatedClient(base_url=base_url, token=operator_token, raise_on_unexpected_status=True) as operator:
        ready = expect(get_readiness.sync_detailed(client=operator), HTTPStatus.OK, Readiness, "GET /health/ready")
        equal(ready.status, ReadinessStatus.OK, "readiness")

        spec = get_open_api_spec.sync_detailed(client=operator)
        equal(spec.status_code, HTTPStatus.OK, "GET /openapi.yaml status")
        check(spec.content.startswith(b"openapi: 3.1"), "GET /openapi.yaml does not start with 'openapi: 3.1'")
        log("the server is ready and serves its contract")

        name = f"Client Flow Tea {time.time_ns()}"
        created = expect(
            create_tenant.sync_detailed(client=operator, body=TenantCreate(name=name)),
            HTTPStatus.CREATED,
            TenantCreated,
            "POST /admin/tenants",
        )
        equal(created.tenant.name, name, "tenant name")
        equal(created.api_key.tenant_id, created.tenant.id, "api_key.tenant_id")
        secret = created.api_key.secret
        check(
            secret.startswith(f"jf_{created.tenant.id.hex}_"),
            f"the API key {created.api_key.prefix} does not start with jf_<tenant id in hex>_",
        )
        # The prefix shows the key's first and last characters around an ellipsis: "jf_1e03a22a…x1e".
        head, ellipsis, tail = created.api_key.prefix.partition("…")
        check(
            ellipsis != "" and secret.startswith(head) and secret.endswith(tail) and len(secret) > len(head + tail),
            f"the prefix {created.api_key.prefix!r} does not abbreviate the key",
        )

        tenants = expect(
            list_tenants.sync_detailed(client=operator, limit=200), HTTPStatus.OK, TenantList, "GET /admin/tenants"
        )
        check(
            any(t.id == created.tenant.id and t.name == name for t in tenants.data),
            "the new tenant is not on the first page of GET /admin/tenants",
        )

    with AuthenticatedClient(base_url=base_url, token=secret, raise_on_unexpected_status=True) as tenant:
        refused = create_tenant.sync_detailed(client=tenant, body=TenantCreate(name="not an operator"))
        expect_problem(refused, HTTPStatus.UNAUTHORIZED, "unauthorized", "POST /admin/tenants with a tenant key")
    log(f"operator created tenant {created.tenant.id} and its key {created.api_key.prefix}")
    print(created.tenant.id, secret)


# The order: two teas at 120.00 and shipping at 19.90, CNY minor units. The default program
# (version 0) earns 1 point per whole yuan of what was paid, rounded down, available at once.
ORDER_ID = "1001"
MEMBER_ID = "cust-42"
LINES = [
    OrderLine(sku="TEA-01", category="tea", quantity=2, unit_amount=12000),
    OrderLine(sku="SHIP", category="shipping", quantity=1, unit_amount=1990),
]
AMOUNT = 25990  # 259.90 yuan
EARNED = 259  # floor(259.90)
HELD = 200  # points held at checkout, then captured; worth 2.00 yuan under the default program
LEFT = EARNED - HELD


def points_stage(base_url: str, key: str, deadline: float) -> None:
    with AuthenticatedClient(base_url=base_url, token=key, raise_on_unexpected_status=True) as shop:
        # The program this tenant runs: the default, with points available at once.
        program = expect(get_program.sync_detailed(client=shop), HTTPStatus.OK, Program, "GET /v1/program")
        equal(program.version, 0, "program version (default)")
        equal(program.pending_days, 0, "program pending_days (default)")
        equal((program.earning.rate.points, program.earning.rate.per), (1, 1), "earning rate (default)")
        equal(program.earning.rounding, Rounding.FLOOR, "earning rounding (default)")
        equal((program.redemption.points, program.redemption.amount), (100, 100), "redemption rate (default)")
        log("the tenant runs the default program: 1 point per yuan, floor, available at once")

        # A member: created, then replaced, then read.
        created = expect(
            upsert_member.sync_detailed(
                MEMBER_ID, client=shop, body=MemberUpsert(email="li.wei@example.com", name="Li Wei", tags=["vip"])
            ),
            HTTPStatus.CREATED,
            Member,
            f"PUT /v1/members/{MEMBER_ID} (new)",
        )
        equal(created.external_id, MEMBER_ID, "member external_id")
        equal(created.tags, ["vip"], "member tags")
        equal(set(balance_numbers(created.balance).values()), {0}, "a new member's balance")
        updated = expect(
            upsert_member.sync_detailed(MEMBER_ID, client=shop, body=MemberUpsert(name="Li Wei", tags=["vip", "tea"])),
            HTTPStatus.OK,
            Member,
            f"PUT /v1/members/{MEMBER_ID} (existing)",
        )
        equal(updated.id, created.id, "member id after the update")
        member = expect(
            get_member.sync_detailed(MEMBER_ID, client=shop), HTTPStatus.OK, Member, f"GET /v1/members/{MEMBER_ID}"
        )
        equal((member.name, member.tags), ("Li Wei", ["vip", "tea"]), "member name and tags")
        equal(member.email, UNSET, "member email (left out of the PUT, so cleared)")
        expect_problem(
            get_member.sync_detailed("nobody-here", client=shop),
            HTTPStatus.NOT_FOUND,
            "not-found",
            "GET /v1/members/nobody-here",
        )
        log(f"member {MEMBER_ID} created (201), replaced (200) and read back; an unknown one is 404")

        # A paid order, sent with an Idempotency-Key, then the same request again.
        placed_at = datetime.datetime.now(datetime.UTC).replace(microsecond=0) - datetime.timedelta(minutes=5)
        order_input = OrderInput(
            external_id=ORDER_ID,
            member=MEMBER_ID,
            currency="CNY",
            amount=AMOUNT,
            status=OrderStatus.PAID,
            placed_at=placed_at,
            lines=LINES,
        )
        first = record_order.sync_detailed(client=shop, body=order_input, idempotency_key=f"flow-order-{ORDER_ID}")
        order = expect(first, HTTPStatus.CREATED, Order, "POST /v1/orders")
        equal((order.external_id, order.member, order.currency), (ORDER_ID, MEMBER_ID, "CNY"), "order ids")
        equal((order.amount, order.status), (AMOUNT, OrderStatus.PAID), "order amount and status")
        equal(order.placed_at, placed_at, "order placed_at")
        check(isinstance(order.paid_at, datetime.datetime), "the paid order has no paid_at")
        equal(
            [(line.sku, line.category, line.quantity, line.unit_amount) for line in order.lines],
            [(line.sku, line.category, line.quantity, line.unit_amount) for line in LINES],
            "order lines",
        )
        equal(order.points.state, OrderPointsState.UNSCORED, "points of a just-recorded order")
        again = record_order.sync_detailed(client=shop, body=order_input, idempotency_key=f"flow-order-{ORDER_ID}")
        replayed = expect(again, HTTPStatus.CREATED, Order, "POST /v1/orders (same Idempotency-Key)")
        equal(again.headers.get("Idempotent-Replayed"), "true", "Idempotent-Replayed header")
        equal(replayed.id, order.id, "order id of the replayed response")
        log(f"order {ORDER_ID} recorded as paid (201, unscored); the same key replays it")

        # Points arrive asynchronously: poll the member's balance until the worker has scored it.
        started = time.monotonic()
        member = poll(
            f"points for order {ORDER_ID} in {MEMBER_ID}'s balance",
            deadline,
            lambda: expect(
                get_member.sync_detailed(MEMBER_ID, client=shop), HTTPStatus.OK, Member, f"GET /v1/members/{MEMBER_ID}"
            ),
            lambda m: m.balance.lifetime_earned != 0,
        )
        equal(
            balance_numbers(member.balance),
            {
                "available": EARNED,
                "pending": 0,
                "held": 0,
                "lifetime_earned": EARNED,
                "lifetime_redeemed": 0,
                "lifetime_expired": 0,
                "lifetime_reversed": 0,
            },
            "balance after scoring",
        )
        log(f"the worker scored the order: {EARNED} points available after {time.monotonic() - started:.2f} s")
        scored = expect(
            get_order.sync_detailed(ORDER_ID, client=shop), HTTPStatus.OK, Order, f"GET /v1/orders/{ORDER_ID}"
        )
        equal(scored.points.state, OrderPointsState.AVAILABLE, "order points state")
        equal(
            (scored.points.earned, scored.points.clawed_back, scored.points.program_version),
            (EARNED, 0, 0),
            "order points (earned, clawed_back, program_version)",
        )
        resent = expect(
            record_order.sync_detailed(client=shop, body=order_input),
            HTTPStatus.OK,
            Order,
            "POST /v1/orders (the same order again, no key)",
        )
        equal((resent.id, resent.points.earned), (order.id, EARNED), "the order sent again")

        # Checkout: hold points, see them held, capture them.
        hold = expect(
            create_redemption.sync_detailed(
                MEMBER_ID,
                client=shop,
                body=RedemptionInput(points=HELD, order_reference="3001", order_total=15000),
                idempotency_key="flow-checkout-3001",
            ),
            HTTPStatus.CREATED,
            Redemption,
            f"POST /v1/members/{MEMBER_ID}/redemptions",
        )
        equal((hold.member, hold.points, hold.state), (MEMBER_ID, HELD, RedemptionState.HELD), "the hold")
        equal((hold.value, hold.order_reference, hold.program_version), (HELD, "3001", 0), "the hold's value")
        check(hold.expires_at > hold.created_at, "the hold expires no later than it was created")
        equal(sum(touch.points for touch in hold.lots), HELD, "points the hold took from lots")
        equal(len(hold.lots), 1, "lots the hold took from")
        member = expect(
            get_member.sync_detailed(MEMBER_ID, client=shop), HTTPStatus.OK, Member, f"GET /v1/members/{MEMBER_ID}"
        )
        equal(
            (member.balance.available, member.balance.held, member.balance.lifetime_redeemed),
            (LEFT, HELD, 0),
            "balance (available, held, lifetime_redeemed) while held",
        )
        too_much = create_redemption.sync_detailed(
            MEMBER_ID, client=shop, body=RedemptionInput(points=LEFT + 1, order_total=15000)
        )
        expect_problem(too_much, HTTPStatus.UNPROCESSABLE_ENTITY, "insufficient-points", "a hold over what is left")
        log(f"held {HELD} points (201); {LEFT} left available; a hold of {LEFT + 1} is 422 insufficient-points")

        captured = expect(
            capture_redemption.sync_detailed(hold.id, client=shop),
            HTTPStatus.OK,
            Redemption,
            f"POST /v1/redemptions/{hold.id}/capture",
        )
        equal((captured.id, captured.state), (hold.id, RedemptionState.CAPTURED), "the captured redemption")
        check(isinstance(captured.captured_at, datetime.datetime), "the captured redemption has no captured_at")
        twice = expect(
            capture_redemption.sync_detailed(hold.id, client=shop),
            HTTPStatus.OK,
            Redemption,
            "capturing it again",
        )
        equal((twice.state, twice.captured_at), (RedemptionState.CAPTURED, captured.captured_at), "captured twice")
        expect_problem(
            release_redemption.sync_detailed(hold.id, client=shop),
            HTTPStatus.CONFLICT,
            "conflict",
            "releasing a captured redemption",
        )
        read = expect(
            get_redemption.sync_detailed(hold.id, client=shop),
            HTTPStatus.OK,
            Redemption,
            f"GET /v1/redemptions/{hold.id}",
        )
        equal((read.state, read.points, read.lots), (RedemptionState.CAPTURED, HELD, hold.lots), "the redemption")
        log("captured it (200); capturing again changes nothing; releasing it now is 409")

        # The numbers: balance, ledger and lots agree to the point.
        member = expect(
            get_member.sync_detailed(MEMBER_ID, client=shop), HTTPStatus.OK, Member, f"GET /v1/members/{MEMBER_ID}"
        )
        equal(
            balance_numbers(member.balance),
            {
                "available": LEFT,
                "pending": 0,
                "held": 0,
                "lifetime_earned": EARNED,
                "lifetime_redeemed": HELD,
                "lifetime_expired": 0,
                "lifetime_reversed": 0,
            },
            "final balance",
        )
        ledger = expect(
            list_ledger_entries.sync_detailed(MEMBER_ID, client=shop),
            HTTPStatus.OK,
            LedgerPage,
            f"GET /v1/members/{MEMBER_ID}/ledger",
        )
        equal(ledger.next_cursor, UNSET, "ledger next_cursor (one page)")
        equal(
            [(e.kind, e.source, e.available_delta, e.pending_delta) for e in ledger.data],
            [
                (LedgerKind.REDEEM, LedgerSource.REDEMPTION, 0, 0),
                (LedgerKind.HOLD, LedgerSource.REDEMPTION, -HELD, 0),
                (LedgerKind.EARN, LedgerSource.ORDER, EARNED, 0),
            ],
            "ledger entries, newest first (kind, source, available_delta, pending_delta)",
        )
        equal(sum(e.available_delta for e in ledger.data), member.balance.available, "ledger sum vs available")
        earn = ledger.data[-1]
        equal((earn.order, earn.program_version), (ORDER_ID, 0), "the earn entry's order and program version")
        equal([touch.points for touch in earn.lots], [EARNED], "the earn entry's lot")
        equal(
            [e.source_ref for e in ledger.data[:2]], [str(hold.id), str(hold.id)], "hold and redeem entries' source_ref"
        )
        redeems = expect(
            list_ledger_entries.sync_detailed(MEMBER_ID, client=shop, kind=LedgerKind.REDEEM),
            HTTPStatus.OK,
            LedgerPage,
            f"GET /v1/members/{MEMBER_ID}/ledger?kind=redeem",
        )
        equal([e.id for e in redeems.data], [ledger.data[0].id], "ledger filtered by kind=redeem")

        lots = expect(
            list_lots.sync_detailed(MEMBER_ID, client=shop), HTTPStatus.OK, LotPage, f"GET /v1/members/{MEMBER_ID}/lots"
        )
        equal(
            [(lot.source, lot.order, lot.points, lot.remaining, lot.state, lot.program_version) for lot in lots.data],
            [(LotSource.ORDER, ORDER_ID, EARNED, LEFT, LotState.AVAILABLE, 0)],
            "lots (source, order, points, remaining, state, program_version)",
        )
        equal(lots.data[0].id, earn.lots[0].lot_id, "the lot is the earn entry's")
        equal(hold.lots[0].lot_id, lots.data[0].id, "the hold took from that lot")
        equal(lots.data[0].expires_at, UNSET, "lot expires_at (never, by default)")
        log(
            f"balance {LEFT} available / {EARNED} earned / {HELD} redeemed; ledger earn +{EARNED}, "
            f"hold -{HELD}, redeem 0; lot {EARNED} with {LEFT} remaining"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stage", choices=["tenant", "points"])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--deadline", type=float, default=30.0, help="seconds to wait for the worker (points)")
    args = parser.parse_args()
    try:
        if args.stage == "tenant":
            tenant_stage(args.base_url, os.environ["OPERATOR_TOKEN"])
        else:
            points_stage(args.base_url, os.environ["JIFEN_KEY"], args.deadline)
    except FlowFailed as failure:
        log(f"FAILED: {failure}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
