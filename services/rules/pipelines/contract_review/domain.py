"""Contract review rules: section chunking, the baseline comparison and the renewal date math. Pure."""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from contracts.contract_review import (
    Anomaly,
    Cited,
    ContractChunk,
    ContractReviewSummary,
    ContractTerms,
    ContractTermsExtracted,
    DocumentMeta,
    KeyDates,
    Severity,
)

# A heading line: "1.", "1.1", "2.3.1", "Article II", "ARTICLE 4", "Section 5 -", "Section 5.2", "§ 7", "IV.".
_HEADING = re.compile(
    r"""^[ \t]*(
        (?:article|section|clause|schedule)\s+(?:[0-9]+(?:\.[0-9]+)*|[IVXLC]+)\b[^\n]{0,120}
      | §\s*[0-9]+(?:\.[0-9]+)*\b[^\n]{0,120}
      | [0-9]{1,2}(?:\.[0-9]{1,2}){0,3}\.?[ \t]+(?-i:[A-Z(])[^\n]{0,120}
      | (?-i:[IVX]{1,5}\.[ \t]+[A-Z])[^\n]{0,120}
    )$""",
    re.IGNORECASE | re.MULTILINE | re.VERBOSE,
)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


def chunk_contract(text: str, max_chars: int = 2400, window_chars: int = 1200) -> tuple[ContractChunk, ...]:
    """Split at section headings and numbering; with no headings, fall back to windows of whole paragraphs.

    Chunks cover the text in order without overlap, so `text[c.start:c.end] == c.text` for every chunk; an
    over-long section is split further at paragraph breaks.
    """
    starts = sorted({m.start(1) for m in _HEADING.finditer(text)})
    if len(starts) < 2:
        spans = _paragraph_windows(text, 0, len(text), window_chars)
    else:
        bounds = [0, *starts] if starts[0] > 0 and text[: starts[0]].strip() else starts
        bounds[0] = 0
        spans = []
        for start, end in zip(bounds, [*bounds[1:], len(text)], strict=True):
            if end - start > max_chars:
                spans += _paragraph_windows(text, start, end, window_chars)
            else:
                spans.append((start, end))
    chunks: list[ContractChunk] = []
    for start, end in spans:
        body = text[start:end]
        if not body.strip():
            continue
        heading = body.strip().splitlines()[0].strip()[:120]
        chunks.append(
            ContractChunk(chunk_id=f"c{len(chunks) + 1:03d}", heading=heading, start=start, end=end, text=body)
        )
    return tuple(chunks)


def _paragraph_windows(text: str, start: int, end: int, window_chars: int) -> list[tuple[int, int]]:
    """Group whole paragraphs into windows of about `window_chars`; a single longer paragraph stays whole."""
    cuts = [m.end() for m in _PARAGRAPH_BREAK.finditer(text, start, end)]
    spans, current = [], start
    for cut in cuts:
        if cut - current >= window_chars:
            spans.append((current, cut))
            current = cut
    if current < end:
        spans.append((current, end))
    return spans


class _Baseline(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Baseline(_Baseline):
    """The tenant's baseline template (infra/tenants/<tenant>/contract_baseline.yaml)."""

    tenant: str
    version: str
    max_payment_net_days: int = Field(default=30, ge=0)
    min_liability_cap_multiple: Decimal = Field(default=Decimal(1), ge=0)
    allow_uncapped_liability: bool = False
    min_renewal_notice_days: int = Field(default=30, ge=0)
    require_termination_for_convenience: bool = True
    allowed_governing_law: tuple[str, ...] = ()


def parse_baseline(data: Any) -> Baseline:
    return Baseline.model_validate(data)


def _found(cited: Cited[Any] | None) -> str:
    return "not stated" if cited is None else str(cited.value)


def compare_with_baseline(terms: ContractTerms, annual_fees: Decimal | None, baseline: Baseline) -> tuple[Anomaly, ...]:
    """Every departure from the baseline, with the citation it was read from (None for a missing term)."""
    out: list[Anomaly] = []

    def flag(field: str, cited: Cited[Any] | None, wanted: str, severity: Severity, found: str | None = None) -> None:
        out.append(
            Anomaly(
                field=field,
                found=found or _found(cited),
                baseline=wanted,
                severity=severity,
                citation=cited.citation if cited else None,
            )
        )

    net = terms.payment_net_days
    wanted_net = f"net {baseline.max_payment_net_days} or shorter"
    if net is None:
        flag("payment_net_days", None, wanted_net, Severity.MEDIUM)
    elif net.value > baseline.max_payment_net_days:
        flag("payment_net_days", net, wanted_net, Severity.MEDIUM, f"net {net.value}")

    multiple, amount, uncapped = (
        terms.liability_cap_multiple,
        terms.liability_cap_amount,
        terms.liability_uncapped,
    )
    wanted_cap = f"capped at {baseline.min_liability_cap_multiple}x annual fees or more"
    if uncapped is not None and uncapped.value and not baseline.allow_uncapped_liability:
        flag("liability_uncapped", uncapped, "never uncapped", Severity.HIGH, "uncapped")
    elif multiple is not None:
        if multiple.value < baseline.min_liability_cap_multiple:
            flag(
                "liability_cap_multiple",
                multiple,
                wanted_cap,
                Severity.HIGH,
                f"{multiple.value}x annual fees",
            )
    elif amount is not None:
        if annual_fees is not None and annual_fees > 0:
            ratio = amount.value / annual_fees
            if ratio < baseline.min_liability_cap_multiple:
                found = f"{amount.value} ({ratio.quantize(Decimal('0.01'))}x annual fees of {annual_fees})"
                flag("liability_cap_amount", amount, wanted_cap, Severity.HIGH, found)
        else:
            flag(
                "liability_cap_amount",
                amount,
                wanted_cap,
                Severity.LOW,
                f"{amount.value} (annual fees unknown)",
            )
    else:
        flag("liability_cap", None, wanted_cap, Severity.HIGH)

    renews = terms.auto_renewal
    if renews is not None and renews.value:
        notice = terms.renewal_notice_days
        wanted_notice = f"auto-renewal only with at least {baseline.min_renewal_notice_days} days' notice"
        if notice is None:
            flag(
                "renewal_notice_days",
                None,
                wanted_notice,
                Severity.HIGH,
                "auto-renews, no notice period stated",
            )
        elif notice.value < baseline.min_renewal_notice_days:
            flag("renewal_notice_days", notice, wanted_notice, Severity.HIGH, f"{notice.value} days")

    convenience = terms.termination_for_convenience
    if baseline.require_termination_for_convenience and (convenience is None or not convenience.value):
        flag(
            "termination_for_convenience",
            convenience,
            "termination for convenience present",
            Severity.MEDIUM,
            "absent" if convenience is None else "excluded",
        )

    law = terms.governing_law
    if baseline.allowed_governing_law:
        wanted_law = "one of " + ", ".join(baseline.allowed_governing_law)
        allowed = {_law_key(name) for name in baseline.allowed_governing_law}
        if law is None:
            flag("governing_law", None, wanted_law, Severity.LOW)
        elif _law_key(law.value) not in allowed:
            flag("governing_law", law, wanted_law, Severity.MEDIUM)
    return tuple(out)


def _law_key(name: str) -> str:
    cleaned = re.sub(r"(?i)\b(the|state|commonwealth|of|laws?)\b", " ", name)
    return " ".join(cleaned.lower().replace(",", " ").split())


def add_months(start: date, months: int) -> date:
    """Calendar months later; a day the target month lacks becomes its last day (Jan 31 + 1 = Feb 28/29)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class TermFacts:
    effective: date
    initial_term_months: int
    auto_renewal: bool
    renewal_term_months: int | None
    notice_days: int | None


def key_dates(facts: TermFacts | None, as_of: date) -> KeyDates:
    """End of the initial term; with auto-renewal, the next renewal after `as_of` and the last day to give notice.

    A renewal term the contract does not state is taken to equal the initial term.
    """
    if facts is None or facts.initial_term_months <= 0:
        return KeyDates()
    term_end = add_months(facts.effective, facts.initial_term_months)
    if not facts.auto_renewal:
        return KeyDates(term_end=term_end)
    renewal_months = facts.renewal_term_months or facts.initial_term_months
    renewal, periods = term_end, 0
    while renewal <= as_of:
        periods += 1
        renewal = add_months(term_end, periods * renewal_months)
    deadline = renewal - timedelta(days=facts.notice_days) if facts.notice_days is not None else None
    return KeyDates(term_end=term_end, next_renewal_date=renewal, notice_deadline=deadline)


def term_facts(terms: ContractTerms) -> TermFacts | None:
    if terms.effective_date is None or terms.initial_term_months is None:
        return None
    return TermFacts(
        effective=terms.effective_date.value,
        initial_term_months=terms.initial_term_months.value,
        auto_renewal=bool(terms.auto_renewal and terms.auto_renewal.value),
        renewal_term_months=terms.renewal_term_months.value if terms.renewal_term_months else None,
        notice_days=terms.renewal_notice_days.value if terms.renewal_notice_days else None,
    )


def review_summary_text(meta: DocumentMeta, anomalies: Sequence[Anomaly], dates: KeyDates) -> str:
    """One plain sentence or two for the reviewer; every figure comes from the rules above."""
    high = sum(1 for a in anomalies if a.severity is Severity.HIGH)
    parts = [
        f"Contract for deal {meta.deal_id} ({meta.deal_name}): {len(anomalies)} departure(s) from the baseline"
        f"{f', {high} high severity' if high else ''}."
    ]
    if dates.next_renewal_date:
        parts.append(
            f"Renews on {dates.next_renewal_date.isoformat()}"
            + (f"; notice due by {dates.notice_deadline.isoformat()}." if dates.notice_deadline else ".")
        )
    elif dates.term_end:
        parts.append(f"Initial term ends {dates.term_end.isoformat()}.")
    return " ".join(parts)


def review_contract(extracted: ContractTermsExtracted, baseline: Baseline) -> ContractReviewSummary:
    """Baseline comparison and key dates for one contract: everything the reviewer is shown."""
    meta = extracted.meta
    anomalies = compare_with_baseline(extracted.terms, meta.annual_fees, baseline)
    dates = key_dates(term_facts(extracted.terms), meta.as_of)
    return ContractReviewSummary(
        meta=meta,
        terms=extracted.terms,
        anomalies=anomalies,
        dates=dates,
        baseline_version=baseline.version,
        rejected_citations=len(extracted.rejected),
        model=extracted.model,
        summary=review_summary_text(meta, anomalies, dates),
    )
