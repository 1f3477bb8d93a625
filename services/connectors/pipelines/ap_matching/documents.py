"""A vendor invoice read from a document becomes a draft QuickBooks bill: the purchase orders its numbers name,
the vendor those orders are with (or, without an order, the vendor of that name), and each line tied to the order
line it names, where one does exactly. Pure: what to ask QuickBooks, and the draft built from the answers.

Nothing here matches or judges the bill: a line that names no order line stays an unlinked expense line and
rules find it unmatched; a vendor named differently from the order's is rules' `vendor_mismatch`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from contracts.ap_matching import DOCUMENT_MARK, BillDocument, BillDocumentExtracted, ExtractedBill, ExtractedBillLine
from services.connectors.pipelines.ap_matching.domain import vendor_id
from shared.errors import PermanentError

_QUERY_SAFE = re.compile(r"^[\w .,&()/#-]{1,100}$")
_WORDS = re.compile(r"[^\w]+")
_CHARGE = re.compile(r"\b(freight|shipping|delivery)\b", re.IGNORECASE)


class DocumentUnresolved(PermanentError):
    """The document names nothing QuickBooks knows: no order by its numbers and no vendor by its name."""


def _number(value: Decimal) -> float:
    """A JSON number, as QuickBooks writes amounts; exact for any amount a bill carries (15 significant digits)."""
    number = float(value)
    if Decimal(repr(number)) != value:
        raise DocumentUnresolved(f"{value} cannot be written as a QuickBooks amount exactly")
    return number


def document_bill_id(document_id: str) -> str:
    return f"doc-{document_id}"


def document_of(bill: dict[str, Any]) -> str | None:
    """The document a QuickBooks bill was created from in Seamline (its PrivateNote mark), if any."""
    note = str(bill.get("PrivateNote") or "")
    at = note.find(DOCUMENT_MARK)
    if at < 0:
        return None
    found = re.match(r"[0-9a-f]{8,64}", note[at + len(DOCUMENT_MARK) :])
    return found.group(0) if found else None


def queryable(text: str) -> str | None:
    """`text` if it can go inside a QuickBooks query literal as it is, else None (never escaped into one)."""
    stripped = text.strip()
    return stripped if _QUERY_SAFE.match(stripped) and "'" not in stripped else None


def orders_by_number_query(numbers: Sequence[str]) -> str | None:
    safe = [n for n in (queryable(x) for x in numbers) if n is not None]
    if not safe:
        return None
    listed = ", ".join(f"'{n}'" for n in dict.fromkeys(safe))
    return f"select * from PurchaseOrder where DocNumber in ({listed})"  # noqa: S608 - literals checked


def vendor_by_name_query(name: str) -> str | None:
    safe = queryable(name)
    return f"select * from Vendor where DisplayName = '{safe}'" if safe else None  # noqa: S608 - checked


def order_vendor(orders: Sequence[dict[str, Any]]) -> str | None:
    """The vendor of the first order (rules flag orders of other vendors)."""
    return next((v for o in orders if (v := vendor_id(o)) is not None), None)


def _words(text: str) -> str:
    return " ".join(_WORDS.sub(" ", text.lower()).split())


def _order_line_for(line: ExtractedBillLine, orders: Sequence[dict[str, Any]]) -> tuple[str, dict[str, Any]] | None:
    """The one order line whose description (or item name) the document's line names; None if none or several."""
    said = _words(line.description.value)
    found: list[tuple[str, dict[str, Any]]] = []
    for order in orders:
        for po_line in order.get("Line") or []:
            if not isinstance(po_line, dict):
                continue
            detail = po_line.get("ItemBasedExpenseLineDetail") or {}
            item = _words(str((detail.get("ItemRef") or {}).get("name") or ""))
            described = _words(str(po_line.get("Description") or ""))
            if said and (said == described or (item and (said == item or f" {item} " in f" {said} "))):
                found.append((str(order.get("Id")), po_line))
    return found[0] if len(found) == 1 else None


def _line(n: int, line: ExtractedBillLine, orders: Sequence[dict[str, Any]], account: str) -> dict[str, Any]:
    body: dict[str, Any] = {"Id": str(n), "Amount": _number(line.amount.value), "Description": line.description.value}
    tied = _order_line_for(line, orders)
    if tied is None:
        return body | {
            "DetailType": "AccountBasedExpenseLineDetail",
            "AccountBasedExpenseLineDetail": {"AccountRef": {"value": account}},
        }
    po_id, po_line = tied
    body["LinkedTxn"] = [{"TxnId": po_id, "TxnType": "PurchaseOrder", "TxnLineId": str(po_line.get("Id"))}]
    item = po_line.get("ItemBasedExpenseLineDetail")
    if not isinstance(item, dict):
        ordered = (po_line.get("AccountBasedExpenseLineDetail") or {}).get("AccountRef") or {"value": account}
        return body | {
            "DetailType": "AccountBasedExpenseLineDetail",
            "AccountBasedExpenseLineDetail": {"AccountRef": ordered},
        }
    detail: dict[str, Any] = {"ItemRef": item.get("ItemRef")}
    if line.quantity is not None:
        detail["Qty"] = _number(line.quantity.value)
    if line.unit_price is not None:
        detail["UnitPrice"] = _number(line.unit_price.value)
    return body | {"DetailType": "ItemBasedExpenseLineDetail", "ItemBasedExpenseLineDetail": detail}


def _charge(n: int, description: str, amount: Decimal, account: str) -> dict[str, Any]:
    return {
        "Id": str(n),
        "Amount": _number(amount),
        "Description": description,
        "DetailType": "AccountBasedExpenseLineDetail",
        "AccountBasedExpenseLineDetail": {"AccountRef": {"value": account, "name": description}},
    }


def draft_bill(
    extracted: BillDocumentExtracted, orders: Sequence[dict[str, Any]], vendor: dict[str, Any], account: str
) -> dict[str, Any]:
    """The QuickBooks Bill body approving the document would create. Fields the document does not state are left
    out, so validation names them (an invoice without a number or a total is not guessed into one)."""
    bill: ExtractedBill = extracted.extracted
    lines = [_line(n, line, orders, account) for n, line in enumerate(bill.lines, start=1)]
    if bill.freight is not None and not any(_CHARGE.search(x.description.value) for x in bill.lines):
        lines.append(_charge(len(lines) + 1, "Freight", bill.freight.value, account))
    draft: dict[str, Any] = {
        "Id": document_bill_id(extracted.document_id),
        "SyncToken": "0",
        "VendorRef": {"value": str(vendor["Id"]), "name": str(vendor.get("DisplayName") or "")},
        "Line": lines,
        "LinkedTxn": [{"TxnId": str(o["Id"]), "TxnType": "PurchaseOrder"} for o in orders],
        "PrivateNote": f"Read from {extracted.filename} [{DOCUMENT_MARK}{extracted.document_id}]",
    }
    if bill.invoice_number is not None:
        draft["DocNumber"] = bill.invoice_number.value
    if bill.invoice_date is not None:
        draft["TxnDate"] = bill.invoice_date.value.isoformat()
    if bill.due_date is not None:
        draft["DueDate"] = bill.due_date.value.isoformat()
    if bill.total is not None:
        draft["TotalAmt"] = _number(bill.total.value)
    if bill.currency is not None:
        draft["CurrencyRef"] = {"value": bill.currency.value}
    if bill.tax is not None:
        draft["TxnTaxDetail"] = {"TotalTax": _number(bill.tax.value)}
    return draft


def provenance(extracted: BillDocumentExtracted, draft: dict[str, Any]) -> BillDocument:
    return BillDocument(
        document_id=extracted.document_id,
        filename=extracted.filename,
        sha256=extracted.sha256,
        extracted=extracted.extracted,
        draft=draft,
    )
