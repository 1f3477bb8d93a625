"""invoice_followup messages, in pipeline order. Money is Decimal, dates are dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final, Literal

from pydantic import Field

from contracts.approval import ApprovalPayload
from contracts.envelope import Contract
from contracts.pipeline import PipelineSpec, Topic

NAME: Final = "invoice_followup"

JsonObject = dict[str, Any]


class FollowUpScanRequested(Contract):
    """Command: scan the tenant's books for overdue invoices as of a date."""

    realm_id: str
    as_of: date
    requested_by: str


class RawInvoiceFetched(Contract):
    """An invoice exactly as QuickBooks returned it, with its customer and payment history; not yet trusted."""

    realm_id: str
    as_of: date
    invoice_id: str
    invoice: JsonObject
    customer: JsonObject | None
    payments: list[JsonObject]
    settled_invoices: list[JsonObject] = Field(default_factory=list)


class PaymentRecord(Contract):
    """Money a payment applied to one invoice."""

    payment_id: str
    paid_on: date
    amount: Decimal
    invoice_ids: tuple[str, ...]


class CollectionStatus(StrEnum):
    NONE = "none"
    DISPUTED = "disputed"
    PROMISE_TO_PAY = "promise_to_pay"


class InvoiceValidated(Contract):
    realm_id: str
    as_of: date
    invoice_id: str
    invoice_number: str
    customer_id: str
    customer_name: str
    customer_email: str
    currency: str
    total_amount: Decimal
    balance: Decimal
    issued_on: date
    due_date: date
    collection_status: CollectionStatus = CollectionStatus.NONE
    promised_on: date | None = None
    payments: tuple[PaymentRecord, ...] = ()
    """Payments applied to this invoice."""
    customer_history: tuple[PastInvoice, ...] = ()


class PastInvoice(Contract):
    """A settled invoice of the same customer: when it was due and when it was paid."""

    invoice_id: str
    due_date: date
    paid_on: date


class DunningStage(StrEnum):
    GENTLE = "gentle"
    FIRM = "firm"
    FINAL = "final"
    ESCALATE = "escalate"


class SkipReason(StrEnum):
    NOT_YET_DUE = "not_yet_due"
    PAID_SINCE = "paid_since"
    DISPUTED = "disputed"
    PROMISE_PENDING = "promise_to_pay_pending"
    CONTACTED_RECENTLY = "contacted_within_cadence"


class FollowUpDue(Contract):
    """Rules decided this invoice needs a follow-up; every figure here was computed by rules."""

    invoice_id: str
    invoice_number: str
    customer_id: str
    customer_name: str
    customer_email: str
    currency: str
    amount_due: Decimal
    due_date: date
    as_of: date
    days_overdue: int = Field(ge=1)
    stage: DunningStage
    average_days_to_pay: Decimal | None
    late_invoices_paid: int
    broken_promise_on: date | None = None


class FollowUpSkipped(Contract):
    invoice_id: str
    invoice_number: str
    reason: SkipReason
    detail: str


class FollowUpDrafted(Contract):
    """A drafted email that passed the grounding check, with what it cost to write."""

    facts: FollowUpDue
    subject: str
    body: str
    prompt_id: str
    prompt_version: str
    model: str
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: Decimal = Decimal("0")


InvoiceValidated.model_rebuild()


class FollowUpAction(StrEnum):
    SEND_FOLLOWUP_EMAIL = "send_followup_email"
    POST_CRM_NOTE = "post_crm_note"


class FollowUpApproval(ApprovalPayload):
    """The approver reads the drafted email and the facts it was written from."""

    pipeline: Literal["invoice_followup"] = NAME
    draft: FollowUpDrafted


class InvoiceFollowup:
    """trigger -> raw -> validated -> decided|skipped -> drafted, then approval (see SPEC)."""

    TRIGGER: Final = Topic(NAME, "trigger", FollowUpScanRequested)
    RAW: Final = Topic(NAME, "raw", RawInvoiceFetched)
    VALIDATED: Final = Topic(NAME, "validated", InvoiceValidated)
    DECIDED: Final = Topic(NAME, "decided", FollowUpDue)
    SKIPPED: Final = Topic(NAME, "skipped", FollowUpSkipped)
    DRAFTED: Final = Topic(NAME, "drafted", FollowUpDrafted)


SPEC: Final = PipelineSpec(
    name=NAME,
    stages=(
        InvoiceFollowup.TRIGGER,
        InvoiceFollowup.RAW,
        InvoiceFollowup.VALIDATED,
        InvoiceFollowup.DECIDED,
        InvoiceFollowup.SKIPPED,
        InvoiceFollowup.DRAFTED,
    ),
    approval_source=InvoiceFollowup.DRAFTED,
    action_kinds=frozenset(FollowUpAction),
    approval_payload=FollowUpApproval,
    approval_legacy_field="draft",
)
