"""Invoice follow-up rules: days overdue, dunning stage, payment behaviour and skip reasons. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from contracts.invoice_followup import (
    CollectionStatus,
    DunningStage,
    FollowUpDue,
    FollowUpSkipped,
    InvoiceValidated,
    PastInvoice,
    SkipReason,
)

TENTH = Decimal("0.1")


@dataclass(frozen=True)
class DunningPolicy:
    """`stages` maps the first overdue day of each stage to the stage, in increasing order."""

    stages: tuple[tuple[int, DunningStage], ...] = (
        (1, DunningStage.GENTLE),
        (8, DunningStage.FIRM),
        (31, DunningStage.FINAL),
        (61, DunningStage.ESCALATE),
    )
    cadence_days: int = 7

    def __post_init__(self) -> None:
        starts = [start for start, _ in self.stages]
        if not starts or starts[0] != 1 or starts != sorted(set(starts)):
            raise ValueError("stages must start at day 1 and increase strictly")


def parse_stage_starts(text: str) -> tuple[tuple[int, DunningStage], ...]:
    """`1:gentle,8:firm,...` as the settings write it: the first overdue day of each stage."""
    stages = []
    for item in text.split(","):
        start, name = item.split(":")
        stages.append((int(start), DunningStage(name.strip())))
    return tuple(stages)


def days_overdue(due_date: date, as_of: date) -> int:
    """Whole days past the due date; 0 on or before it."""
    return max(0, (as_of - due_date).days)


def dunning_stage(days: int, policy: DunningPolicy) -> DunningStage:
    if days < 1:
        raise ValueError("an invoice that is not overdue has no dunning stage")
    return [stage for start, stage in policy.stages if start <= days][-1]


def average_days_to_pay(history: Sequence[PastInvoice]) -> Decimal | None:
    """Mean days from due date to payment over settled invoices (negative = paid early), to 0.1 day."""
    if not history:
        return None
    total = sum((Decimal((h.paid_on - h.due_date).days) for h in history), Decimal(0))
    return (total / len(history)).quantize(TENTH)


def amount_paid(invoice: InvoiceValidated) -> Decimal:
    return sum((p.amount for p in invoice.payments), Decimal("0.00"))


def decide(
    invoice: InvoiceValidated, last_contacted: date | None, policy: DunningPolicy
) -> FollowUpDue | FollowUpSkipped:
    """Skip when paid, not due, disputed, promised or contacted recently; otherwise the facts of a follow-up."""

    def skip(reason: SkipReason, detail: str) -> FollowUpSkipped:
        return FollowUpSkipped(
            invoice_id=invoice.invoice_id, invoice_number=invoice.invoice_number, reason=reason, detail=detail
        )

    # QuickBooks' Balance normally has applied payments taken off already; a payment recorded after the invoice
    # was last updated may not be, so what is due is the smaller of the two readings.
    paid = amount_paid(invoice)
    if invoice.balance <= 0 or paid >= invoice.total_amount:
        return skip(SkipReason.PAID_SINCE, f"payments applied {paid} of {invoice.total_amount}")
    days = days_overdue(invoice.due_date, invoice.as_of)
    if days < 1:
        return skip(SkipReason.NOT_YET_DUE, f"due {invoice.due_date.isoformat()}")
    if invoice.collection_status is CollectionStatus.DISPUTED:
        return skip(SkipReason.DISPUTED, "marked disputed in QuickBooks")
    broken_promise = None
    if invoice.collection_status is CollectionStatus.PROMISE_TO_PAY and invoice.promised_on is not None:
        if invoice.promised_on >= invoice.as_of:
            return skip(SkipReason.PROMISE_PENDING, f"promised for {invoice.promised_on.isoformat()}")
        broken_promise = invoice.promised_on
    if last_contacted is not None and (invoice.as_of - last_contacted).days < policy.cadence_days:
        return skip(SkipReason.CONTACTED_RECENTLY, f"last contacted {last_contacted.isoformat()}")
    history = invoice.customer_history
    return FollowUpDue(
        invoice_id=invoice.invoice_id,
        invoice_number=invoice.invoice_number,
        customer_id=invoice.customer_id,
        customer_name=invoice.customer_name,
        customer_email=invoice.customer_email,
        currency=invoice.currency,
        amount_due=min(invoice.balance, invoice.total_amount - paid),
        due_date=invoice.due_date,
        as_of=invoice.as_of,
        days_overdue=days,
        stage=dunning_stage(days, policy),
        average_days_to_pay=average_days_to_pay(history),
        late_invoices_paid=sum(1 for h in history if h.paid_on > h.due_date),
        broken_promise_on=broken_promise,
    )
