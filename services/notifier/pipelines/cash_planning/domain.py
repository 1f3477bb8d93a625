"""The owner's Slack message for a cash alert: the summary, the cause with its figures, the recommended actions
(listed, never executed), and Approve / Reject where the policy asks the owner before the alert is emailed. Pure."""

from __future__ import annotations

from typing import Any

from contracts.approval import ApprovalRequested, Route
from contracts.cash_planning import AlertKind, CashApproval
from services.notifier.domain import MAX_TEXT, approver_actions
from shared.errors import ContractInvalid

_TITLE = {
    AlertKind.SHORTFALL: "Cash shortfall ahead",
    AlertKind.WORSENED: "Cash shortfall got worse",
    AlertKind.RECOVERED: "Cash is back above the buffer",
}


def alert_message(request: ApprovalRequested, tenant: str) -> dict[str, Any]:
    if not isinstance(request.payload, CashApproval):
        carried = type(request.payload).__name__
        raise ContractInvalid(f"a cash alert request carries {carried}, not the projection", field="payload")
    explained = request.payload.explained
    decided = explained.decided
    p, kind = decided.projection, decided.decision.kind or AlertKind.SHORTFALL
    s, cur = p.shortfall, p.currency
    fields = [
        {"type": "mrkdwn", "text": f"*Buffer*\n{cur} {p.buffer.amount}"},
        {"type": "mrkdwn", "text": f"*Lowest balance*\n{cur} {p.verdict.lowest_balance} on {p.verdict.lowest_on}"},
    ]
    if s is not None:
        fields += [
            {"type": "mrkdwn", "text": f"*Cause*\n{s.cause.value.replace('_', ' ')}"},
            {"type": "mrkdwn", "text": f"*First short day*\n{s.first_breach_on} ({s.days_to_breach} days)"},
            {"type": "mrkdwn", "text": f"*Shortfall*\n{cur} {s.shortfall}"},
            {"type": "mrkdwn", "text": f"*Back at the buffer*\n{s.recovers_on or 'not within the horizon'}"},
        ]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _TITLE[kind]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": explained.summary[:MAX_TEXT]}},
        {"type": "section", "fields": fields},
    ]
    if decided.recommended:
        listed = "\n".join(f"• {a.detail}" for a in decided.recommended)
        text = f"*Recommended actions* (listed, not done)\n{listed}"[:MAX_TEXT]
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    if request.route is Route.HUMAN:
        blocks.append(approver_actions(request))
    context = (
        f"{p.as_of} to {p.horizon_end} · request `{request.request_id}` · policy {request.policy_version} · "
        f"{request.route.value}"
    )
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": context}]})
    return {"text": f"{_TITLE[kind]} ({tenant}): {request.summary}"[:MAX_TEXT], "blocks": blocks}
