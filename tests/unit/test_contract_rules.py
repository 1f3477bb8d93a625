"""Contract review rules: chunking, the baseline comparison and renewal date math."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.contract_review import Citation, Cited, ContractTerms, Severity
from services.rules.pipelines.contract_review.domain import (
    Baseline,
    TermFacts,
    add_months,
    chunk_contract,
    compare_with_baseline,
    key_dates,
)

BASELINE = Baseline(
    tenant="demo-co", version="1", max_payment_net_days=30, min_liability_cap_multiple=Decimal(1),
    min_renewal_notice_days=30, allowed_governing_law=("Delaware", "New York"),
)  # fmt: skip


@pytest.mark.parametrize(
    ("text", "headings"),
    [
        (
            "Preamble text here.\n\n1. Payment\nPay in 30 days.\n\n2. Term\nOne year.\n",
            ["Preamble text here.", "1. Payment", "2. Term"],
        ),
        (
            "1.1 Fees are due net 30.\n1.2 Late fees apply.\n2.1 Term is one year.\n",
            ["1.1 Fees are due net 30.", "1.2 Late fees apply.", "2.1 Term is one year."],
        ),
        (
            "ARTICLE I - DEFINITIONS\nWords.\n\nARTICLE II - PAYMENT\nNet 30.\n",
            ["ARTICLE I - DEFINITIONS", "ARTICLE II - PAYMENT"],
        ),
        (
            "Section 5 - Payment\nNet 30.\nSection 6 - Law\nDelaware.\n",
            ["Section 5 - Payment", "Section 6 - Law"],
        ),
        ("Article 4 Liability\nCapped.\n\nArticle 5 Law\nOhio.\n", ["Article 4 Liability", "Article 5 Law"]),
        ("IV. TERM\nTwo years.\nV. LAW\nDelaware.\n", ["IV. TERM", "V. LAW"]),
        ("§ 3 Payment\nNet 15.\n§ 4 Term\nOne year.\n", ["§ 3 Payment", "§ 4 Term"]),
    ],
)
def test_chunks_follow_headings_and_numbering(text: str, headings: list[str]) -> None:
    assert [c.heading for c in chunk_contract(text)] == headings


def test_numbers_inside_sentences_are_not_headings() -> None:
    text = "1. Payment\nCustomer pays within\n30 days of invoice and\n12 months later the term ends.\n\n2. Law\nOhio.\n"
    assert [c.heading for c in chunk_contract(text)] == ["1. Payment", "2. Law"]


def test_text_without_headings_falls_back_to_paragraph_windows() -> None:
    paragraphs = [f"Paragraph {n} " + "word " * 60 for n in range(12)]
    text = "\n\n".join(paragraphs)
    chunks = chunk_contract(text, window_chars=1000)
    assert len(chunks) > 1
    assert all(c.text.startswith("Paragraph") for c in chunks), "windows hold whole paragraphs"


_lines = st.lists(
    st.one_of(
        st.sampled_from(["1. Payment", "2.1 Term", "Article II", "Section 5 - Law", "", "", "IV. NOTICES"]),
        st.text(alphabet="abcdefgh ijk.,;\t", min_size=0, max_size=80),
    ),
    max_size=60,
)


@given(_lines)
def test_chunks_cover_the_text_in_order_with_true_offsets(lines: list[str]) -> None:
    text = "\n".join(lines)
    chunks = chunk_contract(text, max_chars=300, window_chars=120)
    position = 0
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.start >= position and chunk.text.strip()
        assert not text[position : chunk.start].strip(), "nothing but whitespace is left out"
        position = chunk.end
    assert not text[position:].strip()
    assert len({c.chunk_id for c in chunks}) == len(chunks)


def cited(value: Any, quote: str = "quoted words") -> Cited[Any]:
    return Cited[Any](value=value, citation=Citation(chunk_id="c001", quote=quote, start=0, end=len(quote)))


GOOD = ContractTerms(
    payment_net_days=cited(30),
    liability_cap_multiple=cited(Decimal(1)),
    auto_renewal=cited(True),
    renewal_notice_days=cited(30),
    termination_for_convenience=cited(True),
    governing_law=cited("the State of New York"),
)


@pytest.mark.parametrize(
    ("changes", "annual_fees", "expected"),
    [
        ({}, Decimal(50000), []),
        ({"payment_net_days": cited(45)}, None, [("payment_net_days", "net 45", Severity.MEDIUM)]),
        ({"payment_net_days": None}, None, [("payment_net_days", "not stated", Severity.MEDIUM)]),
        (
            {"liability_cap_multiple": cited(Decimal("0.5"))},
            None,
            [("liability_cap_multiple", "0.5x annual fees", Severity.HIGH)],
        ),
        (
            {"liability_cap_multiple": None, "liability_cap_amount": cited(Decimal(10000))},
            Decimal(50000),
            [("liability_cap_amount", "10000 (0.20x annual fees of 50000)", Severity.HIGH)],
        ),
        ({"liability_cap_multiple": None, "liability_cap_amount": cited(Decimal(80000))}, Decimal(50000), []),
        ({"liability_cap_multiple": None}, None, [("liability_cap", "not stated", Severity.HIGH)]),
        ({"liability_uncapped": cited(True)}, None, [("liability_uncapped", "uncapped", Severity.HIGH)]),
        ({"renewal_notice_days": cited(10)}, None, [("renewal_notice_days", "10 days", Severity.HIGH)]),
        (
            {"renewal_notice_days": None},
            None,
            [("renewal_notice_days", "auto-renews, no notice period stated", Severity.HIGH)],
        ),
        ({"auto_renewal": cited(False), "renewal_notice_days": None}, None, []),
        (
            {"termination_for_convenience": cited(False)},
            None,
            [("termination_for_convenience", "excluded", Severity.MEDIUM)],
        ),
        (
            {"termination_for_convenience": None},
            None,
            [("termination_for_convenience", "absent", Severity.MEDIUM)],
        ),
        ({"governing_law": cited("Texas")}, None, [("governing_law", "Texas", Severity.MEDIUM)]),
        ({"governing_law": None}, None, [("governing_law", "not stated", Severity.LOW)]),
    ],
)
def test_baseline_comparison(
    changes: dict[str, Any], annual_fees: Decimal | None, expected: list[tuple[str, str, Severity]]
) -> None:
    terms = GOOD.model_copy(update=changes)
    anomalies = compare_with_baseline(terms, annual_fees, BASELINE)
    assert [(a.field, a.found, a.severity) for a in anomalies] == expected
    for anomaly in anomalies:
        source = getattr(terms, anomaly.field, None)
        assert anomaly.citation == (source.citation if source is not None else None)
        assert anomaly.baseline


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 3, 15), 12, date(2027, 3, 15)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 5, 1), 36, date(2029, 5, 1)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


_dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))


@given(_dates, st.integers(0, 240), st.integers(0, 240))
def test_add_months_adds_whole_calendar_months(start: date, a: int, b: int) -> None:
    end = add_months(start, a)
    assert (end.year - start.year) * 12 + end.month - start.month == a
    assert end.day <= start.day
    assert add_months(start, a) <= add_months(start, a + b)


@given(
    _dates,
    st.integers(1, 60),
    st.one_of(st.none(), st.integers(1, 36)),
    st.one_of(st.none(), st.integers(0, 180)),
    st.integers(0, 3000),
)
def test_next_renewal_is_the_first_renewal_after_today_and_notice_comes_before_it(
    effective: date, initial: int, renewal: int | None, notice: int | None, days_later: int
) -> None:
    as_of = effective + timedelta(days=days_later)
    dates = key_dates(TermFacts(effective, initial, True, renewal, notice), as_of)
    assert dates.term_end == add_months(effective, initial)
    assert dates.next_renewal_date is not None and dates.next_renewal_date > as_of
    assert dates.next_renewal_date >= dates.term_end
    step = renewal or initial
    previous = add_months(
        dates.term_end,
        (
            (dates.next_renewal_date.year - dates.term_end.year) * 12
            + dates.next_renewal_date.month
            - dates.term_end.month
        )
        - step,
    )
    assert dates.next_renewal_date == dates.term_end or previous <= as_of
    if notice is None:
        assert dates.notice_deadline is None
    else:
        assert dates.notice_deadline == dates.next_renewal_date - timedelta(days=notice)


@given(_dates, st.integers(1, 60), st.integers(0, 3000))
def test_without_auto_renewal_there_is_only_the_end_of_the_term(effective: date, initial: int, days_later: int) -> None:
    dates = key_dates(TermFacts(effective, initial, False, 12, 30), effective + timedelta(days=days_later))
    assert dates.term_end == add_months(effective, initial)
    assert dates.next_renewal_date is None and dates.notice_deadline is None


def test_a_known_contract_renewal_calendar() -> None:
    dates = key_dates(TermFacts(date(2026, 3, 1), 12, True, 12, 60), as_of=date(2027, 6, 1))
    assert (dates.term_end, dates.next_renewal_date, dates.notice_deadline) == (
        date(2027, 3, 1),
        date(2028, 3, 1),
        date(2028, 1, 1),  # 2028 is a leap year
    )
