"""The approval service's generic handlers through its bootstrap on TestKafkaBroker: each pipeline's source
message becomes that pipeline's request, routed by the tenant's policy."""

from __future__ import annotations

from decimal import Decimal

from contracts.ap_matching import SPEC as AP
from contracts.ap_matching import ApMatching, BillSource, MatchOutcome
from contracts.approval import ActionStatus, ApprovalDecided, ApprovalRequested, Decision, Route
from contracts.envelope import Envelope
from contracts.invoice_followup import SPEC as FOLLOWUP
from contracts.invoice_followup import FollowUpApproval, InvoiceFollowup
from contracts.registry import PIPELINES
from services.approval.bootstrap import build_parts
from services.approval.handlers import build_router
from services.approval.pipelines.ap_matching import BILLS_APPROVED, build_flow
from tests.unit import factories
from tests.unit.ap_factories import FakeBankRecords, FakeBills, ap_flow_ports, bill_matched, explained
from tests.unit.harness import kernel_for, running
from tests.unit.test_approval_api import approval_deps
from tests.unit.test_intuit_webhook import FakeClaims


async def test_a_drafted_follow_up_above_the_threshold_becomes_a_request_for_a_human() -> None:
    deps, store, _ = approval_deps()
    deps.kernel = kernel_for("approval")
    parts = build_parts(deps, PIPELINES, ports=ap_flow_ports(deps))
    drafted = factories.follow_up_drafted(factories.follow_up_due(amount_due=Decimal("4321.09")))
    async with running(deps.kernel, build_router(deps, parts), PIPELINES) as captured:
        message = Envelope.start(drafted, pipeline=FOLLOWUP.name, tenant="demo-co")
        await deps.kernel.publisher.publish(InvoiceFollowup.DRAFTED, message, key="131")
    (requested,) = captured.of(FOLLOWUP.approval_requested)
    request = requested.payload
    assert request.route is Route.HUMAN and request.approver_role == "ar_manager"
    assert isinstance(request.payload, FollowUpApproval) and request.payload.draft == drafted
    assert [link.approver for link in request.links] == ["maria.lopez@demo-co.example"]
    assert await store.get(request.request_id) is not None
    assert captured.of(FOLLOWUP.decisions) == []


async def test_an_explained_bill_is_routed_by_amount_and_a_read_only_tenant_records_what_it_would_write() -> None:
    deps, _, _ = approval_deps()
    deps.kernel = kernel_for("approval")
    ports = ap_flow_ports(deps)
    bills = ports["ap_matching"].performers  # the fake QuickBooks behind the flow
    parts = build_parts(deps, PIPELINES, ports=ports)
    big = explained(bill_matched("7200.00", MatchOutcome.EXCEPTIONS))
    async with running(deps.kernel, build_router(deps, parts), PIPELINES) as captured:
        for tenant, facts in (("demo-co", big), ("shadow-co", explained(bill_matched("300.00")))):
            message = Envelope.start(facts, pipeline=AP.name, tenant=tenant)
            await deps.kernel.publisher.publish(ApMatching.EXPLAINED, message, key=facts.facts.bill_id)
    routed = {r.tenant: r.payload for r in captured.of(AP.approval_requested)}
    assert (routed["demo-co"].route, routed["demo-co"].approver_role) == (Route.HUMAN, "controller")
    assert routed["shadow-co"].route is Route.SHADOW
    (shadowed,) = [a.payload for a in captured.of(AP.actions)]
    assert shadowed.status is ActionStatus.RECORDED_ONLY and "would record approve_bill on bill" in shadowed.detail
    assert bills  # performers exist for every AP action kind, none was called


async def test_above_the_last_threshold_the_controller_then_the_owner_approve_in_order_before_anything_runs() -> None:
    deps, store, _ = approval_deps()
    deps.kernel, deps.done = kernel_for("approval"), MemoryDone()
    bills, banks = FakeBills(), FakeBankRecords()
    parts = build_parts(deps, PIPELINES, ports={AP.name: build_flow(deps, (bills, banks))})
    big = explained(bill_matched("7200.00"))
    async with running(deps.kernel, build_router(deps, parts), PIPELINES) as captured:
        message = Envelope.start(big, pipeline=AP.name, tenant="demo-co")
        await deps.kernel.publisher.publish(ApMatching.EXPLAINED, message, key="301")
        (first,) = [r.payload for r in captured.of(AP.approval_requested)]
        assert (first.approver_role, first.then, first.approved_by) == ("controller", ("owner",), ())
        by_controller = _approved(first, "sam.chen@demo-co.example")
        for _ in range(2):  # a redelivered decision asks the owner once
            await deps.kernel.publisher.publish(AP.decisions, message.follow(by_controller), key="301")
        requests = [r.payload for r in captured.of(AP.approval_requested)]
        assert len(requests) == 2, "the owner is asked once"
        second = requests[1]
        assert (second.approver_role, second.then, second.approved_by) == (
            "owner", (), ("sam.chen@demo-co.example",)
        )  # fmt: skip
        assert [link.approver for link in second.links] == ["alex.rivera@demo-co.example"]
        assert second.request_id != first.request_id and await store.get(second.request_id) is not None
        assert bills.notes == {} and captured.of(AP.actions) == [], "nothing runs before the last approval"
        await deps.kernel.publisher.publish(
            AP.decisions, message.follow(_approved(second, "alex.rivera@demo-co.example")), key="301"
        )
    assert list(bills.notes) == ["301"], "the owner's approval records the bill once"
    assert {a.payload.action for a in captured.of(AP.actions) if a.payload.status is ActionStatus.EXECUTED} == {
        "approve_bill",
        "pay_bill",
    }


async def test_a_rejection_at_any_step_ends_the_chain() -> None:
    deps, _, _ = approval_deps()
    deps.kernel, deps.done = kernel_for("approval"), MemoryDone()
    bills = FakeBills()
    parts = build_parts(deps, PIPELINES, ports={AP.name: build_flow(deps, (bills, FakeBankRecords()))})
    big = explained(bill_matched("7200.00"))
    async with running(deps.kernel, build_router(deps, parts), PIPELINES) as captured:
        message = Envelope.start(big, pipeline=AP.name, tenant="demo-co")
        await deps.kernel.publisher.publish(ApMatching.EXPLAINED, message, key="301")
        (first,) = [r.payload for r in captured.of(AP.approval_requested)]
        rejected = _approved(first, "sam.chen@demo-co.example").model_copy(update={"decision": Decision.REJECTED})
        await deps.kernel.publisher.publish(AP.decisions, message.follow(rejected), key="301")
    assert len(captured.of(AP.approval_requested)) == 1 and bills.notes == {}


class MemoryDone(FakeClaims):
    """RedisIdempotencyStore in memory: what each action key recorded."""

    async def result(self, key: str) -> str | None:
        return self.held.get(key)


def _approved(request: ApprovalRequested, by: str) -> ApprovalDecided:
    return ApprovalDecided(
        request_id=request.request_id, decision=Decision.APPROVED, decided_by=by, reason="ok", request=request
    )


async def test_a_bill_approved_by_policy_after_a_person_verified_its_bank_change_is_not_touchless() -> None:
    deps, _, _ = approval_deps()
    deps.kernel, deps.done = kernel_for("approval"), MemoryDone()
    parts = build_parts(deps, PIPELINES, ports={AP.name: build_flow(deps, (FakeBills(), FakeBankRecords()))})
    before = {r: BILLS_APPROVED.labels(r)._value.get() for r in ("auto", "human")}
    async with running(deps.kernel, build_router(deps, parts), PIPELINES) as captured:
        for bill_id, source in (("401", BillSource.WEBHOOK), ("402", BillSource.BANK_VERIFIED)):
            facts = explained(bill_matched("300.00", bill_id=bill_id, doc_number=f"INV-{bill_id}", source=source))
            message = Envelope.start(facts, pipeline=AP.name, tenant="demo-co")
            await deps.kernel.publisher.publish(ApMatching.EXPLAINED, message, key=bill_id)
    assert {r.payload.route for r in captured.of(AP.approval_requested)} == {Route.AUTO}, "policy approved both"
    after = {r: BILLS_APPROVED.labels(r)._value.get() for r in ("auto", "human")}
    assert (after["auto"] - before["auto"], after["human"] - before["human"]) == (1, 1)
