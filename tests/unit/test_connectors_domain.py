"""Connectors: the QuickBooks queries invoice follow-up runs, and the ids allowed into them."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.connectors.pipelines.invoice_followup.domain import (
    customer_payments_query,
    customer_ref,
    overdue_invoices_query,
    settled_invoices_query,
)

UNSAFE_IDS = [
    "1' or '1'='1",
    "12'; delete from Invoice; --",
    "12 OR 1=1",
    "12' ",
    "",
    "1" * 65,
    "12%27",
    "١٢",  # non-ASCII digits
]


def test_overdue_query_selects_open_invoices_due_before_the_scan_date() -> None:
    assert overdue_invoices_query(date(2026, 11, 21)) == (
        "select * from Invoice where Balance > '0' and DueDate < '2026-11-21'"
    )


def test_customer_queries_embed_a_safe_id_verbatim() -> None:
    assert customer_payments_query("12") == "select * from Payment where CustomerRef = '12'"
    assert settled_invoices_query("cust_12-a") == (
        "select * from Invoice where CustomerRef = 'cust_12-a' and Balance = '0'"
    )


@pytest.mark.parametrize("query", [customer_payments_query, settled_invoices_query])
@pytest.mark.parametrize("unsafe", UNSAFE_IDS)
def test_customer_queries_reject_unsafe_ids(query: object, unsafe: str) -> None:
    with pytest.raises(ValueError, match="unsafe id in a QBO query"):
        query(unsafe)  # type: ignore[operator]


@given(st.tuples(st.text(max_size=40), st.sampled_from(["'", "\\"]), st.text(max_size=40)).map("".join))
@settings(max_examples=200, deadline=None)
def test_no_id_with_a_quote_or_backslash_reaches_a_query(unsafe: str) -> None:
    for query in (customer_payments_query, settled_invoices_query):
        with pytest.raises(ValueError, match="unsafe id"):
            query(unsafe)


@given(st.from_regex(r"[A-Za-z0-9_-]{1,64}", fullmatch=True))
@settings(max_examples=200, deadline=None)
def test_every_safe_id_is_accepted_and_quoted_once(safe: str) -> None:
    assert customer_payments_query(safe).endswith(f"CustomerRef = '{safe}'")
    assert customer_ref({"CustomerRef": {"value": safe}}) == safe


@pytest.mark.parametrize("query", [customer_payments_query, settled_invoices_query])
def test_an_id_with_a_trailing_newline_is_unsafe(query: object) -> None:
    with pytest.raises(ValueError, match="unsafe id"):
        query("12\n")  # type: ignore[operator]


@pytest.mark.parametrize(
    ("invoice", "expected"),
    [
        ({"CustomerRef": {"value": "12", "name": "Harbor Marine"}}, "12"),
        ({}, None),
        ({"CustomerRef": "12"}, None),
        ({"CustomerRef": {"name": "Harbor Marine"}}, None),
        ({"CustomerRef": {"value": 12}}, None),
        ({"CustomerRef": {"value": "1' or '1'='1"}}, None),
        ({"CustomerRef": {"value": ""}}, None),
    ],
    ids=["ok", "missing", "not-an-object", "no-value", "number", "injection", "empty"],
)
def test_customer_ref_only_returns_usable_ids(invoice: dict[str, object], expected: str | None) -> None:
    assert customer_ref(invoice) == expected


@pytest.mark.parametrize("given", ["doc-1/../../secrets", "doc-1?x=1", "doc 1", "", "d" * 65, 42, None])
def test_a_contract_document_id_that_is_not_wholly_an_id_is_not_used(given: object) -> None:
    from services.connectors.pipelines.contract_review.domain import contract_document_id

    assert contract_document_id({"properties": {"contract_document_id": given}}) is None
    assert contract_document_id({"properties": {"contract_document_id": "doc-1_A"}}) == "doc-1_A"
