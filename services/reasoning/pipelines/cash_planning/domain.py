"""Cash planning in the reasoning service: what the summary may be written from, the deterministic wording used
without an LLM, and the grounding check every summary must pass. Pure.

Grounding: every ISO date in the text must be a date of the facts, and every number an amount, balance or count
of the facts (compared as Decimals); names, invoice and bill numbers and descriptions are taken out first where
they stand alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from contracts.cash_planning import AlertKind, CashAlertDecided, ExpectedCollection, FlowItem, ShortfallCause
from shared.errors import DraftRefused

_NUMBER = re.compile(r"(?<![\w.])[-+]?\d[\d,]*(?:\.\d+)?%?")
_ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_IDENTIFIERS = frozenset({"invoice", "customer", "counterparty", "description", "ref", "covering_invoices"})
_WORSE = {"earlier": "it starts earlier", "grown": "it is larger"}


def _flow(item: FlowItem) -> dict[str, Any]:
    return {
        "description": item.description, "counterparty": item.counterparty, "amount": str(item.amount),
        "on": item.on.isoformat(), "scheduled": item.scheduled.isoformat(),
    }  # fmt: skip


def _receivable(c: ExpectedCollection) -> dict[str, Any]:
    return {
        "invoice": c.doc_number, "customer": c.customer_name, "amount": str(c.amount),
        "due_date": c.due_date.isoformat(), "expected_on": c.expected_on.isoformat(),
        "days_overdue": c.days_overdue, "risks": [r.value for r in c.risks],
    }  # fmt: skip


def prompt_facts(decided: CashAlertDecided) -> dict[str, Any]:
    """The facts the summary may be written from: figures as strings exactly as rules computed them."""
    p, d = decided.projection, decided.decision
    verdict, s = p.verdict, p.shortfall
    assert d.kind is not None  # the contract refuses a decision that alerts nothing
    facts: dict[str, Any] = {
        "alert": d.kind.value, "worsened_by": list(d.worsened_by), "currency": p.currency,
        "as_of": p.as_of.isoformat(), "horizon_end": p.horizon_end.isoformat(), "buffer": str(p.buffer.amount),
        "buffer_minimum": str(p.buffer.minimum), "payroll_in_buffer": str(p.buffer.payroll),
        "lowest_balance": str(verdict.lowest_balance), "lowest_on": verdict.lowest_on.isoformat(),
    }  # fmt: skip
    if s is not None:
        facts |= {
            "cause": s.cause.value, "first_short_day": s.first_breach_on.isoformat(),
            "days_to_shortfall": s.days_to_breach, "balance_that_day": str(s.first_breach_balance),
            "shortfall": str(s.shortfall), "end_balance": str(s.end_balance), "end_shortfall": str(s.end_shortfall),
            "recovers_on": s.recovers_on.isoformat() if s.recovers_on else None,
            "recovered_balance": None if s.recovered_balance is None else str(s.recovered_balance),
            "outflows_that_day": [_flow(i) for i in s.breach_outflows],
            "arriving": [_flow(i) for i in s.arriving],
            "receivables": [_receivable(c) for c in s.receivables],
            "receivables_at_risk_total": str(s.at_risk_total),
            "covering_invoices": [c.doc_number for c in s.receivables if c.invoice_id in s.covering],
            "uncovered": str(s.uncovered),
        }  # fmt: skip
    facts["recommended_actions"] = [
        {"action": a.kind.value, "ref": a.ref, "counterparty": a.counterparty, "amount": str(a.amount),
         "on": a.on.isoformat(), "description": a.detail}
        for a in decided.recommended
    ]  # fmt: skip
    return facts


def _outflows(items: tuple[FlowItem, ...], currency: str) -> str:
    named = [f"{i.description}" + (f" to {i.counterparty}" if i.counterparty else "") + f" ({currency} {i.amount})"
             for i in items]  # fmt: skip
    return f", when {'; '.join(named)} goes out" if named else ""


def _collections(found: tuple[ExpectedCollection, ...], currency: str, at_risk: bool) -> str:
    def why(c: ExpectedCollection) -> str:
        return ", ".join(r.value for r in c.risks) if at_risk else f"expected {c.expected_on}"

    return "; ".join(f"invoice {c.doc_number} from {c.customer_name} ({currency} {c.amount}, {why(c)})" for c in found)


def template_summary(decided: CashAlertDecided) -> str:
    """The summary written without an LLM: the same facts, in fixed sentences."""
    p, d = decided.projection, decided.decision
    cur, s = p.currency, p.shortfall
    if d.kind is AlertKind.RECOVERED or s is None:
        return (
            f"Cash is back above the buffer of {cur} {p.buffer.amount}: the lowest projected balance is "
            f"{cur} {p.verdict.lowest_balance} on {p.verdict.lowest_on}. No action is needed."
        )
    parts = []
    if d.kind is AlertKind.WORSENED:
        worse = " and ".join(_WORSE[w] for w in d.worsened_by)
        parts.append(f"The cash shortfall got worse since the last alert: {worse}.")
    parts.append(
        f"Cash is projected to fall below the buffer of {cur} {p.buffer.amount} on {s.first_breach_on}, "
        f"{s.days_to_breach} days from {p.as_of}, to {cur} {s.first_breach_balance}{_outflows(s.breach_outflows, cur)}."
    )
    if s.cause is ShortfallCause.TIMING_GAP:
        arriving = _collections(s.receivables, cur, at_risk=False)
        parts.append(
            "This is a timing gap: " + (f"{arriving} arrives after it, and " if arriving else "")
            + f"the balance is back to {cur} {s.recovered_balance} on {s.recovers_on}."
        )  # fmt: skip
    elif s.cause is ShortfallCause.RECEIVABLE_AT_RISK:
        covering = tuple(c for c in s.receivables if c.invoice_id in s.covering)
        parts.append(
            f"A receivable is at risk: the balance is still {cur} {s.end_shortfall} below the buffer on "
            f"{p.horizon_end} unless {_collections(covering, cur, at_risk=True)} is collected."
        )
    else:
        parts.append(
            f"The shortfall is structural: outflows exceed every expected inflow, and even with the receivables at "
            f"risk collected ({cur} {s.at_risk_total}) {cur} {s.uncovered} is still missing on {p.horizon_end}."
        )
    parts.append(f"The lowest balance is {cur} {s.lowest_balance} on {s.lowest_on}, {cur} {s.shortfall} short.")
    return " ".join(parts)


def _walk(value: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v, key)
    else:
        yield key, value


def _as_decimal(token: str) -> Decimal | None:
    try:
        return Decimal(token.rstrip("%").replace(",", ""))
    except InvalidOperation:
        return None


def _mask(text: str, token: str) -> str:
    return re.sub(rf"(?<![\w.,]){re.escape(token)}(?![\w]|[.,]\d)", " ", text)


def check_grounding(text: str, decided: CashAlertDecided) -> None:
    """Raise DraftRefused unless every date and figure of `text` is one of the facts."""
    dates: set[date] = set()
    numbers: set[Decimal] = set()
    identifiers: set[str] = set()
    for key, value in _walk(prompt_facts(decided)):
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, int):
            numbers.add(Decimal(value))
        elif isinstance(value, str) and key in _IDENTIFIERS:
            identifiers.add(value)
        elif isinstance(value, str) and _ISO_DATE.fullmatch(value):
            dates.add(date.fromisoformat(value))
        elif isinstance(value, str) and (number := _as_decimal(value)) is not None and number.is_finite():
            numbers.add(number)
    masked = text
    for name in sorted(identifiers, key=len, reverse=True):
        masked = _mask(masked, name)
    for match in _ISO_DATE.finditer(masked):
        try:
            named = date.fromisoformat(match.group())
        except ValueError:
            raise DraftRefused(f"summary names an impossible date: {match.group()!r}") from None
        if named not in dates:
            raise DraftRefused(f"summary names a date that is not a fact: {match.group()!r}")
    masked = _ISO_DATE.sub(" ", masked)
    for match in _NUMBER.finditer(masked):
        value = _as_decimal(match.group())
        if value is None or (value not in numbers and abs(value) not in numbers):
            raise DraftRefused(f"summary names a figure that is not a fact: {match.group()!r}")
