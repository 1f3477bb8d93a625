"""The reviewer's view of a contract review on the approval page: summary, departures with quotes, key dates."""

from __future__ import annotations

import html

from contracts.approval import ApprovalRequested
from contracts.contract_review import ContractReviewSummary
from services.approval.flow import ApprovalPage
from services.approval.pipelines.contract_review.domain import review_of


def page(request: ApprovalRequested) -> ApprovalPage:
    review = review_of(request)
    return ApprovalPage("Record your contract review", review_html(review), {"review": review.model_dump(mode="json")})


def review_html(review: ContractReviewSummary) -> str:
    esc = html.escape
    anomalies = "".join(
        f"<li><b>{esc(a.severity.value)}</b> {esc(a.field)}: found {esc(a.found)}; baseline {esc(a.baseline)}"
        + (f"<br><q>{esc(a.citation.quote)}</q> ({esc(a.citation.chunk_id)})" if a.citation else "")
        + "</li>"
        for a in review.anomalies
    )
    terms = "".join(
        f"<tr><td>{esc(name)}</td><td>{esc(str(cited.value))}</td><td><q>{esc(cited.citation.quote)}</q> "
        f"({esc(cited.citation.chunk_id)})</td></tr>"
        for name, cited in review.terms
        if cited is not None
    )
    dates = "".join(f"<li>{esc(k)}: {v.isoformat()}</li>" for k, v in review.dates if v is not None)
    return (
        f"<h2>Departures from the baseline ({len(review.anomalies)})</h2><ul>{anomalies or '<li>none</li>'}</ul>"
        f"<h2>Key dates</h2><ul>{dates or '<li>none computed</li>'}</ul>"
        f"<h2>Extracted terms</h2><table>{terms}</table>"
        "<p>A structured summary for your review, not a legal opinion. Approve or reject records your decision "
        "and comment on the CRM deal.</p>"
    )
