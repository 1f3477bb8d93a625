"""The Slack message asking an approver to send a drafted follow-up. Pure: the request in, Block Kit out."""

from __future__ import annotations

from typing import Any

from contracts.approval import ApprovalRequested
from contracts.invoice_followup import FollowUpApproval
from services.notifier.domain import MAX_TEXT, approver_actions
from shared.errors import ContractInvalid


def _quote(text: str) -> str:
    return "\n".join(f">{line}" for line in text[:MAX_TEXT].splitlines())


def approval_message(request: ApprovalRequested, tenant: str) -> dict[str, Any]:
    if not isinstance(request.payload, FollowUpApproval):
        carried = type(request.payload).__name__
        raise ContractInvalid(f"a follow-up approval request carries {carried}, not the draft", field="payload")
    draft = request.payload.draft
    facts = draft.facts
    return {
        "text": f"Approval needed ({tenant}): {request.summary}",
        "blocks": [
            {
                "type": "header",
                "text": {"type": "plain_text", "text": f"Approval needed: invoice {facts.invoice_number}"},
            },
            {"type": "section", "text": {"type": "mrkdwn", "text": request.summary}},
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": f"*Amount due*\n{facts.currency} {facts.amount_due}"},
                    {"type": "mrkdwn", "text": f"*Due date*\n{facts.due_date.isoformat()}"},
                    {"type": "mrkdwn", "text": f"*Days overdue*\n{facts.days_overdue}"},
                    {"type": "mrkdwn", "text": f"*Stage*\n{facts.stage.value}"},
                    {"type": "mrkdwn", "text": f"*Approver role*\n{request.approver_role}"},
                    {"type": "mrkdwn", "text": f"*Expires*\n{request.expires_at:%Y-%m-%d %H:%M} UTC"},
                ],
            },
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"*{draft.subject}*\n{_quote(draft.body)}"[:MAX_TEXT],
                },
            },
            approver_actions(request),
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": f"request `{request.request_id}` · policy {request.policy_version}"}
                ],
            },
        ],
    }
