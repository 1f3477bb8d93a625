"""AP validation: a QuickBooks bill with its orders, vendor, other bills and receipts in, a typed BillValidated out,
or a ContractInvalid naming the bad field."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.ap_matching import LineKind, RawBillFetched
from services.validation.pipelines.ap_matching.domain import validate_bill
from shared.errors import ContractInvalid
from tests.unit.ap_bills import (
    po_link,
    qbo_account_line,
    qbo_bill,
    qbo_item_line,
    qbo_po,
    qbo_receipt,
    qbo_vendor,
    raw_bill,
)


def test_a_bill_becomes_typed_lines_with_freight_and_tax_told_apart() -> None:
    validated = validate_bill(raw_bill())
    bill = validated.bill
    assert (bill.bill_id, bill.doc_number, bill.vendor_id, bill.currency, bill.total, bill.sync_token) == (
        "1042",
        "INV-20931",
        "56",
        "USD",
        Decimal("612.5"),
        "2",
    )
    assert [(x.line_id, x.kind, x.amount, x.po_id) for x in bill.lines] == [
        ("1", LineKind.GOODS, Decimal("425.0"), "1001"),
        ("2", LineKind.GOODS, Decimal("150.0"), "1001"),
        ("3", LineKind.FREIGHT, Decimal("25.0"), None),
        ("tax", LineKind.TAX, Decimal("12.5"), None),
    ]
    first = bill.lines[0]
    assert (first.item_id, first.quantity, first.unit_price) == ("11", Decimal(100), Decimal("4.25"))
    assert bill.lines[2].account_id == "80"
    assert bill.po_ids == ("1001",)
    [po] = validated.purchase_orders
    assert [(x.line_id, x.kind) for x in po.lines] == [
        ("1", LineKind.GOODS),
        ("2", LineKind.GOODS),
        ("3", LineKind.FREIGHT),
    ]
    assert validated.vendor.bank is not None
    assert validated.vendor.bank.masked == "Acme Supply Operating, routing …0021, account …7788"
    assert validated.receipts is None, "no receiving log: a two-way match"


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        (qbo_item_line("9", "70", 1, 40.0, 40.0, Description="UPS shipping"), LineKind.FREIGHT),
        (qbo_item_line("9", "70", 1, 40.0, 40.0, Description=None), LineKind.GOODS),
        (qbo_account_line("9", "81", "Delivery charges", 40.0, Description=None), LineKind.FREIGHT),
        (qbo_account_line("9", "64", "Office supplies", 40.0), LineKind.GOODS),
        (qbo_account_line("9", "64", "Office supplies", 40.0, Description="Freight surcharge"), LineKind.FREIGHT),
    ],
    ids=["item-described-as-shipping", "plain-item", "account-named-delivery", "plain-account", "described-freight"],
)
def test_freight_is_told_by_item_account_or_description(line: dict[str, Any], kind: LineKind) -> None:
    bill = qbo_bill(Line=[line], TotalAmt=40.0, TxnTaxDetail={"TotalTax": 0})
    [only] = validate_bill(raw_bill(bill)).bill.lines
    assert only.kind is kind


def test_purchase_orders_come_from_header_and_line_links_each_once_in_the_bill_order() -> None:
    lines = [
        qbo_item_line("1", "11", 1, 10.0, 10.0, LinkedTxn=po_link("1002", "1")),
        qbo_item_line("2", "12", 1, 10.0, 10.0, LinkedTxn=po_link("1001", "4")),
    ]
    bill = qbo_bill(Line=lines, TotalAmt=20.0, TxnTaxDetail=None, LinkedTxn=po_link("1001"))
    orders = [qbo_po(Id="1002", DocNumber="PO-1002"), qbo_po(), qbo_po(Id="1003", DocNumber="PO-1003")]
    validated = validate_bill(raw_bill(bill, orders))
    assert validated.bill.po_ids == ("1001", "1002")
    assert [po.po_id for po in validated.purchase_orders] == ["1001", "1002"], (
        "an order the bill does not link is left out"
    )
    assert [x.po_id for x in validated.bill.lines] == ["1002", "1001"]


def test_other_bills_carry_what_they_billed_per_order_and_order_line() -> None:
    other = qbo_bill(
        Id="990",
        DocNumber="INV-20800",
        TxnDate="2026-10-25",
        TotalAmt=255.0,
        Line=[
            qbo_item_line("1", "11", 40, 4.25, 170.0, LinkedTxn=po_link("1001", "1")),
            qbo_item_line("2", "12", 200, 0.3, 60.0),  # no line link: the only order on the header
            qbo_account_line("3", "80", "Freight and delivery", 25.0, LinkedTxn=po_link("1001")),
        ],
    )
    someone_else = qbo_bill(Id="991", VendorRef={"value": "57"})
    validated = validate_bill(raw_bill(vendor_bills=[other, someone_else, qbo_bill()]))
    [earlier] = validated.earlier_bills
    assert (earlier.bill_id, earlier.doc_number, earlier.total) == ("990", "INV-20800", Decimal("255.0"))
    assert earlier.billed_per_po == {"1001": Decimal("255.0")}
    assert earlier.billed_quantity == {"1001:1": Decimal(40)}, "quantity per order line only where the line names it"


def test_receipts_become_receipt_lines_and_an_empty_log_stays_three_way() -> None:
    validated = validate_bill(raw_bill(receipts=[qbo_receipt("1", 60), qbo_receipt("1", 40, "R-2")]))
    assert validated.receipts is not None
    assert [(r.receipt_id, r.po_id, r.po_line_id, r.quantity) for r in validated.receipts] == [
        ("R-1", "1001", "1", Decimal(60)),
        ("R-2", "1001", "1", Decimal(40)),
    ]
    assert validate_bill(raw_bill(receipts=[])).receipts == ()


@given(st.integers(min_value=-(10**11), max_value=10**11))
def test_amounts_are_the_decimal_of_their_json_text_never_float_arithmetic(cents: int) -> None:
    """0.1 + 0.2 is not 0.3 in binary: every amount must come out as the decimal the JSON wrote."""
    amount = cents / 100  # what json.loads yields for the number written with two decimals
    bill = qbo_bill(
        Line=[qbo_account_line("1", "64", "Office supplies", amount)], TotalAmt=abs(amount), TxnTaxDetail=None
    )
    validated = validate_bill(raw_bill(bill))
    assert validated.bill.lines[0].amount == Decimal(cents) / 100
    assert validated.bill.total == abs(Decimal(cents)) / 100


def _without(record: dict[str, Any], *path: str | int) -> dict[str, Any]:
    """A deep copy of `record` with the field at `path` removed."""
    copied = copy.deepcopy(record)
    target: Any = copied
    for step in path[:-1]:
        target = target[step]
    del target[path[-1]]
    return copied


def _with(record: dict[str, Any], value: Any, *path: str | int) -> dict[str, Any]:
    copied = copy.deepcopy(record)
    target: Any = copied
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return copied


BILL = qbo_bill()


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (raw_bill(_without(BILL, "DocNumber")), "Bill.DocNumber"),
        (raw_bill(_without(BILL, "VendorRef")), "Bill.VendorRef"),
        (raw_bill(_with(BILL, "yesterday", "TxnDate")), "Bill.TxnDate"),
        (raw_bill(_with(BILL, "612.50", "TotalAmt")), "Bill.TotalAmt"),
        (raw_bill(_with(BILL, -1.0, "TotalAmt")), "Bill.TotalAmt"),
        (raw_bill(_with(BILL, 1e26, "TotalAmt")), "Bill.TotalAmt"),
        (raw_bill(_with(BILL, [], "Line")), "Bill.Line"),
        (raw_bill(_without(BILL, "Line", 1, "Amount")), "Bill.Line.1.Amount"),
        (
            raw_bill(_with(BILL, True, "Line", 0, "ItemBasedExpenseLineDetail", "Qty")),
            "Bill.Line.0.ItemBasedExpenseLineDetail.Qty",
        ),
        (raw_bill(_with(BILL, "SubTotalLineDetail", "Line", 0, "DetailType")), "Bill.Line.0.DetailType"),
        (
            raw_bill(_without(BILL, "Line", 2, "AccountBasedExpenseLineDetail")),
            "Bill.Line.2.AccountBasedExpenseLineDetail",
        ),
        (raw_bill(_with(BILL, "1", "Line", 1, "Id")), "Bill.Line.1.Id"),
        (raw_bill(purchase_orders=[]), "PurchaseOrder"),
        (raw_bill(purchase_orders=[_without(qbo_po(), "TotalAmt")]), "PurchaseOrder[0].TotalAmt"),
        (raw_bill(no_vendor=True), "Vendor"),
        (raw_bill(vendor=qbo_vendor(Id="57")), "Bill.VendorRef.value"),
        (
            raw_bill(vendor=_without(qbo_vendor(), "VendorPaymentBankDetail", "BankAccountNumber")),
            "Vendor.VendorPaymentBankDetail.BankAccountNumber",
        ),
        (raw_bill(vendor_bills=[qbo_bill(Id="990", TxnDate="2026-02-30")]), "VendorBill[0].TxnDate"),
        (raw_bill(receipts=[qbo_receipt("1", "60")]), "Receipt[0].Quantity"),
        (raw_bill(receipts=[_without(qbo_receipt("1", 60), "PurchaseOrderLineId")]), "Receipt[0].PurchaseOrderLineId"),
    ],
    ids=[
        "no-doc-number",
        "no-vendor-ref",
        "bad-date",
        "total-as-text",
        "negative-total",
        "total-beyond-any-real-amount",
        "no-lines",
        "line-without-amount",
        "quantity-a-boolean",
        "unsupported-line-type",
        "line-without-its-detail",
        "line-id-twice",
        "linked-order-not-fetched",
        "order-without-total",
        "vendor-missing",
        "someone-elses-vendor",
        "bank-detail-without-account",
        "other-bill-bad-date",
        "receipt-quantity-as-text",
        "receipt-without-order-line",
    ],
)
def test_a_missing_or_malformed_field_is_named(raw: RawBillFetched, field: str) -> None:
    with pytest.raises(ContractInvalid) as caught:
        validate_bill(raw)
    assert caught.value.field == field
    assert caught.value.retryable is False
    assert str(caught.value).startswith(f"{caught.value.field}: ")


def test_the_bill_fetched_must_be_the_bill_asked_for() -> None:
    raw = raw_bill()
    with pytest.raises(ContractInvalid) as caught:
        validate_bill(raw.model_copy(update={"bill_id": "1043"}))
    assert caught.value.field == "Bill.Id"


def _kinds(bill: dict[str, Any]) -> list[LineKind]:
    return [line.kind for line in validate_bill(raw_bill(bill)).bill.lines]


def test_a_bill_without_tax_has_no_tax_line() -> None:
    assert LineKind.TAX not in _kinds(qbo_bill(TxnTaxDetail={"TotalTax": 0}, TotalAmt=600.0))
    assert LineKind.TAX not in _kinds(_without(BILL, "TxnTaxDetail"))


def test_amounts_sent_as_whole_numbers_read_to_the_cent_without_rounding() -> None:
    raw = raw_bill(bill=qbo_bill(TotalAmt=1478.0))
    bill = validate_bill(raw).bill
    assert str(bill.total) == "1478.00" and bill.total == Decimal("1478.0")
    sub_cent = validate_bill(raw_bill(bill=qbo_bill(TotalAmt=1478.005))).bill.total
    assert str(sub_cent) == "1478.005"
