"""ap_matching messages, in pipeline order: a vendor bill matched to its purchase orders (and receipts, where the
business records them), every variance computed by rules, the exceptions explained, the outcome approved by the
right person and recorded in QuickBooks. Money is Decimal with its currency; dates are dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final, Generic, Literal, TypeVar

from pydantic import Field

from contracts.approval import ApprovalPayload
from contracts.envelope import Contract
from contracts.pipeline import PipelineSpec, Topic

NAME: Final = "ap_matching"

JsonObject = dict[str, Any]
T = TypeVar("T")
DOCUMENT_MARK: Final = "seamline-document:"
"""In the PrivateNote of a bill read from a document (`seamline-document:<document_id>`), kept on the QuickBooks
bill created when it is approved: how that bill is known again."""


class BillSource(StrEnum):
    WEBHOOK = "webhook"
    CDC = "cdc"
    COMMAND = "command"
    BANK_VERIFIED = "bank_verified"
    """The bill was held for a bank change a person has since verified: matched again."""
    DOCUMENT = "document"
    """A vendor invoice uploaded as a document (PDF, DOCX, text): a draft bill, not yet in QuickBooks."""


class BillReceived(Contract):
    """Trigger: a bill was created or changed in QuickBooks (a webhook, the CDC catch-up or a command)."""

    realm_id: str
    bill_id: str
    source: BillSource
    event_id: str
    """The id the event arrived with (Intuit's, or the CDC position); duplicates of one event are dropped."""
    operation: str = "Create"


class BillDocumentReceived(Contract):
    """Trigger of the document path: a vendor invoice uploaded to the intake endpoint (or read from the AP
    mailbox), its bytes base64 exactly as received. `document_id` is derived from the content: the same file
    uploaded twice is one document."""

    realm_id: str
    document_id: str
    filename: str
    content_type: str
    size_bytes: int = Field(ge=0)
    sha256: str
    content_b64: str
    received_via: Literal["upload", "mailbox"] = "upload"
    submitted_by: str | None = None


class BillDocumentRead(Contract):
    """The document's text, read by deterministic code (pypdf, python-docx); offsets in citations refer to it."""

    realm_id: str
    document_id: str
    filename: str
    sha256: str
    kind: Literal["pdf", "docx", "text"]
    pages: int | None = None
    text: str


class SourceSpan(Contract):
    """Where a value was read: the exact quoted span of the document text and its offsets."""

    quote: str = Field(min_length=1)
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class Quoted(Contract, Generic[T]):
    value: T
    citation: SourceSpan


class ExtractedBillLine(Contract):
    description: Quoted[str]
    amount: Quoted[Decimal]
    quantity: Quoted[Decimal] | None = None
    unit_price: Quoted[Decimal] | None = None


class ExtractedBill(Contract):
    """Header and lines as read from the document; a value the document does not state is None. Every value
    carries its citation, checked verbatim against the text and parsed again from the quote."""

    vendor_name: Quoted[str] | None = None
    invoice_number: Quoted[str] | None = None
    invoice_date: Quoted[date] | None = None
    due_date: Quoted[date] | None = None
    po_numbers: tuple[Quoted[str], ...] = ()
    currency: Quoted[str] | None = None
    subtotal: Quoted[Decimal] | None = None
    tax: Quoted[Decimal] | None = None
    freight: Quoted[Decimal] | None = None
    total: Quoted[Decimal] | None = None
    lines: tuple[ExtractedBillLine, ...] = ()


class RejectedCitation(Contract):
    """A value the extractor offered whose quote is not in the text, or does not say the value."""

    field: str
    quote: str
    reason: str


class BillDocumentExtracted(Contract):
    realm_id: str
    document_id: str
    filename: str
    sha256: str
    extracted: ExtractedBill
    rejected: tuple[RejectedCitation, ...] = ()
    model: str
    prompt_id: str
    prompt_version: str
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: Decimal = Decimal("0")


class BillDocument(Contract):
    """Provenance of a bill read from a document, carried to the approver: the citations, and the QuickBooks
    bill that approving it creates (built by deterministic code from the cited values and the matched order)."""

    document_id: str
    filename: str
    sha256: str
    extracted: ExtractedBill
    draft: JsonObject
    """The Bill body POSTed to QuickBooks on approval (VendorRef, DocNumber, dates, lines linked to the order)."""


class RawBillFetched(Contract):
    """A bill exactly as QuickBooks returned it, with what the match needs; not yet trusted.

    `receipts` is None when the tenant records no receipts (the match is two-way), else the receiving log's
    entries for the bill's purchase orders (possibly none: nothing received yet)."""

    realm_id: str
    bill_id: str
    bill: JsonObject
    purchase_orders: list[JsonObject]
    vendor: JsonObject | None
    vendor_bills: list[JsonObject] = Field(default_factory=list)
    """Other bills of the same vendor (for duplicates and cumulative billing against the same orders)."""
    receipts: list[JsonObject] | None = None
    document: BillDocument | None = None
    """Set when the bill was read from a document: `bill` is then the draft, not a QuickBooks record."""
    source: BillSource = BillSource.WEBHOOK
    """What started this match (a bank change verified by a person: the bill was held, so it is not touchless)."""


class LineKind(StrEnum):
    GOODS = "goods"
    """An item or expense line matched to a purchase order line."""
    FREIGHT = "freight"
    TAX = "tax"


class BillLine(Contract):
    line_id: str
    kind: LineKind
    description: str
    amount: Decimal
    item_id: str | None = None
    account_id: str | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    po_id: str | None = None
    """The purchase order this line says it bills (QuickBooks LinkedTxn on the line), if any."""


class Bill(Contract):
    bill_id: str
    doc_number: str
    vendor_id: str
    txn_date: date
    due_date: date | None
    currency: str
    total: Decimal
    lines: tuple[BillLine, ...]
    po_ids: tuple[str, ...]
    """Purchase orders the bill links to, on the header or on any line."""
    sync_token: str
    from_document: str | None = None
    """The document this QuickBooks bill was created from when a person approved it in Seamline, if it was."""


class PoLine(Contract):
    line_id: str
    description: str
    amount: Decimal
    kind: LineKind = LineKind.GOODS
    """GOODS or FREIGHT (a purchase order carries no tax line): a bill's freight is compared with the order's."""
    item_id: str | None = None
    account_id: str | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None


class PurchaseOrder(Contract):
    po_id: str
    doc_number: str
    vendor_id: str
    currency: str
    total: Decimal
    lines: tuple[PoLine, ...]
    status: str = "Open"


class BankDetails(Contract):
    """A vendor's payment account, as QuickBooks holds it (VendorPaymentBankDetail)."""

    account_name: str
    routing_number: str
    account_number: str

    @property
    def masked(self) -> str:
        return f"{self.account_name}, routing …{self.routing_number[-4:]}, account …{self.account_number[-4:]}"


class Vendor(Contract):
    vendor_id: str
    name: str
    email: str | None = None
    bank: BankDetails | None = None


class EarlierBill(Contract):
    """Another bill of the same vendor: its number, amount and date for duplicates, what it billed per order."""

    bill_id: str
    doc_number: str
    txn_date: date
    total: Decimal
    billed_per_po: dict[str, Decimal] = Field(default_factory=dict)
    billed_quantity: dict[str, Decimal] = Field(default_factory=dict)
    """Quantity billed per `<po_id>:<po_line_id>` (for three-way matches over several bills)."""


class ReceiptLine(Contract):
    """Goods received against one purchase order line, from the tenant's receiving log."""

    receipt_id: str
    po_id: str
    po_line_id: str
    quantity: Decimal
    received_on: date


class BillValidated(Contract):
    realm_id: str
    bill: Bill
    purchase_orders: tuple[PurchaseOrder, ...]
    vendor: Vendor
    earlier_bills: tuple[EarlierBill, ...] = ()
    receipts: tuple[ReceiptLine, ...] | None = None
    document: BillDocument | None = None
    source: BillSource = BillSource.WEBHOOK


class MatchOutcome(StrEnum):
    MATCHED = "matched"
    WITHIN_TOLERANCE = "within_tolerance"
    EXCEPTIONS = "exceptions"


class ExceptionKind(StrEnum):
    NO_PURCHASE_ORDER = "no_purchase_order"
    UNMATCHED_LINE = "unmatched_line"
    PRICE_VARIANCE = "price_variance"
    QUANTITY_VARIANCE = "quantity_variance"
    TOTAL_VARIANCE = "total_variance"
    OVER_RECEIVED = "billed_more_than_received"
    OVER_BILLED_PO = "billed_more_than_ordered"
    CURRENCY_MISMATCH = "currency_mismatch"
    VENDOR_MISMATCH = "vendor_mismatch"
    DUPLICATE = "duplicate"
    BANK_CHANGE = "bank_change"


class MatchException(Contract):
    """One departure, computed to the cent: what the order (or receipt) says, what the bill says, the difference."""

    kind: ExceptionKind
    detail: str
    line_id: str | None = None
    expected: Decimal | None = None
    found: Decimal | None = None
    variance: Decimal | None = None


class LineMatch(Contract):
    bill_line_id: str
    po_id: str | None
    po_line_id: str | None
    matched_by: Literal["item", "account", "description", "none", "charge"]
    quantity_variance: Decimal = Decimal("0")
    price_variance: Decimal = Decimal("0")
    amount_variance: Decimal = Decimal("0")
    within_tolerance: bool = True


class BankChange(Contract):
    vendor_id: str
    vendor_name: str
    previous: str
    """Masked: the last approved details."""
    current: str
    """Masked: the details on the vendor record now."""
    fingerprint: str
    """A hash of the new details, recorded as approved when a person verifies them."""


class BillMatched(Contract):
    """Rules' verdict on one bill; every figure was computed by rules, none by the LLM."""

    realm_id: str
    bill_id: str
    doc_number: str
    vendor_id: str
    vendor_name: str
    currency: str
    total: Decimal
    txn_date: date
    due_date: date | None
    sync_token: str
    po_numbers: tuple[str, ...]
    three_way: bool
    """True when receipts were checked; a two-way match says so to the approver."""
    outcome: MatchOutcome
    lines: tuple[LineMatch, ...]
    exceptions: tuple[MatchException, ...] = ()
    duplicate_of: str | None = None
    bank_change: BankChange | None = None
    document: BillDocument | None = None
    """Read from a document: approving it creates the bill in QuickBooks from `document.draft`."""
    from_document: str | None = None
    """A QuickBooks bill created from an approved document (that approval stands; it is not asked again)."""
    source: BillSource = BillSource.WEBHOOK

    @property
    def held(self) -> bool:
        """A bill with a bank change waits for a person to verify it; nothing approves or pays around it."""
        return self.bank_change is not None


class BillExplained(Contract):
    """The approver's summary of the match, written from the facts only and grounded, with what it cost."""

    facts: BillMatched
    summary: str
    prompt_id: str
    prompt_version: str
    model: str
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: Decimal = Decimal("0")


class BankDetailsVerified(Contract):
    """A person confirmed a vendor's new bank details with the vendor: they become the approved record, and the
    bill held for them is matched again."""

    realm_id: str
    bill_id: str | None
    """The bill held for the change, matched again once it is recorded; None for details approved when the
    vendor was onboarded."""
    vendor_id: str
    fingerprint: str
    masked: str
    verified_by: str
    request_id: str


class ApAction(StrEnum):
    APPROVE_BILL = "approve_bill"
    """Record the approval on the QuickBooks bill (a sparse update under the bill's SyncToken)."""
    PAY_BILL = "pay_bill"
    """A BillPayment for the approved amount, where the tenant turns payment on."""
    VERIFY_BANK_CHANGE = "verify_bank_change"
    """A person confirmed the vendor's new bank details with the vendor: they become the approved record.
    Seamline never writes bank details anywhere; a verified change only lets the held bill be matched again."""


class ApApproval(ApprovalPayload):
    """The approver reads the match: each variance, the route it took and the explanation of the exceptions."""

    pipeline: Literal["ap_matching"] = NAME
    explained: BillExplained
    pay_on_approval: bool = False
    """The tenant turned payment on (`pay_bill` in its policy): approving the bill also pays it, once."""


class ApMatching:
    """trigger -> raw -> validated -> matched -> explained, then approval (see SPEC); a verified bank change
    goes to bank_verified, where rules record it and match the held bill again. A vendor invoice uploaded as a
    document goes document -> document_read (validation reads the text) -> document_extracted (reasoning reads
    the values, each cited) -> raw (connectors resolve vendor and orders in QuickBooks), then as any bill."""

    TRIGGER: Final = Topic(NAME, "trigger", BillReceived)
    RAW: Final = Topic(NAME, "raw", RawBillFetched)
    VALIDATED: Final = Topic(NAME, "validated", BillValidated)
    MATCHED: Final = Topic(NAME, "matched", BillMatched)
    EXPLAINED: Final = Topic(NAME, "explained", BillExplained)
    BANK_VERIFIED: Final = Topic(NAME, "bank_verified", BankDetailsVerified)
    DOCUMENT: Final = Topic(NAME, "document", BillDocumentReceived)
    DOCUMENT_READ: Final = Topic(NAME, "document_read", BillDocumentRead)
    DOCUMENT_EXTRACTED: Final = Topic(NAME, "document_extracted", BillDocumentExtracted)


SPEC: Final = PipelineSpec(
    name=NAME,
    stages=(
        ApMatching.TRIGGER,
        ApMatching.RAW,
        ApMatching.VALIDATED,
        ApMatching.MATCHED,
        ApMatching.EXPLAINED,
        ApMatching.BANK_VERIFIED,
        ApMatching.DOCUMENT,
        ApMatching.DOCUMENT_READ,
        ApMatching.DOCUMENT_EXTRACTED,
    ),
    approval_source=ApMatching.EXPLAINED,
    action_kinds=frozenset(ApAction),
    approval_payload=ApApproval,
)
