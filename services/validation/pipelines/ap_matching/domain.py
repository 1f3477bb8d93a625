"""QuickBooks bill, purchase orders, vendor and receiving log in; a typed BillValidated out. A missing or malformed
required field is a ContractInvalid naming it (`Bill.Line.2.Amount`, `PurchaseOrder[0].TotalAmt`, ...).

Amounts must be JSON numbers; each becomes the Decimal of its text (`Decimal(str(value))`), never the binary value
of a float. Validation does not round: rules produce money and round it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any, Final

from pydantic import Field, ValidationError

from contracts.ap_matching import (
    DOCUMENT_MARK,
    BankDetails,
    Bill,
    BillLine,
    BillValidated,
    EarlierBill,
    LineKind,
    PoLine,
    PurchaseOrder,
    RawBillFetched,
    ReceiptLine,
    Vendor,
)
from services.validation.qbo_records import Money, Number, QboRecord, QboRef
from shared.errors import ContractInvalid

PURCHASE_ORDER = "PurchaseOrder"
TAX_LINE = "tax"
ITEM_DETAIL = "ItemBasedExpenseLineDetail"
ACCOUNT_DETAIL = "AccountBasedExpenseLineDetail"
_FREIGHT = re.compile(r"\b(freight|shipping|delivery)\b", re.IGNORECASE)


class _Email(QboRecord):
    Address: str | None = None


class _LinkedTxn(QboRecord):
    TxnId: str = Field(min_length=1)
    TxnType: str
    TxnLineId: str | None = None


class _ItemDetail(QboRecord):
    ItemRef: QboRef
    UnitPrice: Money | None = None
    Qty: Number | None = None


class _AccountDetail(QboRecord):
    AccountRef: QboRef


class _Line(QboRecord):
    Id: str = Field(min_length=1)
    Amount: Money
    Description: str | None = None
    DetailType: str
    ItemBasedExpenseLineDetail: _ItemDetail | None = None
    AccountBasedExpenseLineDetail: _AccountDetail | None = None
    LinkedTxn: list[_LinkedTxn] = Field(default_factory=list)

    def po_link(self) -> _LinkedTxn | None:
        return next((t for t in self.LinkedTxn if t.TxnType == PURCHASE_ORDER), None)


class _TaxDetail(QboRecord):
    TotalTax: Money | None = None


class QboBill(QboRecord):
    Id: str = Field(min_length=1)
    SyncToken: str
    DocNumber: str = Field(min_length=1)
    """Required: the vendor's invoice number is what duplicate detection keys on."""
    TxnDate: date
    DueDate: date | None = None
    VendorRef: QboRef
    CurrencyRef: QboRef | None = None
    TotalAmt: Money = Field(ge=0)
    Line: list[_Line] = Field(min_length=1)
    LinkedTxn: list[_LinkedTxn] = Field(default_factory=list)
    TxnTaxDetail: _TaxDetail | None = None
    PrivateNote: str | None = None


class QboOtherBill(QboRecord):
    """Another bill of the vendor, read for what duplicates and cumulative billing need."""

    Id: str = Field(min_length=1)
    DocNumber: str = ""
    TxnDate: date
    VendorRef: QboRef
    TotalAmt: Money
    Line: list[_Line] = Field(default_factory=list)
    LinkedTxn: list[_LinkedTxn] = Field(default_factory=list)


class QboPurchaseOrder(QboRecord):
    Id: str = Field(min_length=1)
    DocNumber: str = Field(min_length=1)
    VendorRef: QboRef
    CurrencyRef: QboRef | None = None
    TotalAmt: Money = Field(ge=0)
    POStatus: str = "Open"
    Line: list[_Line] = Field(default_factory=list)


class _BankDetail(QboRecord):
    BankAccountName: str | None = None
    BankBranchIdentifier: str = Field(min_length=1)
    BankAccountNumber: str = Field(min_length=1)


class QboVendor(QboRecord):
    Id: str = Field(min_length=1)
    DisplayName: str = Field(min_length=1)
    PrimaryEmailAddr: _Email | None = None
    VendorPaymentBankDetail: _BankDetail | None = None


class QboReceipt(QboRecord):
    """One entry of the tenant's receiving log (not a QuickBooks entity)."""

    ReceiptId: str = Field(min_length=1)
    PurchaseOrderId: str = Field(min_length=1)
    PurchaseOrderLineId: str = Field(min_length=1)
    Quantity: Number = Field(ge=0)
    ReceivedOn: date


def _parse(model: type[QboRecord], data: Any, prefix: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in (prefix, *first["loc"]) if p != "")
        raise ContractInvalid(first["msg"], field=field) from None


def _currency(ref: QboRef | None) -> str:
    return ref.value if ref else "USD"


def _detail(line: _Line, where: str) -> _ItemDetail | _AccountDetail:
    """The line's detail as its DetailType names it; a line of another type, or without its detail, is invalid."""
    if line.DetailType == ITEM_DETAIL and line.ItemBasedExpenseLineDetail is not None:
        return line.ItemBasedExpenseLineDetail
    if line.DetailType == ACCOUNT_DETAIL and line.AccountBasedExpenseLineDetail is not None:
        return line.AccountBasedExpenseLineDetail
    if line.DetailType in (ITEM_DETAIL, ACCOUNT_DETAIL):
        raise ContractInvalid(f"{line.DetailType} line without its detail", field=f"{where}.{line.DetailType}")
    raise ContractInvalid(f"unsupported line type {line.DetailType!r}", field=f"{where}.DetailType")


def _kind(line: _Line, detail: _ItemDetail | _AccountDetail) -> LineKind:
    ref = detail.ItemRef if isinstance(detail, _ItemDetail) else detail.AccountRef
    named = f"{ref.name or ''} {line.Description or ''}"
    return LineKind.FREIGHT if _FREIGHT.search(named) else LineKind.GOODS


def _line_fields(line: _Line, where: str) -> dict[str, Any]:
    """What a bill line and a purchase order line share."""
    detail = _detail(line, where)
    fields: dict[str, Any] = {
        "line_id": line.Id,
        "kind": _kind(line, detail),
        "description": (line.Description or "").strip(),
        "amount": line.Amount,
    }
    if isinstance(detail, _ItemDetail):
        fields |= {"item_id": detail.ItemRef.value, "quantity": detail.Qty, "unit_price": detail.UnitPrice}
    else:
        fields["account_id"] = detail.AccountRef.value
    return fields


def _po_ids(bill: QboBill) -> tuple[str, ...]:
    """Linked purchase orders in the order the bill names them, header first, each once."""
    links = [*bill.LinkedTxn, *(t for line in bill.Line for t in line.LinkedTxn)]
    return tuple(dict.fromkeys(t.TxnId for t in links if t.TxnType == PURCHASE_ORDER))


def _bill(bill: QboBill) -> Bill:
    lines = []
    for i, line in enumerate(bill.Line):
        link = line.po_link()
        lines.append(BillLine(**_line_fields(line, f"Bill.Line.{i}"), po_id=link.TxnId if link else None))
    tax = bill.TxnTaxDetail.TotalTax if bill.TxnTaxDetail else None
    if tax:
        lines.append(BillLine(line_id=TAX_LINE, kind=LineKind.TAX, description="Tax", amount=tax))
    seen: set[str] = set()
    for i, checked in enumerate(lines):
        if checked.line_id in seen:
            raise ContractInvalid(f"line id {checked.line_id!r} used twice", field=f"Bill.Line.{i}.Id")
        seen.add(checked.line_id)
    return Bill(
        bill_id=bill.Id,
        doc_number=bill.DocNumber,
        vendor_id=bill.VendorRef.value,
        txn_date=bill.TxnDate,
        due_date=bill.DueDate,
        currency=_currency(bill.CurrencyRef),
        total=bill.TotalAmt,
        lines=tuple(lines),
        po_ids=_po_ids(bill),
        sync_token=bill.SyncToken,
    )


def _purchase_orders(raw: list[dict[str, Any]], linked: tuple[str, ...]) -> tuple[PurchaseOrder, ...]:
    """The orders the bill links to, in the bill's order; a linked order that was not fetched is invalid."""
    parsed: dict[str, PurchaseOrder] = {}
    for i, data in enumerate(raw):
        po: QboPurchaseOrder = _parse(QboPurchaseOrder, data, f"PurchaseOrder[{i}]")
        lines = tuple(PoLine(**_line_fields(line, f"PurchaseOrder[{i}].Line.{j}")) for j, line in enumerate(po.Line))
        parsed[po.Id] = PurchaseOrder(
            po_id=po.Id,
            doc_number=po.DocNumber,
            vendor_id=po.VendorRef.value,
            currency=_currency(po.CurrencyRef),
            total=po.TotalAmt,
            lines=lines,
            status=po.POStatus,
        )
    missing = [po_id for po_id in linked if po_id not in parsed]
    if missing:
        raise ContractInvalid(f"linked purchase order {missing[0]} was not fetched", field="PurchaseOrder")
    return tuple(parsed[po_id] for po_id in linked)


def _vendor(raw: dict[str, Any] | None, bill: QboBill) -> Vendor:
    if raw is None:
        raise ContractInvalid("vendor record missing", field="Vendor")
    vendor: QboVendor = _parse(QboVendor, raw, "Vendor")
    if vendor.Id != bill.VendorRef.value:
        raise ContractInvalid("vendor record does not match VendorRef", field="Bill.VendorRef.value")
    detail = vendor.VendorPaymentBankDetail
    bank = None
    if detail is not None:
        bank = BankDetails(
            account_name=detail.BankAccountName or vendor.DisplayName,  # shown masked only, never fingerprinted
            routing_number=detail.BankBranchIdentifier,
            account_number=detail.BankAccountNumber,
        )
    email = vendor.PrimaryEmailAddr.Address if vendor.PrimaryEmailAddr else None
    return Vendor(vendor_id=vendor.Id, name=vendor.DisplayName, email=email, bank=bank)


def _earlier_bill(other: QboOtherBill, where: str) -> EarlierBill:
    """What the other bill billed per order (lines linked to it, or every line when it links one order only) and
    per order line (`<po_id>:<po_line_id>`, where the line names the order line)."""
    header = [t.TxnId for t in other.LinkedTxn if t.TxnType == PURCHASE_ORDER]
    only = header[0] if len(set(header)) == 1 else None
    per_po: dict[str, Decimal] = defaultdict(Decimal)
    quantity: dict[str, Decimal] = defaultdict(Decimal)
    for j, line in enumerate(other.Line):
        detail = _detail(line, f"{where}.Line.{j}")
        link = line.po_link()
        po_id = link.TxnId if link else only
        if po_id is not None:
            per_po[po_id] += line.Amount
        if link and link.TxnLineId and isinstance(detail, _ItemDetail) and detail.Qty is not None:
            quantity[f"{link.TxnId}:{link.TxnLineId}"] += detail.Qty
    return EarlierBill(
        bill_id=other.Id,
        doc_number=other.DocNumber,
        txn_date=other.TxnDate,
        total=other.TotalAmt,
        billed_per_po=dict(per_po),
        billed_quantity=dict(quantity),
    )


def _earlier_bills(raw: list[dict[str, Any]], bill: QboBill) -> tuple[EarlierBill, ...]:
    """The vendor's other bills; the bill itself (an update arrives with its own earlier version) is left out."""
    out = []
    for i, data in enumerate(raw):
        other: QboOtherBill = _parse(QboOtherBill, data, f"VendorBill[{i}]")
        if other.Id != bill.Id and other.VendorRef.value == bill.VendorRef.value:
            out.append(_earlier_bill(other, f"VendorBill[{i}]"))
    return tuple(out)


def _receipts(raw: list[dict[str, Any]] | None) -> tuple[ReceiptLine, ...] | None:
    if raw is None:
        return None
    out = []
    for i, data in enumerate(raw):
        receipt: QboReceipt = _parse(QboReceipt, data, f"Receipt[{i}]")
        out.append(
            ReceiptLine(
                receipt_id=receipt.ReceiptId,
                po_id=receipt.PurchaseOrderId,
                po_line_id=receipt.PurchaseOrderLineId,
                quantity=receipt.Quantity,
                received_on=receipt.ReceivedOn,
            )
        )
    return tuple(out)


_DOCUMENT_FIELDS: Final = {
    "Bill.DocNumber": "document.invoice_number",
    "Bill.TxnDate": "document.invoice_date",
    "Bill.TotalAmt": "document.total",
    "Bill.Line": "document.lines",
}
_MADE_FROM: Final = re.compile(re.escape(DOCUMENT_MARK) + r"([0-9a-f]{8,64})")


def validate_bill(raw: RawBillFetched) -> BillValidated:
    """A QuickBooks bill, or the draft of a document's bill (whose missing fields are named as the document's)."""
    try:
        qbo: QboBill = _parse(QboBill, raw.bill, "Bill")
    except ContractInvalid as exc:
        named = next((v for k, v in _DOCUMENT_FIELDS.items() if exc.field.startswith(k)), None)
        if raw.document is None or named is None:
            raise
        raise ContractInvalid(f"the invoice does not state it legibly ({exc})", field=named) from None
    if qbo.Id != raw.bill_id:
        raise ContractInvalid(f"bill {qbo.Id} fetched for bill {raw.bill_id}", field="Bill.Id")
    bill = _bill(qbo)
    made_from = _MADE_FROM.search(qbo.PrivateNote or "") if raw.document is None else None
    if made_from is not None:
        bill = bill.model_copy(update={"from_document": made_from.group(1)})
    return BillValidated(
        realm_id=raw.realm_id,
        bill=bill,
        purchase_orders=_purchase_orders(raw.purchase_orders, bill.po_ids),
        vendor=_vendor(raw.vendor, qbo),
        earlier_bills=_earlier_bills(raw.vendor_bills, qbo),
        receipts=_receipts(raw.receipts),
        document=raw.document,
        source=raw.source,
    )
