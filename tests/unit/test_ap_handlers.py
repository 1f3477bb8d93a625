"""AP matching's validation and rules parts through their services' bootstraps, on TestKafkaBroker, with a fake
bank record and fake count marks. They run once contracts/registry.py lists ap_matching (an envelope names a
registered pipeline)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from faststream.kafka import KafkaMessage
from prometheus_client import REGISTRY

from contracts import deadletter as dl
from contracts.ap_matching import SPEC as AP
from contracts.ap_matching import (
    ApAction,
    ApApproval,
    ApMatching,
    BankDetails,
    BankDetailsVerified,
    BillExplained,
    BillMatched,
    BillSource,
    BillValidated,
    ExceptionKind,
    LineKind,
    MatchOutcome,
)
from contracts.approval import ApprovalDecided, ApprovalRequested, Decision, Route
from contracts.envelope import Envelope
from contracts.invoice_followup import SPEC as FOLLOWUP
from contracts.invoice_followup import InvoiceFollowup
from services.rules.bootstrap import build_deps as rules_deps
from services.rules.bootstrap import build_parts as rules_parts
from services.rules.handlers import build_router as rules_router
from services.rules.pipelines.ap_matching import ApRulesPorts
from services.rules.pipelines.ap_matching.adapters import ToleranceBook
from services.rules.pipelines.ap_matching.domain import bank_fingerprint, match_bill
from services.rules.settings import RulesSettings
from services.validation.bootstrap import build_deps as validation_deps
from services.validation.bootstrap import build_parts as validation_parts
from services.validation.handlers import build_router as validation_router
from services.validation.settings import ValidationSettings
from shared.kernel import Kernel
from tests.unit import factories
from tests.unit.ap_bills import BANK, billed, charge, goods, ordered, qbo_bill, raw_bill, validated
from tests.unit.harness import kernel_for, running

TENANT = "demo-co"
MOVED = BankDetails(account_name="Acme Supply New", routing_number="026009593", account_number="99887766")


class FakeBankRecord:
    def __init__(self, held: dict[str, tuple[str, str]] | None = None) -> None:
        self.held = dict(held or {})

    async def approved(self, tenant: str, vendor_id: str) -> str | None:
        return self.held[vendor_id][0] if vendor_id in self.held else None

    async def approved_masked(self, tenant: str, vendor_id: str) -> str | None:
        return self.held[vendor_id][1] if vendor_id in self.held else None

    async def record(self, tenant: str, vendor_id: str, fingerprint: str, masked: str) -> None:
        self.held[vendor_id] = (fingerprint, masked)

    async def establish(self, tenant: str, vendor_id: str, fingerprint: str, masked: str) -> bool:
        if vendor_id in self.held:
            return False
        self.held[vendor_id] = (fingerprint, masked)
        return True


class FakeClaims:
    def __init__(self) -> None:
        self.taken: set[str] = set()

    async def claim(self, key: str, holder: str, ttl_s: int) -> bool:
        if key in self.taken:
            return False
        self.taken.add(key)
        return True


def _catch_dead_letters(kernel: Kernel) -> list[KafkaMessage]:
    caught: list[KafkaMessage] = []

    @kernel.broker.subscriber(AP.dead_letter, group_id=f"test.{AP.dead_letter}")
    async def catch(message: KafkaMessage) -> None:
        caught.append(message)

    return caught


async def test_a_raw_bill_is_published_validated_and_audited() -> None:
    kernel = kernel_for("validation")
    deps = validation_deps(kernel, ValidationSettings())
    router = validation_router(deps, validation_parts(deps, [AP]))
    async with running(kernel, router, [AP]) as captured:
        await kernel.publisher.publish(
            ApMatching.RAW, Envelope.start(raw_bill(), pipeline=AP.name, tenant=TENANT), key="1042"
        )
    [published] = captured.of(ApMatching.VALIDATED)
    bill = published.payload.bill
    assert (bill.bill_id, bill.total, bill.po_ids) == ("1042", Decimal("612.5"), ("1001",))
    assert (published.pipeline, published.tenant) == (AP.name, TENANT)
    assert [(a.payload.step, a.payload.outcome) for a in captured.of(AP.audit)] == [("validate", "valid")]


async def test_a_malformed_bill_is_dead_lettered_by_field_while_invoice_follow_up_keeps_running() -> None:
    kernel = kernel_for("validation")
    deps = validation_deps(kernel, ValidationSettings())
    router = validation_router(deps, validation_parts(deps, [AP, FOLLOWUP]))
    dead = _catch_dead_letters(kernel)
    lines = qbo_bill()["Line"]
    broken = qbo_bill(Line=[lines[0], {k: v for k, v in lines[1].items() if k != "Amount"}, lines[2]])
    async with running(kernel, router, [AP, FOLLOWUP]) as captured:
        await kernel.publisher.publish(
            ApMatching.RAW, Envelope.start(raw_bill(broken), pipeline=AP.name, tenant=TENANT), key="1042"
        )
        invoice = Envelope.start(factories.raw_fetched(), pipeline=FOLLOWUP.name, tenant=TENANT)
        await kernel.publisher.publish(InvoiceFollowup.RAW, invoice, key="131")
    assert captured.of(ApMatching.VALIDATED) == []
    assert [(m.headers[dl.ERROR_TYPE], m.headers[dl.ERROR_FIELD]) for m in dead] == [
        ("ContractInvalid", "Bill.Line.1.Amount")
    ]
    assert [v.payload.invoice_id for v in captured.of(InvoiceFollowup.VALIDATED)] == ["131"]


def _rules(banks: FakeBankRecord, claims: FakeClaims | None = None) -> tuple[Kernel, Any]:
    kernel = kernel_for("rules")
    deps = rules_deps(kernel, RulesSettings())
    ports = ApRulesPorts(ToleranceBook.load(RulesSettings().tenants_dir), banks, claims or FakeClaims())
    return kernel, rules_router(deps, rules_parts(deps, [AP], ports={AP.name: ports}))


async def _matched(banks: FakeBankRecord, bank: BankDetails) -> tuple[list[Envelope[Any]], list[Envelope[Any]]]:
    kernel, router = _rules(banks)
    bill = validated(billed(), (ordered(),), bank=bank)
    async with running(kernel, router, [AP]) as captured:
        message = Envelope.start(bill, pipeline=AP.name, tenant=TENANT)
        await kernel.publisher.publish(ApMatching.VALIDATED, message, key="1042")
    return captured.of(ApMatching.MATCHED), captured.of(AP.audit)


async def test_a_vendor_seen_first_has_its_bank_details_recorded_and_its_bill_matched() -> None:
    banks = FakeBankRecord()
    [matched], audit = await _matched(banks, BANK)
    assert (matched.payload.outcome, matched.payload.bank_change) == (MatchOutcome.MATCHED, None)
    assert banks.held == {"56": (bank_fingerprint(BANK), BANK.masked)}
    assert [(a.payload.step, a.payload.outcome) for a in audit] == [("match", "matched")]


async def test_changed_bank_details_hold_the_bill_and_leave_the_approved_record_alone() -> None:
    banks = FakeBankRecord({"56": (bank_fingerprint(BANK), BANK.masked)})
    [matched], audit = await _matched(banks, MOVED)
    facts: BillMatched = matched.payload
    assert facts.outcome is MatchOutcome.EXCEPTIONS
    assert [e.kind for e in facts.exceptions] == [ExceptionKind.BANK_CHANGE]
    assert facts.bank_change is not None
    assert (facts.bank_change.previous, facts.bank_change.current) == (BANK.masked, MOVED.masked)
    assert banks.held["56"] == (bank_fingerprint(BANK), BANK.masked)
    assert [a.payload.outcome for a in audit] == ["exceptions"]


# Both prices above the order's: two price variances, the total off and the order billed beyond its value.
OVERPRICED = (goods("1", "11", "100", "4.75"), goods("2", "12", "500", "0.40"), charge("3", LineKind.FREIGHT, "25.00"))


def _counted() -> dict[str, float]:
    """The AP match counters as Prometheus reads them, one entry per outcome and per exception kind."""
    outcomes = {
        f"outcome:{o.value}": REGISTRY.get_sample_value("seamline_ap_bills_matched_total", {"outcome": o.value})
        for o in MatchOutcome
    }
    kinds = {
        f"kind:{k.value}": REGISTRY.get_sample_value("seamline_ap_exceptions_total", {"kind": k.value})
        for k in ExceptionKind
    }
    return {series: value or 0.0 for series, value in (outcomes | kinds).items()}


def _added(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {series: after[series] - before[series] for series in after if after[series] != before[series]}


def _numbered(bill: BillValidated, bill_id: str) -> BillValidated:
    return bill.model_copy(update={"bill": bill.bill.model_copy(update={"bill_id": bill_id})})


async def _match_all(claims: FakeClaims, bills: list[BillValidated]) -> list[BillMatched]:
    kernel, router = _rules(FakeBankRecord(), claims)
    async with running(kernel, router, [AP]) as captured:
        for bill in bills:
            message = Envelope.start(bill, pipeline=AP.name, tenant=TENANT)
            await kernel.publisher.publish(ApMatching.VALIDATED, message, key=bill.bill.bill_id)
    return [m.payload for m in captured.of(ApMatching.MATCHED)]


async def test_each_bill_matched_counts_its_outcome_once_and_each_of_its_exceptions_by_kind() -> None:
    before = _counted()
    matched = await _match_all(
        FakeClaims(), [validated(OVERPRICED, (ordered(),)), _numbered(validated(billed(), (ordered(),)), "1043")]
    )
    assert [m.outcome for m in matched] == [MatchOutcome.EXCEPTIONS, MatchOutcome.MATCHED]
    assert _added(before, _counted()) == {
        "outcome:exceptions": 1,
        "outcome:matched": 1,
        "kind:price_variance": 2,
        "kind:total_variance": 1,
        "kind:billed_more_than_ordered": 1,
    }


async def test_a_bill_matched_again_unchanged_counts_once_and_again_once_its_amount_changes() -> None:
    """QuickBooks sends a bill back after every change, Seamline's own approval note included: the touchless rate
    divides by bills, not by matches."""
    claims, bill = FakeClaims(), validated(OVERPRICED, (ordered(),))
    before = _counted()
    again = await _match_all(claims, [bill, bill])
    once = _counted()
    corrected = await _match_all(claims, [validated(billed(), (ordered(),))])
    assert len(again) == 2 and again[0] == again[1]  # still matched and published each time
    assert _added(before, once) == {
        "outcome:exceptions": 1,
        "kind:price_variance": 2,
        "kind:total_variance": 1,
        "kind:billed_more_than_ordered": 1,
    }
    assert [m.outcome for m in corrected] == [MatchOutcome.MATCHED]
    assert _added(once, _counted()) == {"outcome:matched": 1}


def _verified(bill_id: str | None) -> BankDetailsVerified:
    return BankDetailsVerified(
        realm_id="9341453000000000", bill_id=bill_id, vendor_id="56", fingerprint=bank_fingerprint(MOVED),
        masked=MOVED.masked, verified_by="sam.chen@demo-co.example", request_id="req-1",
    )  # fmt: skip


@pytest.mark.parametrize("bill_id", ["1042", None], ids=["held-bill", "onboarding"])
async def test_verified_bank_details_become_the_record_and_the_held_bill_is_matched_again(bill_id: str | None) -> None:
    banks = FakeBankRecord({"56": (bank_fingerprint(BANK), BANK.masked)})
    kernel, router = _rules(banks)
    async with running(kernel, router, [AP]) as captured:
        message = Envelope.start(_verified(bill_id), pipeline=AP.name, tenant=TENANT)
        await kernel.publisher.publish(ApMatching.BANK_VERIFIED, message, key="56")
        again = captured.of(ApMatching.TRIGGER)
    assert banks.held["56"] == (bank_fingerprint(MOVED), MOVED.masked)
    assert [(t.payload.bill_id, t.payload.source) for t in again] == (
        [("1042", BillSource.BANK_VERIFIED)] if bill_id else []
    )


async def test_a_decision_alone_changes_no_bank_record() -> None:
    """Only the approval service's verified record (published after a person's approval) changes it."""
    banks = FakeBankRecord({"56": (bank_fingerprint(BANK), BANK.masked)})
    kernel, router = _rules(banks)
    facts = match_bill(
        validated(billed(), (ordered(),), bank=MOVED),
        ToleranceBook.load(RulesSettings().tenants_dir).for_tenant(TENANT),
        bank_fingerprint(BANK),
    )
    request = ApprovalRequested(
        request_id="req-1", action=ApAction.VERIFY_BANK_CHANGE, entity_id="1042", amount=facts.total,
        currency="USD", route=Route.HUMAN, approver_role="controller", requested_by="seamline:ap_matching",
        policy_version="1", policy_hash="h", summary="verify",
        payload=ApApproval(explained=BillExplained(facts=facts, summary="s", prompt_id="p", prompt_version="1",
                                                   model="m")),
        expires_at=datetime.now(UTC) + timedelta(days=1),
    )  # fmt: skip
    decided = ApprovalDecided(request_id="req-1", decision=Decision.APPROVED, decided_by="x", reason="",
                              request=request)  # fmt: skip
    async with running(kernel, router, [AP]):
        await kernel.publisher.publish(AP.decisions, Envelope.start(decided, pipeline=AP.name, tenant=TENANT), key="r")
    assert banks.held["56"] == (bank_fingerprint(BANK), BANK.masked)
