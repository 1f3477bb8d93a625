"""Cash planning at the trust seam: one request per alert (a shortfall, a worse one, a recovery) to the role the
tenant's policy names; an approved (or auto-sent) one an email to each of that role's addresses, once. The
recommended actions are listed in it, never executed here. Pure."""

from __future__ import annotations

import html
from datetime import datetime
from decimal import Decimal

from contracts.approval import ApprovalDecided, ApprovalRequested, Decision
from contracts.cash_planning import SPEC, AlertKind, CashAction, CashApproval, CashExplained
from services.approval.domain import NEVER_AUTOMATED, LoadedPolicy, PlannedAction, new_request
from services.approval.flow import ApprovalPage
from shared.errors import PolicyRefused
from shared.idempotency import idempotency_key

_TITLE = {
    AlertKind.SHORTFALL: "Cash shortfall ahead",
    AlertKind.WORSENED: "Cash shortfall got worse",
    AlertKind.RECOVERED: "Cash recovered",
}


def headline(explained: CashExplained) -> str:
    p = explained.decided.projection
    kind = explained.decided.decision.kind or AlertKind.SHORTFALL
    s = p.shortfall
    if s is None:
        return f"{_TITLE[kind]}: lowest balance {p.currency} {p.verdict.lowest_balance} on {p.verdict.lowest_on}"
    cause = s.cause.value.replace("_", " ")
    return (
        f"{_TITLE[kind]}: below the {p.currency} {p.buffer.amount} buffer on {s.first_breach_on} ({cause}), "
        f"{p.currency} {s.shortfall} short at the lowest"
    )


def cash_request(explained: CashExplained, tenant: str, loaded: LoadedPolicy, now: datetime) -> ApprovalRequested:
    """One request per alert: the same projection alerted again (a redelivery) is the same request."""
    decided = explained.decided
    p, kind = decided.projection, decided.decision.kind or AlertKind.SHORTFALL
    s = p.shortfall
    rule = loaded.policy.for_pipeline(SPEC.name).actions.get(CashAction.SEND_CASH_ALERT)
    recipients = loaded.policy.approvers.get(rule.approver_role, ()) if rule else ()
    key = (p.realm_id, kind.value, p.as_of.isoformat(), str(s.first_breach_on) if s else "", str(p.verdict.shortfall))
    return new_request(
        pipeline=SPEC.name,
        action=CashAction.SEND_CASH_ALERT,
        entity_id=p.realm_id,
        amount=p.verdict.shortfall if s else Decimal("0.00"),
        currency=p.currency,
        summary=headline(explained),
        payload=CashApproval(explained=explained, recipients=tuple(recipients)),
        tenant=tenant,
        loaded=loaded,
        now=now,
        key=key,
    )


def approval_of(request: ApprovalRequested) -> CashApproval:
    if not isinstance(request.payload, CashApproval):
        raise PolicyRefused(f"request {request.request_id} is not a cash alert")
    return request.payload


def body(approval: CashApproval) -> str:
    explained = approval.explained
    lines = [explained.summary]
    recommended = explained.decided.recommended
    if recommended:
        lines += ["", "Recommended actions (nothing is done until you do it or approve a change request):"]
        lines += [f"- {a.detail}" for a in recommended]
    return "\n".join(lines)


def plan_actions(request: ApprovalRequested) -> tuple[PlannedAction, ...]:
    """One email per address of the role, each under its own key: a redelivered decision sends none twice."""
    if request.action in NEVER_AUTOMATED:
        raise PolicyRefused(f"{request.action} is never automated, even with an approval")
    approval = approval_of(request)
    action = CashAction.SEND_CASH_ALERT
    subject = request.summary
    return tuple(
        PlannedAction(action, idempotency_key(request.request_id, action, to), to=to, subject=subject,
                      body=body(approval))
        for to in approval.recipients
    )  # fmt: skip


def plan_decided(decided: ApprovalDecided) -> tuple[PlannedAction, ...]:
    return plan_actions(decided.request) if decided.decision is Decision.APPROVED else ()


def unexecuted_detail(decided: ApprovalDecided) -> str:
    approval = approval_of(decided.request)
    if decided.decision is Decision.APPROVED and not approval.recipients:
        return "the policy names no address for the alert's role: nothing sent"
    return f"{decided.reason}; would tell {', '.join(approval.recipients) or 'nobody'}: {decided.request.summary}"


def page(request: ApprovalRequested) -> ApprovalPage:
    approval = approval_of(request)
    explained = approval.explained
    actions = "".join(f"<li>{html.escape(a.detail)}</li>" for a in explained.decided.recommended)
    shown = f"<p>{html.escape(explained.summary)}</p>"
    if actions:
        shown += f"<h3>Recommended actions</h3><ul>{actions}</ul>"
    fields = {
        "summary": explained.summary,
        "cause": explained.decided.projection.shortfall.cause.value if explained.decided.projection.shortfall else None,
        "recommended": [a.detail for a in explained.decided.recommended],
    }
    return ApprovalPage("Cash alert", shown, fields)
