"""The Slack message asking a contract reviewer to look at a contract. Pure: the request in, Block Kit out."""

from __future__ import annotations

from typing import Any

from contracts.approval import ApprovalRequested
from contracts.contract_review import ContractReviewApproval, ContractReviewSummary
from services.notifier.domain import MAX_TEXT, approver_actions
from shared.errors import ContractInvalid

MAX_ANOMALIES = 10


def _quote(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _anomaly_blocks(review: ContractReviewSummary) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for a in review.anomalies[:MAX_ANOMALIES]:
        text = f"*{a.field}* ({a.severity.value}): found {a.found}; baseline {a.baseline}"
        if a.citation:
            text += f"\n>{_quote(a.citation.quote)} _({a.citation.chunk_id})_"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:MAX_TEXT]}})
    if len(review.anomalies) > MAX_ANOMALIES:
        more = len(review.anomalies) - MAX_ANOMALIES
        more_text: dict[str, Any] = {"type": "mrkdwn", "text": f"and {more} more on the page"}
        blocks.append({"type": "context", "elements": [more_text]})
    return blocks


def contract_review_message(request: ApprovalRequested, tenant: str) -> dict[str, Any]:
    if not isinstance(request.payload, ContractReviewApproval):
        carried = type(request.payload).__name__
        raise ContractInvalid(f"a contract review request carries {carried}, not the review", field="payload")
    review = request.payload.review
    meta, terms, dates = review.meta, review.terms, review.dates
    fields = [
        ("Deal", f"{meta.deal_name} ({meta.deal_id})"),
        (
            "Annual fees",
            f"{meta.currency} {meta.annual_fees}" if meta.annual_fees is not None else "not stated",
        ),
        ("Payment terms", f"net {terms.payment_net_days.value}" if terms.payment_net_days else "not stated"),
        ("Governing law", terms.governing_law.value if terms.governing_law else "not stated"),
        ("Next renewal", dates.next_renewal_date.isoformat() if dates.next_renewal_date else "none"),
        ("Notice by", dates.notice_deadline.isoformat() if dates.notice_deadline else "none"),
        ("Reviewer role", request.approver_role or "-"),
        ("Expires", f"{request.expires_at:%Y-%m-%d %H:%M} UTC"),
    ]
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": f"Contract review: {meta.deal_name}"[:150]},
        },
        {"type": "section", "text": {"type": "mrkdwn", "text": request.summary[:MAX_TEXT]}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{v}"} for k, v in fields]},
        {"type": "divider"},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"*Departures from the baseline* ({len(review.anomalies)})"},
        },
        *_anomaly_blocks(review),
    ]
    blocks.append(approver_actions(request))
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"request `{request.request_id}` · baseline {review.baseline_version} · extracted by "
                    f"{review.model} · a structured summary, not a legal opinion",
                }
            ],
        }
    )
    return {"text": f"Contract review needed ({tenant}): {request.summary}"[:MAX_TEXT], "blocks": blocks}
