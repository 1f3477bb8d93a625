"""The Slack message asking an approver to approve a bill (or verify a bank change). Pure: request in, Block Kit out."""

from __future__ import annotations

from typing import Any

from contracts.ap_matching import ApApproval
from contracts.approval import ApprovalRequested
from services.notifier.domain import MAX_TEXT, approver_actions
from shared.errors import ContractInvalid

MAX_EXCEPTIONS_SHOWN = 8


def approval_message(request: ApprovalRequested, tenant: str) -> dict[str, Any]:
    if not isinstance(request.payload, ApApproval):
        carried = type(request.payload).__name__
        raise ContractInvalid(f"an AP approval request carries {carried}, not the match", field="payload")
    explained = request.payload.explained
    facts = explained.facts
    title = f"Verify bank change: {facts.vendor_name}" if facts.held else f"Approve bill {facts.doc_number}"
    exceptions = [
        f"• {e.kind.value}"
        + (f" (line {e.line_id})" if e.line_id else "")
        + "".join(
            f", {label} {value}"
            for label, value in (("expected", e.expected), ("found", e.found), ("variance", e.variance))
            if value is not None
        )
        for e in facts.exceptions[:MAX_EXCEPTIONS_SHOWN]
    ]
    if len(facts.exceptions) > MAX_EXCEPTIONS_SHOWN:
        exceptions.append(f"… and {len(facts.exceptions) - MAX_EXCEPTIONS_SHOWN} more on the approval page")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": request.summary[:MAX_TEXT]}},
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*Bill total*\n{facts.currency} {facts.total}"},
                {"type": "mrkdwn", "text": f"*Purchase orders*\n{', '.join(facts.po_numbers) or 'none'}"},
                {"type": "mrkdwn", "text": f"*Match*\n{'three-way' if facts.three_way else 'two-way'}"},
                {"type": "mrkdwn", "text": f"*Outcome*\n{facts.outcome.value}"},
                {"type": "mrkdwn", "text": f"*Approver role*\n{request.approver_role}"},
                {"type": "mrkdwn", "text": f"*Expires*\n{request.expires_at:%Y-%m-%d %H:%M} UTC"},
            ],
        },
        {"type": "section", "text": {"type": "mrkdwn", "text": explained.summary[:MAX_TEXT]}},
    ]
    if exceptions:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(exceptions)[:MAX_TEXT]}})
    blocks += [
        approver_actions(request),
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": f"request `{request.request_id}` · policy {request.policy_version}"}
            ],
        },
    ]
    return {"text": f"Approval needed ({tenant}): {request.summary}"[:MAX_TEXT], "blocks": blocks}
