"""invoice_followup at the trust seam: drafted follow-ups become requests; approved ones an email and a CRM note."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from prometheus_client import Counter, Histogram

from contracts.approval import ActionExecuted, ActionStatus, ApprovalDecided
from contracts.envelope import Envelope
from contracts.invoice_followup import SPEC, FollowUpAction
from services.approval.bootstrap import ApprovalDeps
from services.approval.domain import PlannedAction
from services.approval.flow import ApprovalFlow
from services.approval.handlers import subscribe_flow
from services.approval.pipelines.invoice_followup.domain import followup_request, page, plan_decided, unexecuted_detail
from shared.parts import ServicePart

FOLLOWUP_CYCLE_TIME = Histogram(
    "seamline_followup_cycle_time_seconds",
    "From the scan that found the invoice to the follow-up email being sent",
    buckets=(1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600, 3 * 24 * 3600),
)
INVOICES_CHASED = Counter("seamline_invoices_chased_total", "Follow-up emails sent for overdue invoices")


def _count_chased(msg: Envelope[ApprovalDecided], results: Sequence[ActionExecuted]) -> None:
    email = FollowUpAction.SEND_FOLLOWUP_EMAIL
    if any(r.action == email and r.status is ActionStatus.EXECUTED for r in results):
        INVOICES_CHASED.inc()
        if msg.run_started_at is not None:
            FOLLOWUP_CYCLE_TIME.observe((datetime.now(UTC) - msg.run_started_at).total_seconds())


def build_flow(deps: ApprovalDeps) -> ApprovalFlow:
    async def send_email(planned: PlannedAction) -> str:
        return await deps.mailer.send(planned.to, planned.subject, planned.body, planned.key)

    async def post_note(planned: PlannedAction) -> str:
        return await deps.crm.add_note(planned.body, planned.key)

    return ApprovalFlow(
        pipeline=SPEC,
        request=followup_request,
        plan=plan_decided,
        unexecuted=unexecuted_detail,
        performers={FollowUpAction.SEND_FOLLOWUP_EMAIL: send_email, FollowUpAction.POST_CRM_NOTE: post_note},
        page=page,
        executed=_count_chased,
    )


PART = ServicePart(build_flow, subscribe_flow)
