"""Validation: QuickBooks JSON in, a typed InvoiceValidated out, or a ContractInvalid naming the bad field."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.invoice_followup import CollectionStatus, PastInvoice, PaymentRecord, RawInvoiceFetched
from services.validation.pipelines.invoice_followup.domain import validate_invoice
from shared.errors import ContractInvalid
from tests.unit.factories import (
    AS_OF,
    REALM,
    collection_fields,
    qbo_customer,
    qbo_invoice,
    qbo_payment,
    raw_fetched,
)


def _without(record: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != key}


def test_a_valid_invoice_becomes_typed_facts() -> None:
    validated = validate_invoice(raw_fetched())
    assert validated.realm_id == REALM
    assert validated.as_of == AS_OF
    assert (validated.invoice_id, validated.invoice_number) == ("131", "1131")
    assert (validated.customer_id, validated.customer_name) == ("12", "Harbor Marine")
    assert validated.customer_email == "billing@harbor-marine.example"  # the invoice's BillEmail wins
    assert validated.currency == "USD"
    assert validated.total_amount == Decimal("1250.00")
    assert str(validated.balance) == "1250.00"
    assert (validated.issued_on, validated.due_date) == (date(2026, 9, 20), date(2026, 10, 20))
    assert validated.collection_status is CollectionStatus.NONE
    assert validated.promised_on is None
    assert validated.payments == ()
    assert validated.customer_history == ()


def test_customer_email_is_used_when_the_invoice_has_no_bill_email() -> None:
    validated = validate_invoice(raw_fetched(_without(qbo_invoice(), "BillEmail")))
    assert validated.customer_email == "ap@harbor-marine.example"


def test_currency_defaults_to_usd_when_the_invoice_names_none() -> None:
    assert validate_invoice(raw_fetched(_without(qbo_invoice(), "CurrencyRef"))).currency == "USD"
    assert validate_invoice(raw_fetched(qbo_invoice(CurrencyRef={"value": "CAD"}))).currency == "CAD"


@pytest.mark.parametrize(
    ("fields", "status", "promised"),
    [
        (collection_fields("disputed"), CollectionStatus.DISPUTED, None),
        (
            collection_fields("promise_to_pay", "2026-11-28"),
            CollectionStatus.PROMISE_TO_PAY,
            date(2026, 11, 28),
        ),
        (collection_fields("none"), CollectionStatus.NONE, None),
        (
            [{"Name": "Project", "StringValue": "Dock 4"}],
            CollectionStatus.NONE,
            None,
        ),  # unrelated custom field
    ],
)
def test_collection_status_comes_from_the_custom_fields(
    fields: list[dict[str, Any]], status: CollectionStatus, promised: date | None
) -> None:
    validated = validate_invoice(raw_fetched(qbo_invoice(CustomField=fields)))
    assert (validated.collection_status, validated.promised_on) == (status, promised)


def test_only_payment_lines_applied_to_this_invoice_count() -> None:
    split = {
        "Id": "5003",
        "TxnDate": "2026-11-05",
        "TotalAmt": 1000.0,
        "Line": [
            {"Amount": 400.0, "LinkedTxn": [{"TxnId": "131", "TxnType": "Invoice"}]},
            {"Amount": 600.0, "LinkedTxn": [{"TxnId": "140", "TxnType": "Invoice"}]},
        ],
    }
    credit = {
        "Id": "5004",
        "TxnDate": "2026-11-06",
        "TotalAmt": 50.0,
        "Line": [{"Amount": 50.0, "LinkedTxn": [{"TxnId": "131", "TxnType": "CreditMemo"}]}],
    }
    other = qbo_payment("5005", "141", 99.0, "2026-11-07")
    validated = validate_invoice(raw_fetched(payments=[split, credit, other]))
    assert validated.payments == (
        PaymentRecord(payment_id="5003", paid_on=date(2026, 11, 5), amount=Decimal("400.00"), invoice_ids=("131",)),
    )


def test_a_payment_line_without_an_amount_applies_the_payment_total() -> None:
    bare = {
        "Id": "5006",
        "TxnDate": "2026-11-02",
        "TotalAmt": 125,
        "Line": [{"LinkedTxn": [{"TxnId": "131", "TxnType": "Invoice"}]}],
    }
    (record,) = validate_invoice(raw_fetched(payments=[bare])).payments
    assert str(record.amount) == "125.00"


def test_customer_history_pairs_settled_invoices_with_their_last_payment() -> None:
    settled = [
        qbo_invoice(Id="90", DocNumber="1090", DueDate="2026-03-01", Balance=0.0),
        qbo_invoice(Id="91", DocNumber="1091", DueDate="2026-05-01", Balance=0.0),  # no payment seen: left out
        {"Id": "92", "DueDate": "not a date"},  # unreadable history row: left out, not fatal
    ]
    payments = [
        qbo_payment("5001", "90", 600.0, "2026-03-10"),
        qbo_payment("5002", "90", 650.0, "2026-03-25"),
    ]
    validated = validate_invoice(raw_fetched(payments=payments, settled=settled))
    assert validated.customer_history == (
        PastInvoice(invoice_id="90", due_date=date(2026, 3, 1), paid_on=date(2026, 3, 25)),
    )


@given(cents=st.integers(min_value=0, max_value=10**11))
@settings(max_examples=200, deadline=None)
def test_json_amounts_become_exact_decimals(cents: int) -> None:
    """Amounts arrive as JSON floats; the typed value must carry the very cents QuickBooks printed."""
    printed = f"{cents // 100}.{cents % 100:02d}"
    invoice = json.loads(json.dumps(qbo_invoice()).replace('"TotalAmt": 1250.0', f'"TotalAmt": {printed}'))
    invoice["Balance"] = invoice["TotalAmt"]
    validated = validate_invoice(raw_fetched(invoice))
    assert str(validated.total_amount) == printed
    assert validated.balance == Decimal(printed)


def _drop(key: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda inv: _without(inv, key)


def _set(**values: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda inv: {**inv, **values}


@pytest.mark.parametrize(
    ("break_invoice", "field"),
    [
        (_set(TotalAmt="1250.00"), "Invoice.TotalAmt"),  # a number sent as text
        (_set(TotalAmt="12x.50"), "Invoice.TotalAmt"),
        (_set(TotalAmt=-5.0), "Invoice.TotalAmt"),
        (_set(Balance="N/A"), "Invoice.Balance"),
        (_drop("DueDate"), "Invoice.DueDate"),
        (_set(DueDate="2026-13-45"), "Invoice.DueDate"),
        (_set(TxnDate="20/09/2026"), "Invoice.TxnDate"),
        (_drop("CustomerRef"), "Invoice.CustomerRef"),
        (_set(CustomerRef={"value": ""}), "Invoice.CustomerRef.value"),
        (_drop("DocNumber"), "Invoice.DocNumber"),
        (_set(BillEmail={"Address": "billing at harbor"}), "Invoice.BillEmail.Address"),
        (_set(CustomField=collection_fields("in_collections")), "Invoice.CustomField.CollectionStatus"),
        (_set(CustomField=collection_fields("promise_to_pay")), "Invoice.CustomField.PromiseDate"),
        (
            _set(CustomField=collection_fields("promise_to_pay", "next week")),
            "Invoice.CustomField.PromiseDate",
        ),
    ],
    ids=[
        "total-as-string",
        "total-not-numeric",
        "total-negative",
        "balance-not-numeric",
        "missing-due-date",
        "bad-due-date",
        "bad-txn-date",
        "missing-customer-ref",
        "empty-customer-ref",
        "missing-doc-number",
        "bad-bill-email",
        "unknown-collection-status",
        "promise-without-date",
        "promise-with-bad-date",
    ],
)
def test_malformed_invoice_names_the_field(
    break_invoice: Callable[[dict[str, Any]], dict[str, Any]], field: str
) -> None:
    with pytest.raises(ContractInvalid) as caught:
        validate_invoice(raw_fetched(break_invoice(qbo_invoice())))
    assert caught.value.field == field
    assert caught.value.retryable is False
    assert str(caught.value).startswith(f"{field}: ")


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (
            raw_fetched(_without(qbo_invoice(), "BillEmail"), qbo_customer(PrimaryEmailAddr=None)),
            "Invoice.BillEmail.Address",
        ),  # no email anywhere
        (raw_fetched(no_customer=True), "Customer"),
        (
            raw_fetched(customer=qbo_customer(Id="99999")),
            "Invoice.CustomerRef.value",
        ),  # someone else's record
        (raw_fetched(customer=qbo_customer(DisplayName="")), "Customer.DisplayName"),
        (
            raw_fetched(payments=[{**qbo_payment("5001", "131", 100.0, "2026-11-01"), "TxnDate": "yesterday"}]),
            "Payment[0].TxnDate",
        ),
    ],
    ids=[
        "no-email-anywhere",
        "customer-missing",
        "customer-mismatch",
        "customer-unnamed",
        "bad-payment-date",
    ],
)
def test_malformed_related_records_name_the_field(raw: RawInvoiceFetched, field: str) -> None:
    with pytest.raises(ContractInvalid) as caught:
        validate_invoice(raw)
    assert caught.value.field == field


def test_balance_above_the_invoice_total_is_invalid() -> None:
    with pytest.raises(ContractInvalid) as caught:
        validate_invoice(raw_fetched(qbo_invoice(TotalAmt=1250.0, Balance=3750.0)))
    assert caught.value.field == "Invoice.Balance"


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (raw_fetched(qbo_invoice(TotalAmt=1e26, Balance=1e26)), "Invoice.TotalAmt"),
        (raw_fetched(qbo_invoice(Balance=1e26)), "Invoice.Balance"),
        (raw_fetched(qbo_invoice(TotalAmt=float("inf"))), "Invoice.TotalAmt"),
        (raw_fetched(payments=[qbo_payment("5001", "131", 1e26, "2026-11-01")]), "Payment[0].TotalAmt"),
    ],
    ids=["total-beyond-any-real-amount", "balance-beyond-any-real-amount", "total-infinite", "payment-huge"],
)
def test_amounts_no_document_can_carry_are_named_not_crashed_on(raw: RawInvoiceFetched, field: str) -> None:
    """Found by the 10,000-case fuzz run: 1e26 passed the schema and broke cent rounding (decimal.InvalidOperation)."""
    with pytest.raises(ContractInvalid) as caught:
        validate_invoice(raw)
    assert caught.value.field.startswith(field)
