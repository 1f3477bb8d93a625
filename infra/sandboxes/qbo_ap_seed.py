"""Deterministic accounts-payable data: vendors with bank details, purchase orders, bills, bill payments, receipts.

Independent of the invoice seed (its own tables, its own Ids), so reseeding one never moves the other's counts.
Ids are fixed; dates count back from `as_of`, and every timestamp lies at least a day before it.

BILL_OUTCOMES says what each bill is there to produce, in the words of contracts/ap_matching.py
(MatchOutcome, ExceptionKind); HISTORY_BILLS are paid earlier bills that other bills are judged against.
Vendor 106's bank details changed after bill 2012 was paid: PREVIOUS_BANK and CURRENT_BANK hold both.
Tolerances assumed (infra/tenants/demo-co/ap_matching.yaml): price within 0.5% and 5.00, total within 0.5% and
10.00, no quantity beyond the order or the receipts.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Final, Literal

from infra.sandboxes.qbo_state import QboState
from infra.sandboxes.qbo_writes import COMPANY_TZ, USD, money, qbo_time
from infra.sandboxes.receiving import receipt

D = Decimal


@dataclass(frozen=True)
class IntendedOutcome:
    outcome: str
    """matched | within_tolerance | exceptions (MatchOutcome)."""
    exception: str | None
    """The ExceptionKind the bill exists for; others may come with it (noted)."""
    note: str


BILL_OUTCOMES: Final[dict[str, IntendedOutcome]] = {
    "2001": IntendedOutcome("matched", None, "every line equals PO 1001 (two-way and three-way)"),
    "2002": IntendedOutcome(
        "within_tolerance",
        None,
        "line 1 unit price 62.75 against 62.50 on PO 1002: +0.40%, 16 units, so the line and the bill are 4.00 over",
    ),
    "2003": IntendedOutcome(
        "exceptions",
        "price_variance",
        "line 1 unit price 1.32 against 1.20 on PO 1003: +10%, +60.00 (so the bill also exceeds the PO by 60.00)",
    ),
    "2004": IntendedOutcome(
        "exceptions",
        "quantity_variance",
        "line 1 billed 880 against 800 ordered on PO 1004 (+80 units, +96.00); all 880 were received and the "
        "bill (1056.00) stays under the PO total (1830.00)",
    ),
    "2005": IntendedOutcome(
        "exceptions",
        "billed_more_than_received",
        "matches PO 1005 line for line, but line 2 billed 50 with 40 received (two receipts): 10 x 7.85 = 78.50",
    ),
    "2006": IntendedOutcome("matched", None, "first partial bill on PO 1006: 60 of 100 and 250 of 400"),
    "2007": IntendedOutcome(
        "matched", None, "second partial bill on PO 1006: with 2006 it bills 3050.00 of 3230.00, 100 of 100 on line 1"
    ),
    "2009": IntendedOutcome(
        "exceptions",
        "billed_more_than_ordered",
        "with paid bill 2008 it bills 35 of the 30 ordered on PO 1007: 725.00 over (35 were received)",
    ),
    "2011": IntendedOutcome(
        "exceptions",
        "duplicate",
        "'inv 1001' repeats paid bill 2010 'INV-1001' of the same vendor and amount (it also bills PO 1008 twice)",
    ),
    "2013": IntendedOutcome(
        "exceptions",
        "bank_change",
        "matches PO 1010 exactly, but vendor 106's bank details changed after bill 2012 was paid: held",
    ),
    "2014": IntendedOutcome("exceptions", "no_purchase_order", "an account-based cleaning bill linked to no PO"),
    "2015": IntendedOutcome(
        "matched",
        None,
        "goods and the 85.00 freight line equal PO 1011; tax 241.31 (8.25% of 2925.00) on both bill and PO",
    ),
    "2016": IntendedOutcome("matched", None, "a small office order equal to PO 1012 (409.00): under most auto limits"),
}
HISTORY_BILLS: Final[dict[str, str]] = {
    "2008": "paid partial bill on PO 1007 (20 of 30)",
    "2010": "paid original of duplicate 2011",
    "2012": "paid while vendor 106 still had its previous bank details",
}

_ITEMS: Final[dict[str, tuple[str, str]]] = {
    "bracket": ("21", "Steel angle bracket 40mm"),
    "bolts": ("22", "Hex bolt M8 (box of 100)"),
    "gloves": ("23", "Nitrile gloves (box)"),
    "boxes": ("24", "Corrugated box 40x30x30"),
    "wrap": ("25", "Stretch wrap roll"),
    "cable": ("26", "Copper cable 2.5mm (100m)"),
    "breaker": ("27", "Circuit breaker 20A"),
    "ties": ("28", "Cable ties (pack of 500)"),
    "beam": ("29", "Pallet racking beam"),
    "paper": ("30", "Copy paper (case)"),
    "toner": ("31", "Toner cartridge"),
    "plate": ("32", "Steel plate 6mm"),
    "centrifuge": ("33", "Lab centrifuge"),
    "tips": ("34", "Pipette tips (rack)"),
    "sheet": ("35", "Aluminium sheet 2mm"),
}
_FREIGHT: Final = {"value": "61", "name": "Freight and delivery"}
_JANITORIAL: Final = {"value": "62", "name": "Janitorial expense"}
_AP_ACCOUNT: Final = {"value": "33", "name": "Accounts Payable (A/P)"}
_CHECKING: Final = {"value": "35", "name": "Checking"}
_NET_30: Final = {"value": "3", "name": "Net 30"}
TAX_RATE: Final = D("8.25")


@dataclass(frozen=True)
class Goods:
    item: str
    qty: Decimal
    price: Decimal


@dataclass(frozen=True)
class Charge:
    account: dict[str, str]
    description: str
    amount: Decimal


Line = Goods | Charge


def _bank(name: str, routing: str, account: str) -> dict[str, str]:
    return {
        "BankAccountName": name,
        "BankBranchIdentifier": routing,
        "BankAccountNumber": account,
        "StatementText": name.upper()[:22],
    }


# Vendor 106 changed its bank account BANK_CHANGED_DAYS_AGO days before as_of, after bill 2012 was paid.
BANK_CHANGE_VENDOR: Final = "106"
BANK_CHANGED_DAYS_AGO: Final = 4
PREVIOUS_BANK: Final = _bank("Keystone Metals LLC", "110000055", "000887766554")
CURRENT_BANK: Final = _bank("Keystone Metals LLC", "110000068", "000990011223")
# (Id, name, bank details). Routing and account numbers are made up.
_VENDORS: Final = (
    ("101", "Northwind Industrial Supply", _bank("Northwind Industrial Supply", "110000000", "000123456789")),
    ("102", "Bluebird Packaging Co.", _bank("Bluebird Packaging Co.", "110000013", "000223344556")),
    ("103", "Cedar Electrical Wholesale", _bank("Cedar Electrical Wholesale", "110000026", "000334455667")),
    ("104", "Granite Fasteners Inc.", _bank("Granite Fasteners Inc.", "110000039", "000445566778")),
    ("105", "Harbor Office Products", _bank("Harbor Office Products", "110000042", "000556677889")),
    (BANK_CHANGE_VENDOR, "Keystone Metals LLC", CURRENT_BANK),
    ("107", "Lakeside Cleaning Services", _bank("Lakeside Cleaning Services", "110000071", "000667788990")),
    ("108", "Summit Lab Equipment", _bank("Summit Lab Equipment", "110000084", "000778899001")),
)


@dataclass(frozen=True)
class PoSpec:
    po_id: str
    vendor_id: str
    days_ago: int
    lines: tuple[Line, ...]
    taxed: bool = False


@dataclass(frozen=True)
class BillSpec:
    bill_id: str
    vendor_id: str
    doc_number: str
    days_ago: int
    lines: tuple[tuple[str | None, Line], ...]
    """(PO line id it bills or None, line)."""
    po_id: str | None = None
    taxed: bool = False
    paid_days_ago: int | None = None


_POS: Final = (
    PoSpec("1001", "101", 30, (Goods("bracket", D(200), D("3.75")), Goods("bolts", D(40), D("18.20")))),
    PoSpec("1002", "101", 28, (Goods("beam", D(16), D("62.50")), Goods("gloves", D(30), D("11.40")))),
    PoSpec("1003", "102", 27, (Goods("boxes", D(500), D("1.20")), Goods("wrap", D(36), D("14.50")))),
    PoSpec("1004", "102", 26, (Goods("boxes", D(800), D("1.20")), Goods("wrap", D(60), D("14.50")))),
    PoSpec(
        "1005",
        "103",
        25,
        (Goods("cable", D(20), D("89.00")), Goods("breaker", D(50), D("7.85")), Goods("ties", D(10), D("12.40"))),
    ),
    PoSpec("1006", "104", 24, (Goods("bolts", D(100), D("17.90")), Goods("bracket", D(400), D("3.60")))),
    PoSpec("1007", "104", 40, (Goods("plate", D(30), D("145.00")),)),
    PoSpec("1008", "105", 32, (Goods("paper", D(25), D("42.00")), Goods("toner", D(6), D("78.50")))),
    PoSpec("1009", "106", 38, (Goods("plate", D(8), D("152.00")),)),
    PoSpec("1010", "106", 20, (Goods("sheet", D(12), D("96.40")),)),
    PoSpec(
        "1011",
        "108",
        22,
        (
            Goods("centrifuge", D(1), D("2450.00")),
            Goods("tips", D(20), D("23.75")),
            Charge(_FREIGHT, "Freight, crated and insured", D("85.00")),
        ),
        taxed=True,
    ),
    PoSpec("1012", "101", 12, (Goods("paper", D(6), D("42.00")), Goods("toner", D(2), D("78.50")))),
    # Billed by no bill in QuickBooks: its vendor's invoice arrives as a document (INVOICE_DOCUMENTS).
    PoSpec("1013", "105", 9, (Goods("paper", D(10), D("42.00")), Goods("toner", D(4), D("78.50")))),
)


def _billing(
    po_id: str, *quantities: Decimal | None, prices: dict[int, Decimal] | None = None
) -> tuple[tuple[str | None, Line], ...]:
    """Bill lines for PO lines in order: None skips a line; `prices` overrides a line's unit price."""
    po = next(p for p in _POS if p.po_id == po_id)
    out: list[tuple[str | None, Line]] = []
    for number, (line, qty) in enumerate(zip(po.lines, quantities, strict=True), start=1):
        if qty is None:
            continue
        if isinstance(line, Goods):
            price = (prices or {}).get(number, line.price)
            out.append((str(number), Goods(line.item, qty, price)))
        else:
            out.append((str(number), line))
    return tuple(out)


_BILLS: Final = (
    BillSpec("2001", "101", "NW-58211", 6, _billing("1001", D(200), D(40)), "1001"),
    BillSpec("2002", "101", "NW-58240", 4, _billing("1002", D(16), D(30), prices={1: D("62.75")}), "1002"),
    BillSpec("2003", "102", "BB-7731", 5, _billing("1003", D(500), D(36), prices={1: D("1.32")}), "1003"),
    BillSpec("2004", "102", "BB-7745", 3, _billing("1004", D(880), None), "1004"),
    BillSpec("2005", "103", "CE-2026-0419", 4, _billing("1005", D(20), D(50), D(10)), "1005"),
    BillSpec("2006", "104", "GF-10233", 10, _billing("1006", D(60), D(250)), "1006"),
    BillSpec("2007", "104", "GF-10257", 2, _billing("1006", D(40), D(100)), "1006"),
    BillSpec("2008", "104", "GF-10190", 28, _billing("1007", D(20)), "1007", paid_days_ago=20),
    BillSpec("2009", "104", "GF-10262", 3, _billing("1007", D(15)), "1007"),
    BillSpec("2010", "105", "INV-1001", 20, _billing("1008", D(25), D(6)), "1008", paid_days_ago=15),
    BillSpec("2011", "105", "inv 1001", 3, _billing("1008", D(25), D(6)), "1008"),
    BillSpec("2012", "106", "KM-3307", 30, _billing("1009", D(8)), "1009", paid_days_ago=18),
    BillSpec("2013", "106", "KM-3391", 2, _billing("1010", D(12)), "1010"),
    BillSpec("2014", "107", "LCS-0925", 5, ((None, Charge(_JANITORIAL, "Office cleaning, October", D("640.00"))),)),
    BillSpec("2015", "108", "SLE-INV-88120", 3, _billing("1011", D(1), D(20), D(1)), "1011", taxed=True),
    BillSpec("2016", "101", "NW-58302", 2, _billing("1012", D(6), D(2)), "1012"),
)
# (PO, PO line, quantity, days before as_of). PO 1005 line 2 is 10 short; PO 1004 line 1 and PO 1007 were
# over-delivered, so those bills trip only the variance they exist for.
_RECEIPTS: Final = (
    ("1001", "1", D(200), 12),
    ("1001", "2", D(40), 12),
    ("1002", "1", D(16), 10),
    ("1002", "2", D(30), 10),
    ("1003", "1", D(500), 9),
    ("1003", "2", D(36), 9),
    ("1004", "1", D(500), 12),
    ("1004", "1", D(380), 6),
    ("1004", "2", D(60), 12),
    ("1005", "1", D(20), 11),
    ("1005", "2", D(25), 11),
    ("1005", "2", D(15), 7),
    ("1005", "3", D(10), 11),
    ("1006", "1", D(60), 14),
    ("1006", "1", D(40), 5),
    ("1006", "2", D(400), 14),
    ("1007", "1", D(20), 30),
    ("1007", "1", D(15), 5),
    ("1008", "1", D(25), 24),
    ("1008", "2", D(6), 24),
    ("1009", "1", D(8), 33),
    ("1010", "1", D(12), 8),
    ("1013", "1", D(10), 4),
    ("1013", "2", D(4), 4),
    ("1011", "1", D(1), 9),
    ("1011", "2", D(20), 9),
    ("1012", "1", D(6), 4),
    ("1012", "2", D(2), 4),
)


def _stamp(day: date, hour: int = 9) -> str:
    return qbo_time(datetime.combine(day, time(hour, 15), COMPANY_TZ))


def _line(number: str, line: Line, taxed: bool, linked_po: str | None, po_line: str | None) -> dict[str, Any]:
    if isinstance(line, Goods):
        item_id, item_name = _ITEMS[line.item]
        record: dict[str, Any] = {
            "Id": number,
            "LineNum": int(number),
            "Description": item_name,
            "Amount": money(line.qty * line.price),
            "DetailType": "ItemBasedExpenseLineDetail",
            "ItemBasedExpenseLineDetail": {
                "ItemRef": {"value": item_id, "name": item_name},
                "UnitPrice": float(line.price),
                "Qty": int(line.qty),
                "BillableStatus": "NotBillable",
                "TaxCodeRef": {"value": "TAX" if taxed else "NON"},
            },
        }
    else:
        record = {
            "Id": number,
            "LineNum": int(number),
            "Description": line.description,
            "Amount": money(line.amount),
            "DetailType": "AccountBasedExpenseLineDetail",
            "AccountBasedExpenseLineDetail": {
                "AccountRef": dict(line.account),
                "BillableStatus": "NotBillable",
                "TaxCodeRef": {"value": "NON"},
            },
        }
    if linked_po is not None and po_line is not None:
        record["LinkedTxn"] = [{"TxnId": linked_po, "TxnType": "PurchaseOrder", "TxnLineId": po_line}]
    return record


def _goods_total(lines: list[Line]) -> Decimal:
    return sum((line.qty * line.price for line in lines if isinstance(line, Goods)), D(0))


def _amounts(lines: list[Line], taxed: bool) -> tuple[Decimal, dict[str, Any] | None]:
    """(TotalAmt, TxnTaxDetail): tax at TAX_RATE on the goods, added to the lines (TaxExcluded)."""
    net = sum((line.qty * line.price if isinstance(line, Goods) else line.amount for line in lines), D(0))
    if not taxed:
        return net, None
    taxable = _goods_total(lines)
    tax = (taxable * TAX_RATE / 100).quantize(D("0.01"))
    detail = {
        "TxnTaxCodeRef": {"value": "3"},
        "TotalTax": money(tax),
        "TaxLine": [
            {
                "Amount": money(tax),
                "DetailType": "TaxLineDetail",
                "TaxLineDetail": {
                    "TaxRateRef": {"value": "7"},
                    "PercentBased": True,
                    "TaxPercent": float(TAX_RATE),
                    "NetAmountTaxable": money(taxable),
                },
            }
        ],
    }
    return net + tax, detail


class _ApBuilder:
    def __init__(self, state: QboState, as_of: date, vendors: tuple[tuple[str, str, dict[str, str]], ...]) -> None:
        self.state = state
        self.as_of = as_of
        self.vendor_names = {vendor_id: name for vendor_id, name, _ in vendors}

    def day(self, days_ago: int) -> date:
        return self.as_of - timedelta(days=days_ago)

    def vendor_ref(self, vendor_id: str) -> dict[str, str]:
        return {"value": vendor_id, "name": self.vendor_names[vendor_id]}

    def vendor(self, vendor_id: str, name: str, bank: dict[str, str]) -> dict[str, Any]:
        created = _stamp(self.day(400 + int(vendor_id)))
        record: dict[str, Any] = {
            "Id": vendor_id,
            "SyncToken": "0",
            "DisplayName": name,
            "CompanyName": name,
            "PrintOnCheckName": name,
            "PrimaryEmailAddr": {"Address": f"billing@{name.lower().split()[0]}.example"},
            "Active": True,
            "Vendor1099": False,
            "Balance": 0.0,
            "CurrencyRef": dict(USD),
            "TermRef": dict(_NET_30),
            "VendorPaymentBankDetail": dict(bank),
            "domain": "QBO",
            "sparse": False,
            "MetaData": {"CreateTime": created, "LastUpdatedTime": created},
        }
        if vendor_id == BANK_CHANGE_VENDOR:
            record["SyncToken"] = "1"
            record["MetaData"]["LastUpdatedTime"] = _stamp(self.day(BANK_CHANGED_DAYS_AGO), 11)
        return record

    def purchase_order(self, spec: PoSpec) -> dict[str, Any]:
        day = self.day(spec.days_ago)
        total, tax = _amounts(list(spec.lines), spec.taxed)
        record: dict[str, Any] = {
            "Id": spec.po_id,
            "SyncToken": "0",
            "DocNumber": f"PO-{spec.po_id}",
            "TxnDate": day.isoformat(),
            "VendorRef": self.vendor_ref(spec.vendor_id),
            "APAccountRef": dict(_AP_ACCOUNT),
            "CurrencyRef": dict(USD),
            "POStatus": "Open",
            "EmailStatus": "EmailSent",
            "TotalAmt": money(total),
            "Line": [_line(str(n), line, spec.taxed, None, None) for n, line in enumerate(spec.lines, start=1)],
            "LinkedTxn": [],
            "domain": "QBO",
            "sparse": False,
            "MetaData": {"CreateTime": _stamp(day), "LastUpdatedTime": _stamp(day)},
        }
        if tax is not None:
            record["GlobalTaxCalculation"] = "TaxExcluded"
            record["TxnTaxDetail"] = tax
        return record

    def bill(self, spec: BillSpec) -> dict[str, Any]:
        day = self.day(spec.days_ago)
        lines = [line for _, line in spec.lines]
        total, tax = _amounts(lines, spec.taxed)
        record: dict[str, Any] = {
            "Id": spec.bill_id,
            "SyncToken": "0",
            "DocNumber": spec.doc_number,
            "TxnDate": day.isoformat(),
            "DueDate": (day + timedelta(days=30)).isoformat(),
            "VendorRef": self.vendor_ref(spec.vendor_id),
            "APAccountRef": dict(_AP_ACCOUNT),
            "SalesTermRef": dict(_NET_30),
            "CurrencyRef": dict(USD),
            "TotalAmt": money(total),
            "Balance": money(total),
            "PrivateNote": "",
            "Line": [
                _line(str(n), line, spec.taxed, spec.po_id, po_line)
                for n, (po_line, line) in enumerate(spec.lines, start=1)
            ],
            "LinkedTxn": [{"TxnId": spec.po_id, "TxnType": "PurchaseOrder"}] if spec.po_id else [],
            "domain": "QBO",
            "sparse": False,
            "MetaData": {"CreateTime": _stamp(day), "LastUpdatedTime": _stamp(day)},
        }
        if tax is not None:
            record["GlobalTaxCalculation"] = "TaxExcluded"
            record["TxnTaxDetail"] = tax
        if spec.po_id is not None:
            self.state.purchase_orders[spec.po_id]["LinkedTxn"].append({"TxnId": spec.bill_id, "TxnType": "Bill"})
        return record

    def pay(self, bill: dict[str, Any], payment_id: str, days_ago: int) -> dict[str, Any]:
        day = self.day(days_ago)
        amount = bill["TotalAmt"]
        payment = {
            "Id": payment_id,
            "SyncToken": "0",
            "TxnDate": day.isoformat(),
            "VendorRef": dict(bill["VendorRef"]),
            "PayType": "Check",
            "CheckPayment": {"BankAccountRef": dict(_CHECKING), "PrintStatus": "NotSet"},
            "APAccountRef": dict(_AP_ACCOUNT),
            "CurrencyRef": dict(USD),
            "TotalAmt": amount,
            "Line": [{"Amount": amount, "LinkedTxn": [{"TxnId": bill["Id"], "TxnType": "Bill"}]}],
            "domain": "QBO",
            "sparse": False,
            "MetaData": {"CreateTime": _stamp(day, 10), "LastUpdatedTime": _stamp(day, 10)},
        }
        bill["Balance"] = 0.0
        bill["SyncToken"] = "1"
        bill["LinkedTxn"].append({"TxnId": payment_id, "TxnType": "BillPayment"})
        bill["MetaData"]["LastUpdatedTime"] = _stamp(day, 10)
        return payment


def seed_ap(state: QboState, as_of: date) -> dict[str, Any]:
    """Replace the company's AP data (and the receiving log) with the fixed set; returns (and stores) its summary."""
    for table in (state.vendors, state.purchase_orders, state.bills, state.bill_payments):
        table.clear()
    state.receiving.receipts.clear()
    b = _ApBuilder(state, as_of, _VENDORS)
    for vendor_id, name, bank in _VENDORS:
        state.vendors[vendor_id] = b.vendor(vendor_id, name, bank)
    for po in _POS:
        state.purchase_orders[po.po_id] = b.purchase_order(po)
    next_payment = 3001
    for spec in _BILLS:
        bill = b.bill(spec)
        state.bills[spec.bill_id] = bill
        if spec.paid_days_ago is not None:
            payment = b.pay(bill, str(next_payment), spec.paid_days_ago)
            state.bill_payments[payment["Id"]] = payment
            next_payment += 1
    for bill in state.bills.values():
        vendor = state.vendors[bill["VendorRef"]["value"]]
        vendor["Balance"] = money(D(str(vendor["Balance"])) + D(str(bill["Balance"])))
    for number, (po_id, po_line, qty, days_ago) in enumerate(_RECEIPTS, start=1):
        state.receiving.receipts.append(receipt(f"RCV-{number:05d}", po_id, po_line, qty, b.day(days_ago)))

    state.ap_summary = {
        "as_of": as_of.isoformat(),
        "vendors": len(state.vendors),
        "purchase_orders": len(state.purchase_orders),
        "bills": len(state.bills),
        "bill_payments": len(state.bill_payments),
        "receipts": len(state.receiving.receipts),
        "bill_outcomes": {
            bill_id: {"outcome": o.outcome, "exception": o.exception, "note": o.note}
            for bill_id, o in BILL_OUTCOMES.items()
        },
        "history_bills": dict(HISTORY_BILLS),
        "bank_change": {
            "vendor_id": BANK_CHANGE_VENDOR,
            "previous": dict(PREVIOUS_BANK),
            "current": dict(CURRENT_BANK),
            "changed_on": b.day(BANK_CHANGED_DAYS_AGO).isoformat(),
            "paid_with_previous": "2012",
        },
    }
    return state.ap_summary


# Bulk AP data for the bench: N bills over M vendors, each bill against a purchase order of its own.

BulkMix = Literal["matched", "mixed"]
# Out of every 20 bills of a mixed set (taken with a stride of 7, so no kind comes in a run): 14 fully matched,
# 2 within tolerance, 2 price variances, 1 billed beyond what was received, 1 linked to no purchase order.
_MIXED: Final[tuple[tuple[str, str | None], ...]] = (
    *(("matched", None),) * 14,
    *(("within_tolerance", None),) * 2,
    *(("exceptions", "price_variance"),) * 2,
    ("exceptions", "billed_more_than_received"),
    ("exceptions", "no_purchase_order"),
)
BULK_VENDOR_BASE: Final = 10_001
BULK_PO_BASE: Final = 100_001
BULK_BILL_BASE: Final = 200_001


@dataclass(frozen=True)
class BulkParams:
    as_of: date
    bills: int
    vendors: int
    mix: BulkMix = "mixed"
    seed: int = 7


def _bulk_vendors(count: int) -> tuple[tuple[str, str, dict[str, str]], ...]:
    rows = []
    for n in range(count):
        name = f"Bulk Supplier {n + 1:04d} LLC"
        rows.append((str(BULK_VENDOR_BASE + n), name, _bank(name, f"{110_000_000 + 13 * n:09d}", f"{n + 1:012d}")))
    return tuple(rows)


def _bulk_order(rng: random.Random, po_id: str, vendor_id: str, days_ago: int) -> PoSpec:
    # Unit prices from 2.00, so one cent more is within the 0.5% price band.
    items = rng.sample(sorted(_ITEMS), rng.randint(1, 3))
    lines = tuple(Goods(item, D(rng.randint(2, 60)), D(rng.randint(200, 15_000)) / 100) for item in items)
    return PoSpec(po_id, vendor_id, days_ago, lines)


def _goods(line: Line) -> Goods:
    assert isinstance(line, Goods)  # bulk orders carry goods only
    return line


def _bulk_billing(po: PoSpec, outcome: str, exception: str | None) -> tuple[tuple[str | None, Line], ...]:
    """The order's lines as billed: line 1 a cent dearer (within tolerance) or 10% dearer (a price variance)."""
    billed: list[tuple[str | None, Line]] = []
    for number, line in enumerate(map(_goods, po.lines), start=1):
        price = line.price
        if number == 1 and outcome == "within_tolerance":
            price += D("0.01")
        elif number == 1 and exception == "price_variance":
            price = (price * D("1.10")).quantize(D("0.01"))
        billed.append((str(number), Goods(line.item, line.qty, price)))
    return tuple(billed)


class _BulkBuilder:
    def __init__(self, state: QboState, params: BulkParams) -> None:
        self.state, self.params = state, params
        self.rng = random.Random(params.seed)  # noqa: S311 - reproducible fixtures, not security
        self.vendor_rows = _bulk_vendors(params.vendors)
        self.b = _ApBuilder(state, params.as_of, self.vendor_rows)
        self.amounts: set[tuple[str, Decimal]] = set()
        """(vendor, total) of every bill so far: no bill may look like another's duplicate."""

    def _unique(self, vendor_id: str, total: Decimal) -> bool:
        return (vendor_id, total) not in self.amounts

    def bill(self, n: int, outcome: str, exception: str | None) -> dict[str, Any]:
        vendors = self.params.vendors
        vendor_id, bill_id = self.vendor_rows[n % vendors][0], str(BULK_BILL_BASE + n)
        days_ago = 1 + n % 28
        doc_number = f"BS{n % vendors + 1:04d}-{n + 1:06d}"
        if exception == "no_purchase_order":
            amount = D(self.rng.randint(5_000, 200_000)) / 100
            while not self._unique(vendor_id, amount):
                amount += D("0.01")
            charge: Line = Charge(_JANITORIAL, "Facility services", amount)
            spec = BillSpec(bill_id, vendor_id, doc_number, days_ago, ((None, charge),))
        else:
            po = _bulk_order(self.rng, str(BULK_PO_BASE + n), vendor_id, days_ago + self.rng.randint(5, 20))
            while not self._unique(
                vendor_id, _amounts([x for _, x in _bulk_billing(po, outcome, exception)], False)[0]
            ):
                first = _goods(po.lines[0])
                more = Goods(first.item, first.qty + 1, first.price)
                po = PoSpec(po.po_id, vendor_id, po.days_ago, (more, *po.lines[1:]))
            self.state.purchase_orders[po.po_id] = self.b.purchase_order(po)
            spec = BillSpec(bill_id, vendor_id, doc_number, days_ago, _bulk_billing(po, outcome, exception), po.po_id)
            self.receive(po, short=exception == "billed_more_than_received", days_ago=days_ago + 1)
        record = self.b.bill(spec)
        self.amounts.add((vendor_id, D(str(record["TotalAmt"]))))
        return record

    def receive(self, po: PoSpec, short: bool, days_ago: int) -> None:
        """Every ordered unit received, but a tenth of line 1 (at least one) when `short`."""
        receipts = self.state.receiving.receipts
        for number, line in enumerate(map(_goods, po.lines), start=1):
            missing = max(D(1), line.qty // 10) if short and number == 1 else D(0)
            receipt_id = f"RCV-B{len(receipts) + 1:06d}"
            receipts.append(receipt(receipt_id, po.po_id, str(number), line.qty - missing, self.b.day(days_ago)))


def seed_ap_bulk(state: QboState, params: BulkParams) -> dict[str, Any]:
    """Replace the company's AP data with `params.bills` bills over `params.vendors` vendors, each against a
    purchase order of its own (but those linked to none) with its goods received; with mix "matched" every bill
    is fully matched, with "mixed" one in five departs (see _MIXED). No two bills of a vendor share a number or
    an amount, so none is a duplicate. Deterministic for a seed; returns (and stores) the summary with each bill's
    intended outcome."""
    if not 1 <= params.vendors <= params.bills:
        raise ValueError("vendors must be between 1 and the number of bills")
    for table in (state.vendors, state.purchase_orders, state.bills, state.bill_payments):
        table.clear()
    state.receiving.receipts.clear()
    builder = _BulkBuilder(state, params)
    for vendor_id, name, bank in builder.vendor_rows:
        state.vendors[vendor_id] = builder.b.vendor(vendor_id, name, bank)
    intended: dict[str, dict[str, str | None]] = {}
    for n in range(params.bills):
        outcome, exception = ("matched", None) if params.mix == "matched" else _MIXED[(n * 7) % len(_MIXED)]
        bill = builder.bill(n, outcome, exception)
        state.bills[bill["Id"]] = bill
        intended[bill["Id"]] = {"outcome": outcome, "exception": exception}
    for bill in state.bills.values():
        vendor = state.vendors[bill["VendorRef"]["value"]]
        vendor["Balance"] = money(D(str(vendor["Balance"])) + D(str(bill["Balance"])))

    kinds = Counter(str(o["exception"] or o["outcome"]) for o in intended.values())
    state.ap_summary = {
        "as_of": params.as_of.isoformat(),
        "mix": params.mix,
        "seed": params.seed,
        "vendors": len(state.vendors),
        "purchase_orders": len(state.purchase_orders),
        "bills": len(state.bills),
        "bill_payments": 0,
        "receipts": len(state.receiving.receipts),
        "intended": dict(sorted(kinds.items())),
        "bill_outcomes": intended,
    }
    return state.ap_summary
