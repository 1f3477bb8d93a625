"""Invoice follow-up drafting: what the drafter may see and the grounding check every draft must pass. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from contracts.invoice_followup import FollowUpDue
from services.reasoning.llm import TokenUsage
from shared.errors import DraftRefused


@dataclass(frozen=True)
class Draft:
    """A drafted email and what writing it used."""

    subject: str
    body: str
    model: str
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0

    @classmethod
    def written(cls, subject: str, body: str, usage: TokenUsage) -> Draft:
        return cls(
            subject,
            body,
            usage.model,
            usage.input_tokens,
            usage.output_tokens,
            usage.cache_read_tokens,
            usage.cache_write_tokens,
        )

    @property
    def usage(self) -> TokenUsage:
        return TokenUsage(
            self.model, self.input_tokens, self.output_tokens, self.cache_read_tokens, self.cache_write_tokens
        )


def prompt_facts(due: FollowUpDue, sender_name: str) -> dict[str, str | int | None]:
    """Only the fields a follow-up needs: no email address, no customer id, no payment rows."""
    return {
        "invoice_number": due.invoice_number,
        "customer_name": due.customer_name,
        "amount_due": str(due.amount_due),
        "currency": due.currency,
        "due_date": due.due_date.isoformat(),
        "days_overdue": due.days_overdue,
        "stage": due.stage.value,
        "average_days_to_pay": None if due.average_days_to_pay is None else str(due.average_days_to_pay),
        "broken_promise_date": due.broken_promise_on.isoformat() if due.broken_promise_on else None,
        "sender_name": sender_name,
    }


_DATE_WORDS = re.compile(
    r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}\b"
)
_ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_NUMBER = re.compile(r"(?<![\w.])[-+]?\d[\d,]*(?:\.\d+)?%?")


def _as_decimal(token: str) -> Decimal | None:
    try:
        return Decimal(token.rstrip("%").replace(",", ""))
    except InvalidOperation:
        return None


def _mask(text: str, token: str) -> tuple[str, bool]:
    """Blank out `token` where it stands alone, not where it is part of a larger figure or word."""
    pattern = re.compile(rf"(?<![\w.,]){re.escape(token)}(?![\w]|[.,]\d)")
    masked, count = pattern.subn(" ", text)
    return masked, count > 0


def check_grounding(text: str, due: FollowUpDue, sender_name: str) -> None:
    """Every figure in the draft must be one of the facts, and the invoice number and amount must appear.

    Dates are compared as dates (ISO or "March 5, 2026"), numbers as Decimals; anything else is refused.
    """
    allowed_dates = {due.due_date, due.as_of} | ({due.broken_promise_on} if due.broken_promise_on else set())
    allowed_numbers = {due.amount_due, Decimal(due.days_overdue), Decimal(due.late_invoices_paid)}
    if due.average_days_to_pay is not None:
        allowed_numbers.add(due.average_days_to_pay)
    masked, mentioned = _mask(text, due.invoice_number)
    if not mentioned:
        raise DraftRefused(f"draft does not mention invoice {due.invoice_number}")
    for name in (due.customer_name, sender_name):
        masked, _ = _mask(masked, name)
    for match in _DATE_WORDS.finditer(masked):
        cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", match.group()).replace(",", " ").replace(".", " ")
        if _parse_words_date(cleaned) not in allowed_dates:
            raise DraftRefused(f"draft names a date that is not a fact: {match.group()!r}")
    masked = _DATE_WORDS.sub(" ", masked)
    for match in _ISO_DATE.finditer(masked):
        try:
            named = date.fromisoformat(match.group())
        except ValueError:
            raise DraftRefused(f"draft names an impossible date: {match.group()!r}") from None
        if named not in allowed_dates:
            raise DraftRefused(f"draft names a date that is not a fact: {match.group()!r}")
    masked = _ISO_DATE.sub(" ", masked)
    amounts_seen = set()
    for match in _NUMBER.finditer(masked):
        value = _as_decimal(match.group())
        if value is None or value not in allowed_numbers:
            raise DraftRefused(f"draft names a figure that is not a fact: {match.group()!r}")
        amounts_seen.add(value)
    if due.amount_due not in amounts_seen:
        raise DraftRefused(f"draft does not state the amount due {due.amount_due}")


def _parse_words_date(text: str) -> date | None:
    parts = text.split()
    for fmt in ("%B %d %Y", "%b %d %Y", "%b %d %Y"):
        try:
            return datetime.strptime(" ".join(parts), fmt).date()  # noqa: DTZ007 - a calendar date, no zone
        except ValueError:
            continue
    return None
