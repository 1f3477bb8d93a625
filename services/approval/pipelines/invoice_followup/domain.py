"""Invoice follow-up at the trust seam: one request per invoice, stage and scan date; an approved one becomes an
email to the customer and a note on the CRM recording it. Pure."""

from __future__ import annotations

import html
from datetime import datetime

from contracts.approval import ApprovalDecided, ApprovalRequested, Decision
from contracts.invoice_followup import SPEC, FollowUpAction, FollowUpApproval, FollowUpDrafted
from services.approval.domain import NEVER_AUTOMATED, LoadedPolicy, PlannedAction, new_request
from services.approval.flow import ApprovalPage
from shared.errors import PolicyRefused
from shared.idempotency import idempotency_key


def followup_request(drafted: FollowUpDrafted, tenant: str, loaded: LoadedPolicy, now: datetime) -> ApprovalRequested:
    """One request per invoice, stage and scan date: a rerun of the same scan asks again for nothing."""
    facts = drafted.facts
    return new_request(
        pipeline=SPEC.name,
        action=FollowUpAction.SEND_FOLLOWUP_EMAIL,
        entity_id=facts.invoice_id,
        amount=facts.amount_due,
        currency=facts.currency,
        summary=(
            f"Send the {facts.stage.value} follow-up to {facts.customer_name} <{facts.customer_email}> for invoice "
            f"{facts.invoice_number}: {facts.currency} {facts.amount_due}, {_days(facts.days_overdue)} overdue."
        ),
        payload=FollowUpApproval(draft=drafted),
        tenant=tenant,
        loaded=loaded,
        now=now,
        key=(facts.invoice_id, facts.as_of.isoformat()),
    )


def draft_of(request: ApprovalRequested) -> FollowUpDrafted:
    if not isinstance(request.payload, FollowUpApproval):
        raise PolicyRefused(f"request {request.request_id} is not an invoice follow-up")
    return request.payload.draft


def plan_actions(request: ApprovalRequested) -> tuple[PlannedAction, ...]:
    """An approved follow-up is one email to the customer and one CRM note recording it."""
    if request.action in NEVER_AUTOMATED:
        raise PolicyRefused(f"{request.action} is never automated, even with an approval")
    draft = draft_of(request)
    facts = draft.facts
    note = (
        f"Follow-up ({facts.stage.value}) sent to {facts.customer_email} for invoice {facts.invoice_number}: "
        f"{facts.currency} {facts.amount_due}, {_days(facts.days_overdue)} overdue. Subject: {draft.subject}"
    )
    email, crm_note = FollowUpAction.SEND_FOLLOWUP_EMAIL, FollowUpAction.POST_CRM_NOTE
    return (
        PlannedAction(
            email, idempotency_key(request.request_id, email), to=facts.customer_email, subject=draft.subject,
            body=draft.body,
        ),
        PlannedAction(crm_note, idempotency_key(request.request_id, crm_note), body=note),
    )  # fmt: skip


def plan_decided(decided: ApprovalDecided) -> tuple[PlannedAction, ...]:
    return plan_actions(decided.request) if decided.decision is Decision.APPROVED else ()


def unexecuted_detail(decided: ApprovalDecided) -> str:
    draft = draft_of(decided.request)
    return f"{decided.reason}; would send to {draft.facts.customer_email}: {draft.subject}"


def page(request: ApprovalRequested) -> ApprovalPage:
    draft = draft_of(request)
    body = f"<h2>{html.escape(draft.subject)}</h2><pre>{html.escape(draft.body)}</pre>"
    return ApprovalPage("Approve this follow-up?", body, {"subject": draft.subject, "body": draft.body})


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"
