"""The rules service's handlers through its bootstrap, on TestKafkaBroker, with fakes for every port."""

from __future__ import annotations

from datetime import date

from contracts.contract_review import SPEC as REVIEW
from contracts.contract_review import ContractReview
from contracts.envelope import Envelope
from contracts.invoice_followup import SPEC as FOLLOWUP
from contracts.invoice_followup import InvoiceFollowup, SkipReason
from services.rules.bootstrap import build_deps, build_parts
from services.rules.handlers import build_router
from services.rules.pipelines.invoice_followup import FollowUpRulesPorts
from services.rules.pipelines.invoice_followup.domain import DunningPolicy
from services.rules.settings import RulesSettings
from tests.unit import factories
from tests.unit.harness import kernel_for, running


class FakeContactLog:
    def __init__(self, contacted: dict[str, date] | None = None) -> None:
        self.contacted = dict(contacted or {})

    async def last_contacted(self, tenant: str, invoice_id: str) -> date | None:
        return self.contacted.get(invoice_id)

    async def record_contact(self, tenant: str, invoice_id: str, on: date) -> None:
        self.contacted[invoice_id] = on


def _rules(contacts: FakeContactLog) -> tuple:
    kernel = kernel_for("rules")
    deps = build_deps(kernel, RulesSettings())
    parts = build_parts(deps, [FOLLOWUP, REVIEW], ports={FOLLOWUP.name: FollowUpRulesPorts(contacts, DunningPolicy())})
    return kernel, build_router(deps, parts)


async def test_an_overdue_invoice_is_decided_and_one_contacted_yesterday_is_skipped() -> None:
    contacts = FakeContactLog({"200": date(2026, 11, 20)})
    kernel, router = _rules(contacts)
    async with running(kernel, router, [FOLLOWUP, REVIEW]) as captured:
        for invoice_id in ("100", "200"):
            invoice = factories.invoice_validated(invoice_id=invoice_id)
            message = Envelope.start(invoice, pipeline=FOLLOWUP.name, tenant="demo-co")
            await kernel.publisher.publish(InvoiceFollowup.VALIDATED, message, key=invoice_id)
    decided = captured.of(InvoiceFollowup.DECIDED)
    skipped = captured.of(InvoiceFollowup.SKIPPED)
    assert [d.payload.invoice_id for d in decided] == ["100"]
    assert decided[0].payload.days_overdue == (factories.AS_OF - decided[0].payload.due_date).days
    assert [(s.payload.invoice_id, s.payload.reason) for s in skipped] == [("200", SkipReason.CONTACTED_RECENTLY)]
    assert {a.payload.step for a in captured.of(FOLLOWUP.audit)} == {"decide"}
    assert captured.of(ContractReview.CHUNKED) == []


async def test_an_email_sent_is_remembered_as_the_last_contact() -> None:
    contacts = FakeContactLog()
    kernel, router = _rules(contacts)
    executed = factories.action_executed(entity_id="131", status="executed", action="send_followup_email")
    async with running(kernel, router, [FOLLOWUP]):
        message = Envelope.start(executed, pipeline=FOLLOWUP.name, tenant="demo-co")
        await kernel.publisher.publish(FOLLOWUP.actions, message, key="131")
    assert contacts.contacted == {"131": executed.executed_at.date()}
