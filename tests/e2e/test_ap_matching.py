"""AP matching end to end on the real broker: QuickBooks' signed webhooks in; each seeded bill matched, routed by
the tenant's dollar thresholds and, once approved, recorded on the QuickBooks bill once; a bank change held
until a person verifies it; forged webhooks and malformed bills refused where they can be seen."""

from __future__ import annotations

import signal
from decimal import Decimal
from typing import Any

import httpx
import pytest

from contracts import deadletter as dl
from contracts.ap_matching import SPEC as AP
from contracts.ap_matching import ApAction, ApApproval, ApMatching, BillMatched, ExceptionKind, MatchOutcome
from contracts.approval import ActionExecuted, ActionStatus, ApprovalRequested, Route
from contracts.envelope import Envelope
from infra.sandboxes.qbo_ap_seed import BILL_OUTCOMES
from services.ops.pipelines.ap_matching.demo import (
    ApReport,
    ap_report,
    approve_from_link,
    record_approved_bank_details,
)
from services.ops.stack import Stack
from shared.topic_reader import read_topic
from tests.e2e.conftest import eventually, run

pytestmark = pytest.mark.e2e

REALM = "9341453000000000"
SEEDED = sorted(BILL_OUTCOMES)
AUTO_BELOW, BOOKKEEPER_UP_TO = Decimal("500.00"), Decimal("5000.00")  # infra/tenants/demo-co/policy.yaml


def _qbo(stack: Stack) -> httpx.Client:
    """A QuickBooks client as any app has one: OAuth refresh, then bearer calls."""
    base = stack.config.sandbox_urls["qbo"]
    token = httpx.post(
        f"{base}/oauth2/v1/tokens/bearer",
        data={"grant_type": "refresh_token", "refresh_token": "sandbox-refresh-token"},
        auth=("sandbox-client-id", "sandbox-client-secret"),
    ).json()["access_token"]
    return httpx.Client(base_url=f"{base}/v3/company/{REALM}", headers={"Authorization": f"Bearer {token}"})


def _bill(stack: Stack, bill_id: str) -> dict[str, Any]:
    with _qbo(stack) as qbo:
        bill: dict[str, Any] = qbo.get(f"/bill/{bill_id}", params={"minorversion": "75"}).json()["Bill"]
    return bill


def _fire(stack: Stack, body: dict[str, Any]) -> dict[str, Any]:
    target = f"http://127.0.0.1:{stack.config.service_ports['connectors']}/webhooks/intuit"
    answer = httpx.post(
        f"{stack.config.sandbox_urls['qbo']}/_sandbox/webhooks/fire", json={"target_url": target, **body}, timeout=30
    )
    answer.raise_for_status()
    fired: dict[str, Any] = answer.json()
    return fired


def _settled(stack: Stack, bills: list[str]) -> ApReport:
    def probe() -> ApReport | None:
        report = run(ap_report(stack.config, bills))
        return report if report.settled else None

    return eventually(probe, timeout_s=120, what=f"a request or a dead letter for each of {bills}")


def _matched_messages(stack: Stack, bill_id: str) -> list[BillMatched]:
    async def read() -> list[BillMatched]:
        return [
            Envelope[BillMatched].model_validate_json(r.value).payload
            async for r in read_topic(stack.config.kafka, ApMatching.MATCHED)
            if (r.key or b"").decode() == bill_id
        ]

    return run(read())


@pytest.fixture(scope="module")
def seeded_run(stack: Stack) -> ApReport:
    """Vendor 106's onboarding bank details on file; QuickBooks delivers one webhook for every seeded bill twice."""
    run(record_approved_bank_details(stack.config))
    fired = _fire(stack, {"entities": [{"name": "Bill", "id": b, "operation": "Create"} for b in SEEDED],
                          "deliveries": 2})  # fmt: skip
    assert [d["status_code"] for d in fired["deliveries"]] == [200, 200]
    return _settled(stack, SEEDED)


def test_each_seeded_bill_reaches_its_outcome_and_route(seeded_run: ApReport) -> None:
    for bill_id, intended in BILL_OUTCOMES.items():
        matched, request = seeded_run.matched[bill_id], seeded_run.requests[bill_id]
        assert matched.outcome == MatchOutcome(intended.outcome), (bill_id, matched.exceptions)
        if intended.exception:
            assert ExceptionKind(intended.exception) in {e.kind for e in matched.exceptions}, bill_id
        if matched.outcome is MatchOutcome.MATCHED and matched.total < AUTO_BELOW:
            assert request.route is Route.AUTO, bill_id
        else:
            role = "bookkeeper" if matched.total <= BOOKKEEPER_UP_TO else "controller"
            if matched.held:
                role = "controller"
            assert (request.route, request.approver_role) == (Route.HUMAN, role), bill_id
        assert request.action == (ApAction.VERIFY_BANK_CHANGE if matched.held else ApAction.APPROVE_BILL)
    assert {m.three_way for m in seeded_run.matched.values()} == {True}  # the sandbox keeps a receiving log


def test_a_duplicate_delivery_is_matched_and_asked_once(stack: Stack, seeded_run: ApReport) -> None:
    for bill_id in SEEDED:
        assert len(_matched_messages(stack, bill_id)) == 1, bill_id


def test_an_auto_approved_bill_is_recorded_on_the_quickbooks_bill_once(stack: Stack, seeded_run: ApReport) -> None:
    auto = [b for b, r in seeded_run.requests.items() if r.route is Route.AUTO]
    assert auto, "the seed has a fully matched bill under the auto-approval threshold"

    def recorded() -> dict[str, list[Any]] | None:
        report = run(ap_report(stack.config, auto))
        done = {b: report.actions.get(b, []) for b in auto}
        return done if all(any(a.status is ActionStatus.EXECUTED for a in acts) for acts in done.values()) else None

    eventually(recorded, timeout_s=60, what="the auto-approved bills recorded")
    for bill_id in auto:
        _assert_recorded_and_paid_once(stack, bill_id)


def test_a_person_approves_a_bill_from_the_link_and_it_is_recorded_once(stack: Stack, seeded_run: ApReport) -> None:
    request = seeded_run.requests["2002"]  # within tolerance: a person decides
    assert request.route is Route.HUMAN and request.links
    run(approve_from_link(request, "e2e: price checked with the vendor"))

    def executed() -> list[Any] | None:
        acts = run(ap_report(stack.config, ["2002"])).actions.get("2002", [])
        return [a for a in acts if a.status is ActionStatus.EXECUTED] or None

    eventually(executed, timeout_s=60, what="bill 2002 recorded")
    _assert_recorded_and_paid_once(stack, "2002")
    assert "jo.park@demo-co.example" in _bill(stack, "2002")["PrivateNote"]


def test_a_bank_change_is_held_until_a_person_verifies_it_then_matched_again(
    stack: Stack, seeded_run: ApReport
) -> None:
    held = seeded_run.requests["2013"]
    assert held.action == ApAction.VERIFY_BANK_CHANGE and held.route is Route.HUMAN
    assert isinstance(held.payload, ApApproval)
    change = held.payload.explained.facts.bank_change
    assert change is not None and "…" in change.current
    assert "Seamline" not in _bill(stack, "2013").get("PrivateNote", "")  # nothing written while held
    run(approve_from_link(held, "e2e: called the vendor on the number we already had"))

    def rematched() -> BillMatched | None:
        again = [m for m in _matched_messages(stack, "2013") if m.bank_change is None]
        return again[0] if again else None

    facts = eventually(rematched, timeout_s=60, what="bill 2013 matched again after the verification")
    assert facts.outcome is MatchOutcome.MATCHED

    def approve_request() -> ApprovalRequested | None:
        async def read() -> list[ApprovalRequested]:
            return [
                Envelope[AP.approval_request].model_validate_json(r.value).payload  # type: ignore[name-defined]
                async for r in read_topic(stack.config.kafka, AP.approval_requested)
                if (r.key or b"").decode() == "2013"
            ]

        found = [r for r in run(read()) if r.action == ApAction.APPROVE_BILL]
        return found[0] if found else None

    assert eventually(approve_request, timeout_s=60, what="a request to approve bill 2013").action == "approve_bill"


def test_a_forged_or_unsigned_webhook_is_refused_and_publishes_nothing(stack: Stack) -> None:
    async def triggers() -> int:
        return len([r async for r in read_topic(stack.config.kafka, ApMatching.TRIGGER) if r.key == b"2001"])

    before = run(triggers())
    for tampered in ({"verifier_token": "not-the-verifier"}, {"unsigned": True}):
        fired = _fire(stack, {"entities": [{"name": "Bill", "id": "2001", "operation": "Update",
                                            "lastUpdated": "2026-12-01T10:00:00Z"}], **tampered})  # fmt: skip
        assert [d["status_code"] for d in fired["deliveries"]] == [401]
    assert run(triggers()) == before


def test_a_malformed_bill_is_dead_lettered_by_field(stack: Stack, seeded_run: ApReport) -> None:
    bill = _bill(stack, "2001")
    broken = {k: v for k, v in bill.items() if k not in ("Id", "DocNumber", "SyncToken", "MetaData")}
    base = stack.config.sandbox_urls["qbo"]
    created = httpx.post(f"{base}/_sandbox/bills", json=broken).json()["Bill"]
    _fire(stack, {"entities": [{"name": "Bill", "id": created["Id"], "operation": "Create"}]})
    report = _settled(stack, [created["Id"]])
    headers = report.dead_letters[created["Id"]]
    assert headers[dl.ERROR_TYPE] == "ContractInvalid" and "DocNumber" in headers[dl.ERROR_FIELD]


def _update_bill(stack: Stack, bill_id: str, **fields: Any) -> dict[str, Any]:
    """Someone edits the bill in QuickBooks (a sparse update, as any app does)."""
    bill = _bill(stack, bill_id)
    with _qbo(stack) as qbo:
        body = {"sparse": True, "Id": bill_id, "SyncToken": bill["SyncToken"], "VendorRef": bill["VendorRef"], **fields}
        answer = qbo.post("/bill", params={"minorversion": "75"}, json=body)
    answer.raise_for_status()
    updated: dict[str, Any] = answer.json()["Bill"]
    return updated


async def _actions(stack: Stack, bill_id: str) -> list[ActionExecuted]:
    actions = [
        Envelope[ActionExecuted].model_validate_json(r.value).payload
        async for r in read_topic(stack.config.kafka, AP.actions)
    ]
    return [a for a in actions if a.entity_id == bill_id]


def _assert_recorded_and_paid_once(stack: Stack, bill_id: str) -> None:
    """demo-co turned payment on: the approval is noted on the bill once and the bill paid once, in full."""

    def paid() -> dict[str, Any] | None:
        bill = _bill(stack, bill_id)
        return bill if Decimal(str(bill["Balance"])) == 0 else None

    bill = eventually(paid, timeout_s=60, what=f"bill {bill_id} paid")
    assert bill["PrivateNote"].count("seamline:") == 1, bill["PrivateNote"]
    payments = [t for t in bill["LinkedTxn"] if t["TxnType"] == "BillPayment"]
    assert len(payments) == 1, payments


def _executed(stack: Stack, bill_id: str) -> list[Any] | None:
    acts = run(ap_report(stack.config, [bill_id])).actions.get(bill_id, [])
    return [a for a in acts if a.status is ActionStatus.EXECUTED] or None


def test_an_edit_since_the_match_is_checked_before_writing_never_overwritten(
    stack: Stack, seeded_run: ApReport
) -> None:
    # A memo edit moves the SyncToken but not the money: the approval is written under the new token, memo kept.
    _update_bill(stack, "2005", PrivateNote="Receiving checked line 2 with the warehouse.")
    run(approve_from_link(seeded_run.requests["2005"], "e2e: short delivery credited next month"))
    eventually(lambda: _executed(stack, "2005"), timeout_s=60, what="bill 2005 recorded")
    _assert_recorded_and_paid_once(stack, "2005")
    assert _bill(stack, "2005")["PrivateNote"].startswith("Receiving checked line 2")

    # A changed amount: the approval no longer holds; nothing is written and the refusal is a dead letter.
    bill = _bill(stack, "2009")
    lines = [dict(line) for line in bill["Line"]]
    lines[0]["Amount"] = float(Decimal(str(lines[0]["Amount"])) + 10)
    _update_bill(stack, "2009", Line=lines)
    run(approve_from_link(seeded_run.requests["2009"], "e2e: approved the old amount"))

    def refused() -> dict[str, str] | None:
        async def read() -> list[dict[str, str]]:
            return [
                {k: v.decode() for k, v in r.headers or ()}
                async for r in read_topic(stack.config.kafka, AP.dead_letter)
            ]

        found = [h for h in run(read()) if "bill 2009 changed since it was approved" in h.get(dl.ERROR_MESSAGE, "")]
        return found[0] if found else None

    headers = eventually(refused, timeout_s=60, what="the stale approval of bill 2009 refused")
    assert headers[dl.ERROR_TYPE] == "PolicyRefused"
    unpaid = _bill(stack, "2009")
    assert "seamline:" not in unpaid.get("PrivateNote", "") and Decimal(str(unpaid["Balance"])) > 0


def test_kill_9_of_approval_mid_write_records_the_bill_once(stack: Stack, seeded_run: ApReport) -> None:
    base = stack.config.sandbox_urls["qbo"]
    httpx.post(f"{base}/_sandbox/faults", json={"mode": "timeout", "count": 1, "delay": 8}).raise_for_status()
    run(approve_from_link(seeded_run.requests["2004"], "e2e: extra units accepted"))

    def started() -> bool:
        return any(a.status is ActionStatus.STARTED for a in run(_actions(stack, "2004")))

    eventually(started, timeout_s=30, what="the write to bill 2004 under way")
    stack.stop("approval", signal.SIGKILL)
    stack.start_service("approval")
    done = eventually(lambda: _executed(stack, "2004"), timeout_s=90, what="bill 2004 recorded after the restart")
    assert {a.action for a in done} >= {ApAction.APPROVE_BILL}
    _assert_recorded_and_paid_once(stack, "2004")
    statuses = [a.status for a in run(_actions(stack, "2004"))]
    assert ActionStatus.UNCERTAIN not in statuses


def test_above_the_last_tier_the_controller_then_the_owner_approve_before_the_bill_is_recorded(
    stack: Stack, seeded_run: ApReport
) -> None:
    """A bill above 5,000 (demo-co: the controller, then the owner): the controller's approval from the link asks
    the owner with a link of the owner's own; nothing is written to QuickBooks until the owner approves."""
    bill = _bill(stack, "2007")
    large = {k: v for k, v in bill.items() if k not in ("Id", "SyncToken", "MetaData", "LinkedTxn", "PrivateNote")}
    large |= {"DocNumber": "GF-CHAIN-1", "TotalAmt": 6200.0, "Balance": 6200.0}  # the insert keeps them as given
    large["Line"] = [
        {"Id": "1", "Amount": 6200.0, "Description": "Steel plate, rush order",
         "DetailType": "AccountBasedExpenseLineDetail",
         "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "7"}}},
    ]  # fmt: skip
    created = httpx.post(f"{stack.config.sandbox_urls['qbo']}/_sandbox/bills", json=large).json()["Bill"]
    bill_id = created["Id"]
    _fire(stack, {"entities": [{"name": "Bill", "id": bill_id, "operation": "Create"}]})
    first = _settled(stack, [bill_id]).requests[bill_id]
    assert (first.route, first.approver_role, first.then) == (Route.HUMAN, "controller", ("owner",))
    run(approve_from_link(first, "e2e: controller checked the rush order"))

    def owners_request() -> ApprovalRequested | None:
        asked = run(_requests_for(stack, bill_id))
        return next((r for r in asked if r.approver_role == "owner"), None)

    second = eventually(owners_request, timeout_s=60, what="the owner asked after the controller")
    assert second.approved_by == ("sam.chen@demo-co.example",) and second.then == ()
    assert [link.approver for link in second.links] == ["alex.rivera@demo-co.example"]
    assert "Seamline" not in _bill(stack, bill_id).get("PrivateNote", ""), "nothing written after one approval"
    run(approve_from_link(second, "e2e: owner agrees"))
    eventually(lambda: _executed(stack, bill_id), timeout_s=60, what=f"bill {bill_id} recorded after the owner")
    assert "alex.rivera@demo-co.example" in _bill(stack, bill_id)["PrivateNote"]


async def _requests_for(stack: Stack, bill_id: str) -> list[ApprovalRequested]:
    return [
        Envelope[AP.approval_request].model_validate_json(r.value).payload  # type: ignore[name-defined]
        async for r in read_topic(stack.config.kafka, AP.approval_requested)
        if (r.key or b"").decode() == bill_id
    ]
