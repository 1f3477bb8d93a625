"""AP bills at the trust seam: dollar thresholds pick the approver, only a fully matched bill may pass on policy
alone, and nothing approves or pays around a bank change."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.ap_matching import ApAction, BankDetailsVerified, BillDocument, MatchOutcome
from contracts.approval import ApprovalDecided, Decision, Route
from services.approval.domain import LoadedPolicy, check_decider, next_in_chain, parse_policy
from services.approval.pipelines.ap_matching.domain import bill_request, page, plan_decided
from shared.errors import PolicyRefused
from tests.unit.ap_factories import bank_changed, bill_matched, explained
from tests.unit.factories import DEMO_POLICY, NOW

DEMO = parse_policy(DEMO_POLICY.read_text())


def _request(facts, loaded=DEMO):  # type: ignore[no-untyped-def]
    return bill_request(explained(facts), "demo-co", loaded, NOW)


@pytest.mark.parametrize(
    ("total", "outcome", "route", "role"),
    [
        ("499.99", MatchOutcome.MATCHED, Route.AUTO, None),
        ("500.00", MatchOutcome.MATCHED, Route.HUMAN, "bookkeeper"),
        ("5000.00", MatchOutcome.MATCHED, Route.HUMAN, "bookkeeper"),
        ("5000.01", MatchOutcome.MATCHED, Route.HUMAN, "controller"),
        ("120.00", MatchOutcome.WITHIN_TOLERANCE, Route.HUMAN, "bookkeeper"),
        ("120.00", MatchOutcome.EXCEPTIONS, Route.HUMAN, "bookkeeper"),
        ("9000.00", MatchOutcome.EXCEPTIONS, Route.HUMAN, "controller"),
    ],
)
def test_the_dollar_thresholds_pick_the_approver(total: str, outcome: MatchOutcome, route: Route, role: str) -> None:
    request = _request(bill_matched(total, outcome))
    assert (request.route, request.approver_role) == (route, role)
    assert request.action == ApAction.APPROVE_BILL


@given(total=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2))
def test_no_bill_with_an_exception_or_a_bank_change_passes_without_a_person(total: Decimal) -> None:
    for facts in (bill_matched(str(total), MatchOutcome.EXCEPTIONS), bank_changed(str(total))):
        request = _request(facts)
        assert request.route is Route.HUMAN and request.approver_role is not None


def test_a_bank_change_asks_to_verify_it_and_an_approval_records_only_the_verification() -> None:
    request = _request(bank_changed("300.00"))
    assert request.action == ApAction.VERIFY_BANK_CHANGE
    assert request.approver_role == "controller"
    assert "…9001" in request.summary and "9001" not in request.summary.replace("…9001", "")
    (planned,) = plan_decided(ApprovalDecided(request_id=request.request_id, decision=Decision.APPROVED,
                                              decided_by="sam.chen@demo-co.example", reason="called the vendor",
                                              request=request))  # fmt: skip
    assert planned.action == ApAction.VERIFY_BANK_CHANGE
    record = BankDetailsVerified.model_validate_json(planned.body)
    assert (record.vendor_id, record.verified_by) == ("56", "sam.chen@demo-co.example")


def test_an_approve_request_for_a_held_bill_is_refused_at_execution() -> None:
    held = bank_changed("300.00")
    forged = _request(bill_matched("300.00")).model_copy(update={"payload": _request(held).payload})
    decided = ApprovalDecided(request_id=forged.request_id, decision=Decision.APPROVED, decided_by="x", reason="",
                              request=forged)  # fmt: skip
    with pytest.raises(PolicyRefused, match="held for a bank change"):
        plan_decided(decided)


def test_an_approved_bill_is_one_write_on_the_version_it_was_matched_on() -> None:
    request = _request(bill_matched("1200.00", sync_token="3"))
    decided = ApprovalDecided(request_id=request.request_id, decision=Decision.APPROVED,
                              decided_by="jo.park@demo-co.example", reason="", request=request)  # fmt: skip
    planned, paid = plan_decided(decided)
    assert (planned.action, planned.target, planned.target_version, planned.amount) == (
        ApAction.APPROVE_BILL, "301", "3", Decimal("1200.00"),
    )  # fmt: skip
    assert planned.key in planned.body and "jo.park@demo-co.example" in planned.body
    assert (paid.action, paid.target, paid.amount) == (ApAction.PAY_BILL, "301", Decimal("1200.00"))
    assert plan_decided(decided.model_copy(update={"decision": Decision.REJECTED})) == ()


def test_the_same_bill_coming_back_unchanged_is_the_same_request() -> None:
    first = _request(bill_matched("1200.00", sync_token="0"))
    after_our_write = _request(bill_matched("1200.00", sync_token="1"))
    changed = _request(bill_matched("1250.00", sync_token="2"))
    assert first.request_id == after_our_write.request_id != changed.request_id


def test_a_pipeline_the_tenant_has_not_turned_on_runs_read_only() -> None:
    shadow = parse_policy(DEMO_POLICY.parent.parent.joinpath("shadow-co", "policy.yaml").read_text())
    for facts in (bill_matched("100.00"), bill_matched("9000.00", MatchOutcome.EXCEPTIONS), bank_changed()):
        assert _request(facts, shadow).route is Route.SHADOW


def test_the_page_shows_each_variance() -> None:
    shown = page(_request(bill_matched("1200.00", MatchOutcome.EXCEPTIONS)))
    assert "price_variance" in shown.html and "12.50" in shown.html and "0.50" in shown.html
    assert shown.api_fields["outcome"] == "exceptions"


def test_payment_follows_approval_only_where_the_tenant_turned_it_on() -> None:
    ap = DEMO.policy.pipelines["ap_matching"]
    without = ap.model_copy(update={"actions": {k: v for k, v in ap.actions.items() if k != ApAction.PAY_BILL}})
    pipelines = {**DEMO.policy.pipelines, "ap_matching": without}
    off = LoadedPolicy(DEMO.policy.model_copy(update={"pipelines": pipelines}), "no-payment")
    for loaded, pays in ((DEMO, True), (off, False)):
        request = _request(bill_matched("1200.00"), loaded)
        decided = ApprovalDecided(request_id=request.request_id, decision=Decision.APPROVED, decided_by="jo",
                                  reason="", request=request)  # fmt: skip
        actions = [p.action for p in plan_decided(decided)]
        assert actions == ([ApAction.APPROVE_BILL, ApAction.PAY_BILL] if pays else [ApAction.APPROVE_BILL])


def test_above_five_thousand_the_controller_then_the_owner_approve_and_no_one_approves_twice() -> None:
    request = _request(bill_matched("5000.01"))
    assert (request.approver_role, request.then) == ("controller", ("owner",))
    assert _request(bill_matched("5000.00")).then == (), "the bookkeeper's tier has one approver"
    assert _request(bill_matched("499.99")).then == (), "nobody is asked below auto_below"
    after = next_in_chain(request, "sam.chen@demo-co.example", DEMO, NOW)
    assert (after.approver_role, after.then, after.approved_by) == ("owner", (), ("sam.chen@demo-co.example",))
    assert after.request_id != request.request_id and after.payload == request.payload
    policy = DEMO.policy.model_copy(
        update={
            "approvers": DEMO.policy.approvers | {"owner": ("alex.rivera@demo-co.example", "sam.chen@demo-co.example")}
        }
    )
    with pytest.raises(PolicyRefused, match="approved an earlier step"):
        check_decider(after, "sam.chen@demo-co.example", policy, NOW)
    check_decider(after, "alex.rivera@demo-co.example", policy, NOW)
    with pytest.raises(ValueError, match="no one left"):
        next_in_chain(after, "alex.rivera@demo-co.example", DEMO, NOW)


def test_a_bill_read_from_a_document_is_decided_by_a_person_however_small() -> None:
    from tests.unit.test_ap_documents import extracted

    document = BillDocument(
        document_id="ab12", filename="inv.pdf", sha256="0", extracted=extracted().extracted, draft={"Id": "doc-ab12"}
    )
    small = _request(bill_matched("120.00", bill_id="doc-ab12", document=document))
    assert (small.route, small.approver_role) == (Route.HUMAN, "bookkeeper")
    assert "read from inv.pdf" in small.summary
    assert _request(bill_matched("120.00")).route is Route.AUTO, "the same bill from QuickBooks passes on policy"
