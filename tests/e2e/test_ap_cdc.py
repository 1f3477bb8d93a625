"""AP matching's change data capture catch-up end to end on the real broker: a bill created in QuickBooks with no
webhook at all is found by the scheduled catch-up, matched and sent for approval; catch-ups that see the same change
again (their windows overlap to the second, or the position is moved back) never match it twice; the position is
kept in Redis, so a restarted connectors service starts where it was and publishes no old change again."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from redis.asyncio import Redis

from contracts.ap_matching import SPEC as AP
from contracts.ap_matching import ApAction, ApMatching, BillReceived, BillSource, MatchOutcome
from contracts.approval import Route
from contracts.envelope import Envelope
from services.connectors.adapters.redis_cdc import RedisCdcPositions
from services.ops.pipelines.ap_matching.demo import ApReport, ap_report
from services.ops.stack import Stack
from shared.topic_reader import read_topic
from tests.e2e.conftest import TODAY, eventually, run

pytestmark = pytest.mark.e2e

REALM = "9341453000000000"
CDC_ENV = {"SEAMLINE_CONNECTORS_QBO_CDC_INTERVAL_S": "1"}
"""Catch up every second (the usual 900 s would never come round in a test); the other e2e tests keep it."""
BOOKKEEPER_UP_TO = Decimal("5000.00")  # infra/tenants/demo-co/policy.yaml


async def _position(stack: Stack) -> datetime | None:
    redis = Redis.from_url(stack.config.redis_url)
    try:
        return await RedisCdcPositions(redis, stack.config.tenant).load(REALM)
    finally:
        await redis.aclose()


async def _move_position(stack: Stack, position: datetime) -> None:
    redis = Redis.from_url(stack.config.redis_url)
    try:
        await RedisCdcPositions(redis, stack.config.tenant).save(REALM, position)
    finally:
        await redis.aclose()


def _restart_connectors(stack: Stack, env: dict[str, str] | None = None) -> None:
    stack.stop("connectors")
    stack.start_service("connectors", env)


@pytest.fixture(scope="module")
def catching_up(stack: Stack) -> Iterator[None]:
    """Connectors restarted to catch up every second, from now (as if every earlier change had been caught up);
    restarted with the usual settings afterwards."""
    run(_move_position(stack, datetime.now(UTC)))
    _restart_connectors(stack, CDC_ENV)
    try:
        yield
    finally:
        _restart_connectors(stack)


def _qbo(stack: Stack) -> httpx.Client:
    """A QuickBooks client as any app has one (someone's bookkeeping tool, not Seamline): OAuth, then bearer calls."""
    base = stack.config.sandbox_urls["qbo"]
    token = httpx.post(
        f"{base}/oauth2/v1/tokens/bearer",
        data={"grant_type": "refresh_token", "refresh_token": "sandbox-refresh-token"},
        auth=("sandbox-client-id", "sandbox-client-secret"),
    ).json()["access_token"]
    return httpx.Client(
        base_url=f"{base}/v3/company/{REALM}",
        headers={"Authorization": f"Bearer {token}"},
        params={"minorversion": "75"},
        timeout=10,
    )


def _create(qbo: httpx.Client, entity: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = qbo.post(f"/{entity.lower()}", json=body)
    assert answer.status_code == 200, answer.text
    created: dict[str, Any] = answer.json()[entity]
    return created


def _goods(number: int, item: tuple[str, str], qty: int, price: str, po: str | None = None) -> dict[str, Any]:
    line: dict[str, Any] = {
        "Description": item[1],
        "Amount": float(Decimal(price) * qty),
        "DetailType": "ItemBasedExpenseLineDetail",
        "ItemBasedExpenseLineDetail": {
            "ItemRef": {"value": item[0], "name": item[1]},
            "UnitPrice": float(price),
            "Qty": qty,
            "BillableStatus": "NotBillable",
            "TaxCodeRef": {"value": "NON"},
        },
    }
    if po is not None:
        line["LinkedTxn"] = [{"TxnId": po, "TxnType": "PurchaseOrder", "TxnLineId": str(number)}]
    return line


ORDERED = ((("21", "Steel angle bracket 40mm"), 12, "48.50"), (("23", "Nitrile gloves (box)"), 30, "21.75"))


def _create_matching_bill(stack: Stack) -> dict[str, Any]:
    """A new vendor, an order, its goods all received and the vendor's bill for exactly that (1,234.50): made in
    QuickBooks and the receiving log directly, announced to no one."""
    tag = uuid.uuid4().hex[:6].upper()
    with _qbo(stack) as qbo:
        name = f"Riverbend Tools {tag}"
        bank = {"BankAccountName": name, "BankBranchIdentifier": "110000097", "BankAccountNumber": "000581204467"}
        vendor = _create(qbo, "Vendor", {"DisplayName": name, "VendorPaymentBankDetail": bank,
                                         "PrimaryEmailAddr": {"Address": "billing@riverbend.example"}})  # fmt: skip
        vendor_ref = {"value": vendor["Id"]}
        po = _create(
            qbo,
            "PurchaseOrder",
            {"DocNumber": f"PO-CDC-{tag}", "TxnDate": (TODAY - timedelta(days=9)).isoformat(),
             "VendorRef": vendor_ref, "Line": [_goods(n, *o) for n, o in enumerate(ORDERED, start=1)]},
        )  # fmt: skip
        for number, (_, qty, _) in enumerate(ORDERED, start=1):
            receipt = {"PurchaseOrderId": po["Id"], "PurchaseOrderLineId": str(number), "Quantity": qty,
                       "ReceivedOn": (TODAY - timedelta(days=4)).isoformat()}  # fmt: skip
            httpx.post(f"{stack.config.sandbox_urls['qbo']}/_sandbox/receipts", json=receipt).raise_for_status()
        return _create(
            qbo,
            "Bill",
            {"DocNumber": f"RT-{tag}", "TxnDate": (TODAY - timedelta(days=2)).isoformat(),
             "DueDate": (TODAY + timedelta(days=28)).isoformat(), "VendorRef": vendor_ref,
             "Line": [_goods(n, *o, po=po["Id"]) for n, o in enumerate(ORDERED, start=1)],
             "LinkedTxn": [{"TxnId": po["Id"], "TxnType": "PurchaseOrder"}]},
        )  # fmt: skip


def _cdc_calls(stack: Stack) -> int:
    counts = httpx.get(f"{stack.config.sandbox_urls['qbo']}/_sandbox/requests").json()["by_kind"]
    return int(counts.get("cdc", 0))


def _after_catch_ups(stack: Stack, count: int = 2) -> None:
    """Wait for `count` more catch-ups: each starts once the one before has delivered and moved the position."""
    target = _cdc_calls(stack) + count
    eventually(lambda: _cdc_calls(stack) >= target, timeout_s=30, what=f"{count} more CDC catch-ups")


def _cdc_bill_events(stack: Stack) -> dict[str, float]:
    """The running connectors' count of Bill changes the catch-up brought, by outcome (delivered, duplicate)."""
    text = httpx.get(f"http://127.0.0.1:{stack.config.service_ports['connectors']}/metrics").text
    return {
        sample.labels["outcome"]: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "seamline_intuit_events_total"
        and sample.labels.get("source") == "cdc"
        and sample.labels.get("entity") == "Bill"
    }


def _keyed(stack: Stack, topic: str, bill_id: str) -> list[bytes]:
    async def read() -> list[bytes]:
        return [r.value async for r in read_topic(stack.config.kafka, topic) if (r.key or b"").decode() == bill_id]

    return run(read())


def _published(stack: Stack, bill_id: str) -> dict[str, int]:
    """How many times the bill was triggered, matched and sent for approval."""
    topics: dict[str, str] = {
        "trigger": ApMatching.TRIGGER,
        "matched": ApMatching.MATCHED,
        "requested": AP.approval_requested,
    }
    return {name: len(_keyed(stack, topic, bill_id)) for name, topic in topics.items()}


@pytest.fixture(scope="module")
def caught_up(stack: Stack, catching_up: None) -> tuple[dict[str, Any], ApReport]:
    bill = _create_matching_bill(stack)

    def requested() -> ApReport | None:
        report = run(ap_report(stack.config, [bill["Id"]]))
        # Matched is read before the requests: a request read may be newer than the matched topic was.
        return report if report.settled and (bill["Id"] in report.matched or report.dead_letters) else None

    return bill, eventually(requested, timeout_s=90, what=f"bill {bill['Id']} caught up and sent for approval")


def test_a_bill_no_webhook_announced_is_caught_up_matched_and_sent_for_approval(
    stack: Stack, caught_up: tuple[dict[str, Any], ApReport]
) -> None:
    bill, report = caught_up
    assert bill["Id"] not in report.dead_letters
    (trigger,) = [Envelope[BillReceived].model_validate_json(v).payload
                  for v in _keyed(stack, ApMatching.TRIGGER, bill["Id"])]  # fmt: skip
    assert (trigger.source, trigger.operation) == (BillSource.CDC, "Create")

    matched, request = report.matched[bill["Id"]], report.requests[bill["Id"]]
    assert matched.outcome is MatchOutcome.MATCHED, matched.exceptions
    assert matched.three_way and not matched.exceptions and matched.total == Decimal("1234.50")
    # Matched, but over the auto-approval limit: a bookkeeper approves it.
    assert matched.total <= BOOKKEEPER_UP_TO
    assert (request.route, request.approver_role, request.action) == (Route.HUMAN, "bookkeeper", ApAction.APPROVE_BILL)


def test_catch_ups_that_see_the_change_again_do_not_match_it_twice(
    stack: Stack, caught_up: tuple[dict[str, Any], ApReport]
) -> None:
    bill, _ = caught_up
    _after_catch_ups(stack, 3)
    assert _published(stack, bill["Id"]) == {"trigger": 1, "matched": 1, "requested": 1}

    # The position moved back to before the bill (an operator replaying a day, say): the change is seen again,
    # recognised by its change key and dropped.
    stack.stop("connectors")
    created = datetime.fromisoformat(bill["MetaData"]["CreateTime"])
    run(_move_position(stack, created - timedelta(minutes=5)))
    stack.start_service("connectors", CDC_ENV)
    eventually(lambda: _cdc_bill_events(stack).get("duplicate", 0) >= 1, timeout_s=30, what="the change seen again")
    _after_catch_ups(stack)
    assert _cdc_bill_events(stack).get("delivered", 0) == 0
    assert _published(stack, bill["Id"]) == {"trigger": 1, "matched": 1, "requested": 1}
    position = run(_position(stack))
    assert position is not None and position > created


def test_the_position_outlives_a_restart_of_the_connectors(
    stack: Stack, caught_up: tuple[dict[str, Any], ApReport]
) -> None:
    bill, _ = caught_up
    changed = datetime.fromisoformat(bill["MetaData"]["LastUpdatedTime"])

    def past_the_bill() -> datetime | None:
        position = run(_position(stack))
        return position if position is not None and position > changed + timedelta(seconds=1) else None

    before = eventually(past_the_bill, timeout_s=30, what="the position past the bill's change")

    _restart_connectors(stack, CDC_ENV)
    _after_catch_ups(stack, 3)

    # Started from its kept position, the new process never saw the bill's change; from the 24-hour look-back
    # (where it would start with the position lost) it would have, if only to drop it as a duplicate.
    assert _cdc_bill_events(stack) == {}
    after = run(_position(stack))
    assert after is not None and after >= before
    assert _published(stack, bill["Id"]) == {"trigger": 1, "matched": 1, "requested": 1}
