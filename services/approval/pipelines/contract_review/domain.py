"""Contract review at the trust seam: one review request per deal, and the one write it leads to. Pure.

A contract review is always decided by a person: policy picks the reviewer role; a route to auto-approval is
turned into a human review. The only side effect is a note on the CRM deal recording the summary and the
reviewer's decision; nothing the contract says can add another.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from contracts.approval import ApprovalDecided, ApprovalRequested, Decision
from contracts.contract_review import (
    SPEC,
    ContractReviewAction,
    ContractReviewApproval,
    ContractReviewSummary,
    ContractTerms,
)
from services.approval.domain import LoadedPolicy, PlannedAction, new_request
from shared.errors import PolicyRefused
from shared.idempotency import idempotency_key

MAX_NOTE_CHARS = 60_000


def contract_review_request(
    review: ContractReviewSummary, tenant: str, loaded: LoadedPolicy, now: datetime
) -> ApprovalRequested:
    """One request per deal: a redelivered or repeated closed-won event asks for nothing new."""
    meta = review.meta
    return new_request(
        pipeline=SPEC.name,
        action=ContractReviewAction.REVIEW_CONTRACT,
        entity_id=meta.deal_id,
        amount=meta.annual_fees or Decimal("0.00"),
        currency=meta.currency,
        summary=review.summary,
        payload=ContractReviewApproval(review=review),
        tenant=tenant,
        loaded=loaded,
        now=now,
        key=(meta.deal_id,),
        always_human=True,
    )


def review_of(request: ApprovalRequested) -> ContractReviewSummary:
    if not isinstance(request.payload, ContractReviewApproval):
        raise PolicyRefused(f"request {request.request_id} is not a contract review")
    return request.payload.review


def _term_lines(terms: ContractTerms) -> list[str]:
    lines = []
    for name, cited in terms:
        if cited is not None:
            lines.append(f'- {name}: {cited.value} [{cited.citation.chunk_id}: "{cited.citation.quote[:160]}"]')
    return lines


def review_note(decided: ApprovalDecided) -> str:
    review = review_of(decided.request)
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
    if request.action != ContractReviewAction.REVIEW_CONTRACT:
        raise PolicyRefused(f"{request.action} is not a contract review")
    if decided.decision not in (Decision.APPROVED, Decision.REJECTED):
        return ()
    note = ContractReviewAction.POST_CRM_NOTE
    key = idempotency_key(request.request_id, note)
    return (PlannedAction(note, key, body=review_note(decided), deal_id=request.entity_id),)


def unexecuted_detail(decided: ApprovalDecided) -> str:
    return f"{decided.reason}; review of deal {decided.request.entity_id} recorded, nothing written"
