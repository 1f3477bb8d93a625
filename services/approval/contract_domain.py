"""Contract review at the trust seam: one review request per deal, and the one write it leads to. Pure.

A contract review is always decided by a person: policy picks the reviewer role; a route to auto-approval is
turned into a human review. The only side effect is a note on the CRM deal recording the summary and the
reviewer's decision; nothing the contract says can add another.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from contracts.approval import ActionKind, ApprovalDecided, ApprovalRequested, Decision, Route
from contracts.contract_review import ContractReviewSummary, ContractTerms
from contracts.envelope import Pipeline
from services.approval.domain import LoadedPolicy, PlannedAction, route
from shared.errors import PolicyRefused
from shared.idempotency import idempotency_key

MAX_NOTE_CHARS = 60_000


def contract_review_request(
    review: ContractReviewSummary, tenant: str, pipeline: Pipeline, loaded: LoadedPolicy, now: datetime
) -> ApprovalRequested:
    """One request per deal: a redelivered or repeated closed-won event asks for nothing new."""
    meta = review.meta
    action = ActionKind.REVIEW_CONTRACT
    amount = meta.annual_fees or Decimal("0.00")
    chosen, role = route(loaded.policy, pipeline, action, amount)
    if chosen is Route.AUTO:
        chosen, role = Route.HUMAN, loaded.policy.for_pipeline(pipeline).actions[action].approver_role
    ttl = timedelta(hours=loaded.policy.for_pipeline(pipeline).link_ttl_hours)
    return ApprovalRequested(
        request_id=idempotency_key(tenant, pipeline.value, action.value, meta.deal_id),
        action=action,
        entity_id=meta.deal_id,
        amount=amount,
        currency=meta.currency,
        route=chosen,
        approver_role=role,
        requested_by=f"seamline:{pipeline.value}",
        policy_version=loaded.policy.version,
        policy_hash=loaded.sha256,
        summary=review.summary,
        review=review,
        expires_at=now + ttl,
    )


def _term_lines(terms: ContractTerms) -> list[str]:
    lines = []
    for name, cited in terms:
        if cited is not None:
            lines.append(f'- {name}: {cited.value} [{cited.citation.chunk_id}: "{cited.citation.quote[:160]}"]')
    return lines


def review_note(decided: ApprovalDecided) -> str:
    review = decided.request.review
    if review is None:
        raise PolicyRefused("a contract review decision without its review")
    verb = "approved" if decided.decision is Decision.APPROVED else "rejected"
    lines = [
        f"Contract review {verb} by {decided.decided_by}: {decided.reason or 'no comment'}",
        review.summary,
        f"Document {review.meta.document_id} (sha256 {review.meta.sha256[:12]}), baseline {review.baseline_version}.",
        "Departures from the baseline:",
        *(
            f"- [{a.severity.value}] {a.field}: found {a.found}; baseline {a.baseline}"
            + (f' [{a.citation.chunk_id}: "{a.citation.quote[:160]}"]' if a.citation else "")
            for a in review.anomalies
        ),
        *([] if review.anomalies else ["- none"]),
        "Key dates: "
        + (", ".join(f"{k} {v.isoformat()}" for k, v in review.dates if v is not None) or "none computed"),
        "Extracted terms:",
        *_term_lines(review.terms),
        "Structured summary for a human reviewer; not a legal opinion.",
    ]
    return "\n".join(lines)[:MAX_NOTE_CHARS]


def plan_contract_actions(decided: ApprovalDecided) -> tuple[PlannedAction, ...]:
    """A reviewer's decision (either way) becomes one note on the deal; no other write exists for this pipeline."""
    request = decided.request
    if request.action is not ActionKind.REVIEW_CONTRACT:
        raise PolicyRefused(f"{request.action.value} is not a contract review")
    if decided.decision not in (Decision.APPROVED, Decision.REJECTED):
        return ()
    key = idempotency_key(request.request_id, ActionKind.POST_CRM_NOTE.value)
    return (PlannedAction(ActionKind.POST_CRM_NOTE, key, body=review_note(decided), deal_id=request.entity_id),)
