"""invoice_followup in the rules service: days overdue, dunning stage, skip reasons; contacts remembered."""

from __future__ import annotations

from dataclasses import dataclass

from faststream.kafka import KafkaRouter

from contracts.approval import ActionExecuted, ActionStatus
from contracts.envelope import Envelope
from contracts.invoice_followup import SPEC, FollowUpAction, FollowUpDue, InvoiceFollowup, InvoiceValidated
from services.rules.bootstrap import RulesDeps
from services.rules.pipelines.invoice_followup.adapters import RedisContactLog
from services.rules.pipelines.invoice_followup.domain import DunningPolicy, decide, parse_stage_starts
from services.rules.pipelines.invoice_followup.ports import ContactLog
from services.rules.pipelines.invoice_followup.settings import FollowUpRulesSettings
from shared.metrics import ITEMS_PROCESSED
from shared.parts import ServicePart


@dataclass
class FollowUpRulesPorts:
    contacts: ContactLog
    dunning: DunningPolicy


def build_ports(deps: RulesDeps) -> FollowUpRulesPorts:
    settings = FollowUpRulesSettings()
    policy = DunningPolicy(stages=parse_stage_starts(settings.stage_starts), cadence_days=settings.cadence_days)
    return FollowUpRulesPorts(RedisContactLog(deps.kernel.redis()), policy)


def subscribe(router: KafkaRouter, deps: RulesDeps, ports: FollowUpRulesPorts) -> None:
    kernel = deps.kernel

    @router.subscriber(InvoiceFollowup.VALIDATED, **kernel.subscriber_options(SPEC.name))
    async def on_invoice_validated(msg: Envelope[InvoiceValidated]) -> None:
        invoice = msg.payload
        last = await ports.contacts.last_contacted(msg.tenant, invoice.invoice_id)
        outcome = decide(invoice, last, ports.dunning)
        if isinstance(outcome, FollowUpDue):
            await kernel.publisher.publish(InvoiceFollowup.DECIDED, msg.follow(outcome), key=invoice.invoice_id)
            result = "follow_up"
        else:
            await kernel.publisher.publish(InvoiceFollowup.SKIPPED, msg.follow(outcome), key=invoice.invoice_id)
            result = f"skip:{outcome.reason.value}"
            ITEMS_PROCESSED.labels(SPEC.name, "skipped").inc()
        await kernel.audit.write(msg, "decide", result)

    @router.subscriber(SPEC.actions, **kernel.subscriber_options(SPEC.name, "contacts"))
    async def on_action_executed(msg: Envelope[ActionExecuted]) -> None:
        action = msg.payload
        sent = action.status in (ActionStatus.EXECUTED, ActionStatus.ALREADY_DONE)
        if action.action == FollowUpAction.SEND_FOLLOWUP_EMAIL and sent:
            await ports.contacts.record_contact(msg.tenant, action.entity_id, action.executed_at.date())


PART = ServicePart(build_ports, subscribe)
