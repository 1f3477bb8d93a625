"""Bills for the AP validation, matching and handler tests: QuickBooks JSON (what validation reads) and validated
contracts (what rules read). Each test overrides only what it is about."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from contracts.ap_matching import (
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

REALM = "9341453000000000"
VENDOR_ID = "56"
BILL_DATE = date(2026, 11, 2)

# QuickBooks JSON, as the QBO v3 API returns Bill, PurchaseOrder and Vendor.


def qbo_item_line(line_id: str, item: str, qty: float, price: float, amount: float, **overrides: Any) -> dict[str, Any]:
    line: dict[str, Any] = {
        "Id": line_id,
        "LineNum": int(line_id) if line_id.isdigit() else 1,
        "Amount": amount,
        "Description": f"Item {item}",
        "DetailType": "ItemBasedExpenseLineDetail",
        "ItemBasedExpenseLineDetail": {
            "ItemRef": {"value": item, "name": f"Part {item}"},
            "UnitPrice": price,
            "Qty": qty,
        },
    }
    line.update(overrides)
    return line


def qbo_account_line(line_id: str, account: str, name: str, amount: float, **overrides: Any) -> dict[str, Any]:
    line: dict[str, Any] = {
        "Id": line_id,
        "Amount": amount,
        "Description": name,
        "DetailType": "AccountBasedExpenseLineDetail",
        "AccountBasedExpenseLineDetail": {"AccountRef": {"value": account, "name": name}},
    }
    line.update(overrides)
    return line


def po_link(po_id: str, line_id: str | None = None) -> list[dict[str, Any]]:
    link = {"TxnId": po_id, "TxnType": "PurchaseOrder"}
    return [link | {"TxnLineId": line_id}] if line_id else [link]


def qbo_bill(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "Id": "1042",
        "SyncToken": "2",
        "DocNumber": "INV-20931",
        "TxnDate": "2026-11-02",
        "DueDate": "2026-12-02",
        "VendorRef": {"value": VENDOR_ID, "name": "Acme Supply Co"},
        "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
        "TotalAmt": 612.5,
        "Balance": 612.5,
        "LinkedTxn": po_link("1001"),
        "TxnTaxDetail": {"TotalTax": 12.5},
        "Line": [
            qbo_item_line("1", "11", 100, 4.25, 425.0, LinkedTxn=po_link("1001", "1")),
            qbo_item_line("2", "12", 500, 0.3, 150.0, LinkedTxn=po_link("1001", "2")),
            qbo_account_line("3", "80", "Freight and delivery", 25.0),
        ],
        "MetaData": {"CreateTime": "2026-11-02T09:12:00-08:00", "LastUpdatedTime": "2026-11-02T09:12:00-08:00"},
    }
    record.update(overrides)
    return record


def qbo_po(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "Id": "1001",
        "SyncToken": "1",
        "DocNumber": "PO-1001",
        "TxnDate": "2026-10-20",
        "VendorRef": {"value": VENDOR_ID, "name": "Acme Supply Co"},
        "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
        "TotalAmt": 600.0,
        "POStatus": "Open",
        "Line": [
            qbo_item_line("1", "11", 100, 4.25, 425.0),
            qbo_item_line("2", "12", 500, 0.3, 150.0),
            qbo_account_line("3", "80", "Freight and delivery", 25.0),
        ],
    }
    record.update(overrides)
    return record


def qbo_vendor(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "Id": VENDOR_ID,
        "SyncToken": "3",
        "DisplayName": "Acme Supply Co",
        "PrimaryEmailAddr": {"Address": "billing@acme-supply.example"},
        "VendorPaymentBankDetail": {
            "BankAccountName": "Acme Supply Operating",
            "BankBranchIdentifier": "021000021",
            "BankAccountNumber": "4455667788",
            "StatementText": "ACME SUPPLY",
        },
        "Active": True,
    }
    record.update(overrides)
    return record


def qbo_receipt(po_line: str, quantity: float, receipt_id: str = "R-1") -> dict[str, Any]:
    return {
        "ReceiptId": receipt_id,
        "PurchaseOrderId": "1001",
        "PurchaseOrderLineId": po_line,
        "Quantity": quantity,
        "ReceivedOn": "2026-10-30",
    }


def raw_bill(
    bill: dict[str, Any] | None = None,
    purchase_orders: list[dict[str, Any]] | None = None,
    vendor: dict[str, Any] | None = None,
    *,
    no_vendor: bool = False,
    vendor_bills: list[dict[str, Any]] | None = None,
    receipts: list[dict[str, Any]] | None = None,
) -> RawBillFetched:
    bill = bill or qbo_bill()
    return RawBillFetched(
        realm_id=REALM,
        bill_id=str(bill.get("Id", "1042")),
        bill=bill,
        purchase_orders=[qbo_po()] if purchase_orders is None else purchase_orders,
        vendor=None if no_vendor else (vendor or qbo_vendor()),
        vendor_bills=vendor_bills or [],
        receipts=receipts,
    )


# Validated contracts, for the rules.

BANK = BankDetails(account_name="Acme Supply Operating", routing_number="021000021", account_number="4455667788")


def goods(
    line_id: str,
    item: str,
    quantity: str,
    price: str,
    amount: str | None = None,
    *,
    po_id: str | None = None,
    description: str | None = None,
) -> BillLine:
    return BillLine(
        line_id=line_id,
        kind=LineKind.GOODS,
        description=description if description is not None else f"Part {item}",
        amount=Decimal(amount) if amount is not None else Decimal(quantity) * Decimal(price),
        item_id=item,
        quantity=Decimal(quantity),
        unit_price=Decimal(price),
        po_id=po_id,
    )


def charge(line_id: str, kind: LineKind, amount: str, description: str = "Freight") -> BillLine:
    return BillLine(line_id=line_id, kind=kind, description=description, amount=Decimal(amount))


def po_goods(line_id: str, item: str, quantity: str, price: str, amount: str | None = None) -> PoLine:
    return PoLine(
        line_id=line_id,
        description=f"Part {item}",
        amount=Decimal(amount) if amount is not None else Decimal(quantity) * Decimal(price),
        item_id=item,
        quantity=Decimal(quantity),
        unit_price=Decimal(price),
    )


def po_freight(line_id: str, amount: str) -> PoLine:
    return PoLine(line_id=line_id, description="Freight", amount=Decimal(amount), kind=LineKind.FREIGHT)


def order(*lines: PoLine, po_id: str = "1001", total: str | None = None, **overrides: Any) -> PurchaseOrder:
    fields: dict[str, Any] = {
        "po_id": po_id,
        "doc_number": f"PO-{po_id}",
        "vendor_id": VENDOR_ID,
        "currency": "USD",
        "total": Decimal(total) if total is not None else sum((line.amount for line in lines), Decimal(0)),
        "lines": lines,
    }
    fields.update(overrides)
    return PurchaseOrder(**fields)


def validated(
    lines: tuple[BillLine, ...],
    orders: tuple[PurchaseOrder, ...],
    *,
    total: str | None = None,
    doc_number: str = "INV-20931",
    txn_date: date = BILL_DATE,
    earlier: tuple[EarlierBill, ...] = (),
    receipts: tuple[ReceiptLine, ...] | None = None,
    bank: BankDetails | None = BANK,
    currency: str = "USD",
) -> BillValidated:
    bill = Bill(
        bill_id="1042",
        doc_number=doc_number,
        vendor_id=VENDOR_ID,
        txn_date=txn_date,
        due_date=None,
        currency=currency,
        total=Decimal(total) if total is not None else sum((line.amount for line in lines), Decimal(0)),
        lines=lines,
        po_ids=tuple(po.po_id for po in orders),
        sync_token="2",
    )
    vendor = Vendor(vendor_id=VENDOR_ID, name="Acme Supply Co", bank=bank)
    return BillValidated(
        realm_id=REALM, bill=bill, purchase_orders=orders, vendor=vendor, earlier_bills=earlier, receipts=receipts
    )


def earlier_bill(
    bill_id: str = "990",
    doc_number: str = "INV-10000",
    txn_date: date = date(2026, 10, 1),
    total: str = "100.00",
    **fields: Any,
) -> EarlierBill:
    return EarlierBill(bill_id=bill_id, doc_number=doc_number, txn_date=txn_date, total=Decimal(total), **fields)


def received(po_line: str, quantity: str, po_id: str = "1001") -> ReceiptLine:
    return ReceiptLine(
        receipt_id=f"R-{po_line}", po_id=po_id, po_line_id=po_line, quantity=Decimal(quantity), received_on=BILL_DATE
    )


def ordered() -> PurchaseOrder:
    """PO-1001 as qbo_po() has it: two items and freight."""
    return order(po_goods("1", "11", "100", "4.25"), po_goods("2", "12", "500", "0.30"), po_freight("3", "25.00"))


def billed() -> tuple[BillLine, ...]:
    """A bill of all of PO-1001 at the ordered prices."""
    return (goods("1", "11", "100", "4.25"), goods("2", "12", "500", "0.30"), charge("3", LineKind.FREIGHT, "25.00"))
