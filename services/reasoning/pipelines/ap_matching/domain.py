"""AP matching in the reasoning service: what the explainer may see, the wording used when no LLM is needed, and
the grounding check every explanation must pass. Pure.

Only bills with exceptions are explained by the LLM; a matched bill, or one within tolerance, is stated by a fixed
sentence built from the facts."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from contracts.ap_matching import BillMatched, MatchOutcome
from shared.errors import DraftRefused

_NUMBER = re.compile(r"(?<![\w.])[-+]?\d[\d,]*(?:\.\d+)?%?")
_ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def needs_llm(facts: BillMatched) -> bool:
    return facts.outcome is MatchOutcome.EXCEPTIONS


def prompt_facts(facts: BillMatched) -> dict[str, Any]:
    """The facts the explainer sees: figures as strings exactly as rules computed them."""
    return {
        "bill_number": facts.doc_number,
        "vendor": facts.vendor_name,
        "currency": facts.currency,
        "bill_total": str(facts.total),
        "purchase_orders": list(facts.po_numbers),
        "match": "three-way (receipts checked)" if facts.three_way else "two-way (no receipts recorded)",
        "outcome": facts.outcome.value,
        "exceptions": [
            {
                "kind": e.kind.value,
                "line": e.line_id,
                "expected": None if e.expected is None else str(e.expected),
                "found": None if e.found is None else str(e.found),
                "variance": None if e.variance is None else str(e.variance),
                "detail": e.detail,
            }
            for e in facts.exceptions
        ],
        "bank_change": None
        if facts.bank_change is None
        else {"previous": facts.bank_change.previous, "current": facts.bank_change.current},
    }


def fixed_summary(facts: BillMatched) -> str:
    """The sentence for a bill that needs no explanation, or the fallback the offline explainer writes."""
    pos = ", ".join(facts.po_numbers) or "no purchase order"
    kind = "three-way" if facts.three_way else "two-way (no receipts recorded)"
    head = f"Bill {facts.doc_number} from {facts.vendor_name} for {facts.currency} {facts.total} against {pos}"
    if facts.outcome is MatchOutcome.MATCHED:
        return f"{head}: {kind} match with no variance."
    if facts.outcome is MatchOutcome.WITHIN_TOLERANCE:
        return f"{head}: {kind} match; every variance is within the tolerance set for this company."
    parts = [f"{head}: {kind} match with {len(facts.exceptions)} exception(s)."]
    for e in facts.exceptions:
        figures = ", ".join(
            f"{label} {value}"
            for label, value in (("expected", e.expected), ("found", e.found), ("variance", e.variance))
            if value is not None
        )
        where = f" on line {e.line_id}" if e.line_id else ""
        parts.append(f"{e.kind.value.replace('_', ' ').capitalize()}{where}" + (f": {figures}." if figures else "."))
    if facts.bank_change is not None:
        parts.append("The vendor's bank details changed: verify them with the vendor before anything is approved.")
    return " ".join(parts)


def _as_decimal(token: str) -> Decimal | None:
    try:
        return Decimal(token.rstrip("%").replace(",", ""))
    except InvalidOperation:
        return None


def _allowed_numbers(facts: BillMatched) -> set[Decimal]:
    numbers = {facts.total, Decimal(len(facts.exceptions)), Decimal(len(facts.po_numbers))}
    for e in facts.exceptions:
        numbers |= {abs(v) for v in (e.expected, e.found, e.variance) if v is not None}
        numbers |= {v for v in (e.expected, e.found, e.variance) if v is not None}
    return numbers


def _mask(text: str, token: str) -> str:
    """Blank out `token` where it stands alone, not where it is part of a larger figure or word."""
    return re.sub(rf"(?<![\w.,]){re.escape(token)}(?![\w]|[.,]\d)", " ", text)


def check_grounding(text: str, facts: BillMatched) -> None:
    """Every figure in the summary must be one of the facts (compared as Decimals, dates as dates). Identifiers
    are taken out first where they stand alone (bill and order numbers, the vendor's name, masked bank details),
    and line numbers where they follow the word "line"."""
    masked = text
    identifiers = [facts.doc_number, facts.vendor_name, *facts.po_numbers]
    if facts.bank_change is not None:
        identifiers += [facts.bank_change.previous, facts.bank_change.current]
    for name in sorted(identifiers, key=len, reverse=True):
        masked = _mask(masked, name)
    for line_id in sorted({e.line_id for e in facts.exceptions if e.line_id}, key=len, reverse=True):
        masked = re.sub(rf"\blines? {re.escape(line_id)}(?![\w]|[.,]\d)", " ", masked, flags=re.IGNORECASE)
    dates = {facts.txn_date} | ({facts.due_date} if facts.due_date else set())
    for match in _ISO_DATE.finditer(masked):
        try:
            named = date.fromisoformat(match.group())
        except ValueError:
            raise DraftRefused(f"summary names an impossible date: {match.group()!r}") from None
        if named not in dates:
            raise DraftRefused(f"summary names a date that is not a fact: {match.group()!r}")
    masked = _ISO_DATE.sub(" ", masked)
    allowed = _allowed_numbers(facts)
    for match in _NUMBER.finditer(masked):
        value = _as_decimal(match.group())
        if value is None or (value not in allowed and abs(value) not in allowed):
            raise DraftRefused(f"summary names a figure that is not a fact: {match.group()!r}")
