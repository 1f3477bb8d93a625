"""Slack Block Kit messages for approvers and operators. Pure: contracts in, JSON-ready dicts out."""

from __future__ import annotations

from typing import Any

from contracts import deadletter as dl
from contracts.alerts import OperatorAlert
from contracts.approval import ApprovalRequested
from contracts.envelope import Pipeline

MAX_TEXT = 2900  # Slack caps a section's text at 3000 characters


def _quote(text: str) -> str:
    return "\n".join(f">{line}" for line in text[:MAX_TEXT].splitlines())


def approval_message(request: ApprovalRequested, tenant: str) -> dict[str, Any]:
    draft = request.draft
    if draft is None:
        raise ValueError("a follow-up approval message needs the draft")
    facts = draft.facts
    buttons = [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": f"Review as {link.approver}"[:75]},
            "url": link.url,
            "style": "primary",
        }
        for link in request.links
    ]
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
            {"type": "actions", "elements": buttons[:25]},
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": f"request `{request.request_id}` · policy {request.policy_version}"}
                ],
            },
        ],
    }


def dead_letter_alert(headers: dict[str, str], topic: str, partition: int, offset: int) -> dict[str, Any]:
    error = headers.get(dl.ERROR_TYPE, "unknown")
    field = headers.get(dl.ERROR_FIELD, "")
    lines = [
        f"*{error}*: {headers.get(dl.ERROR_MESSAGE, '')}"[:MAX_TEXT],
        f"service `{headers.get(dl.SERVICE, '?')}` · source `{headers.get(dl.SOURCE_TOPIC, '?')}`"
        f" partition {headers.get(dl.SOURCE_PARTITION, '?')} offset {headers.get(dl.SOURCE_OFFSET, '?')}"
        f" · attempts {headers.get(dl.ATTEMPTS, '?')}",
        f"correlation id `{headers.get(dl.CORRELATION_ID, '')}`" + (f" · field `{field}`" if field else ""),
        f"Inspect: `seamline deadletters show {topic}:{partition}:{offset}` · replay after a fix:"
        f" `seamline deadletters replay {topic}:{partition}:{offset}`",
    ]
    return {
        "text": f"Dead letter on {topic}: {error}",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": f"Dead letter: {topic}"[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}},
        ],
    }


def operator_alert(alert: OperatorAlert, pipeline: Pipeline) -> dict[str, Any]:
    return {
        "text": f"{pipeline.value}: {alert.message}",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": f"Alert: {alert.kind} ({pipeline.value})"[:150]}},
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"{alert.message}\nservice `{alert.service}`"[:MAX_TEXT]},
            },
        ],
    }
