"""contract_review messages, in pipeline order. Every extracted value carries the quote it was read from."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final, Generic, Literal, TypeVar

from pydantic import Field

from contracts.approval import ApprovalPayload
from contracts.envelope import Contract
from contracts.pipeline import PipelineSpec, Topic

NAME: Final = "contract_review"

JsonObject = dict[str, Any]
T = TypeVar("T")


class DealClosedWon(Contract):
    """A signed CRM webhook said this deal reached the won stage; `event_id` is the CRM's own id."""

    event_id: str
    portal_id: str
    deal_id: str
    stage: str
    occurred_on: date


class RawContractFetched(Contract):
    """The deal as the CRM returned it and the contract's bytes, base64, exactly as the document store served them.

    `content_b64` is None when the document was larger than the connector's cap (`size_bytes` says how large).
    """

    deal_id: str
    as_of: date
    deal: JsonObject
    document_id: str | None
    content_type: str | None = None
    filename: str | None = None
    size_bytes: int = 0
    content_b64: str | None = None


class DocumentKind(StrEnum):
    PDF = "pdf"
    DOCX = "docx"
    TEXT = "text"


class DocumentMeta(Contract):
    deal_id: str
    deal_name: str
    annual_fees: Decimal | None
    currency: str
    as_of: date
    document_id: str
    kind: DocumentKind
    sha256: str
    pages: int | None = None
    chars: int


class ContractDocumentValidated(Contract):
    """Metadata plus the document's text, extracted by deterministic code."""

    meta: DocumentMeta
    text: str


class ContractChunk(Contract):
    """One section of the contract; `start`/`end` are character offsets into the extracted text."""

    chunk_id: str
    heading: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str


class ContractChunked(Contract):
    meta: DocumentMeta
    chunks: tuple[ContractChunk, ...]


class Citation(Contract):
    """Where a value was read: the chunk, the exact quoted span, and its offsets in the document text."""

    chunk_id: str
    quote: str = Field(min_length=1)
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class Cited(Contract, Generic[T]):
    value: T
    citation: Citation


class ContractTerms(Contract):
    """Key terms as extracted; a term the contract does not state is None."""

    payment_net_days: Cited[int] | None = None
    late_fee: Cited[str] | None = None
    termination_for_cause: Cited[bool] | None = None
    termination_for_convenience: Cited[bool] | None = None
    termination_notice_days: Cited[int] | None = None
    liability_cap_amount: Cited[Decimal] | None = None
    liability_cap_multiple: Cited[Decimal] | None = None
    liability_uncapped: Cited[bool] | None = None
    liability_exclusions: Cited[str] | None = None
    auto_renewal: Cited[bool] | None = None
    renewal_term_months: Cited[int] | None = None
    renewal_notice_days: Cited[int] | None = None
    effective_date: Cited[date] | None = None
    initial_term_months: Cited[int] | None = None
    governing_law: Cited[str] | None = None


class RejectedValue(Contract):
    """A value the extractor offered whose citation could not be found verbatim in the cited chunk."""

    field: str
    chunk_id: str
    quote: str
    reason: str


class ContractTermsExtracted(Contract):
    meta: DocumentMeta
    terms: ContractTerms
    rejected: tuple[RejectedValue, ...] = ()
    chunks: int
    prompt_id: str
    prompt_version: str
    model: str
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: Decimal = Decimal("0")
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Anomaly(Contract):
    """A term that departs from the tenant's baseline template (or is missing where the baseline needs it)."""

    field: str
    found: str
    baseline: str
    severity: Severity
    citation: Citation | None = None


class KeyDates(Contract):
    term_end: date | None = None
    next_renewal_date: date | None = None
    notice_deadline: date | None = None
    """The last day to give notice of non-renewal before `next_renewal_date`."""


class ContractReviewSummary(Contract):
    """What a human reviewer sees: a structured summary, not a legal opinion."""

    meta: DocumentMeta
    terms: ContractTerms
    anomalies: tuple[Anomaly, ...]
    dates: KeyDates
    baseline_version: str
    rejected_citations: int = 0
    model: str
    summary: str


class ContractReviewAction(StrEnum):
    REVIEW_CONTRACT = "review_contract"
    POST_CRM_NOTE = "post_crm_note"


class ContractReviewApproval(ApprovalPayload):
    """The reviewer reads the structured review: departures with their quotes, key dates, extracted terms."""

    pipeline: Literal["contract_review"] = NAME
    review: ContractReviewSummary


class ContractReview:
    """trigger -> raw -> validated -> chunked -> extracted -> reviewed, then approval (see SPEC)."""

    TRIGGER: Final = Topic(NAME, "trigger", DealClosedWon)
    RAW: Final = Topic(NAME, "raw", RawContractFetched)
    VALIDATED: Final = Topic(NAME, "validated", ContractDocumentValidated)
    CHUNKED: Final = Topic(NAME, "chunked", ContractChunked)
    EXTRACTED: Final = Topic(NAME, "extracted", ContractTermsExtracted)
    REVIEWED: Final = Topic(NAME, "reviewed", ContractReviewSummary)


SPEC: Final = PipelineSpec(
    name=NAME,
    stages=(
        ContractReview.TRIGGER,
        ContractReview.RAW,
        ContractReview.VALIDATED,
        ContractReview.CHUNKED,
        ContractReview.EXTRACTED,
        ContractReview.REVIEWED,
    ),
    approval_source=ContractReview.REVIEWED,
    action_kinds=frozenset(ContractReviewAction),
    approval_payload=ContractReviewApproval,
    approval_legacy_field="review",
)
