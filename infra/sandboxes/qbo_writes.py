"""Writes as QuickBooks Online answers them: create, full and sparse update under SyncToken, BillPayment.

Every update names the Id and the SyncToken it read; a SyncToken that is no longer current is QuickBooks'
Stale Object Error (5010) and nothing changes. A sparse update changes only the fields it sends; a full one
replaces every writable field. Fields QuickBooks computes (TotalAmt, Balance, MetaData) are never taken from
a request, so a client may send back what it read.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from infra.sandboxes.qbo_state import EntityKind, QboState

WRITABLE: Final[dict[str, EntityKind]] = {
    "vendor": "Vendor",
    "purchaseorder": "PurchaseOrder",
    "bill": "Bill",
    "billpayment": "BillPayment",
}
USD: Final = {"value": "USD", "name": "United States Dollar"}
# The sandbox company's time zone: QuickBooks stamps MetaData in the company's local time.
COMPANY_TZ: Final = timezone(timedelta(hours=-8))
_ALWAYS_KEPT: Final = frozenset({"Id", "SyncToken", "MetaData", "domain", "sparse"})
_COMPUTED: Final[dict[EntityKind, frozenset[str]]] = {
    "Bill": frozenset({"TotalAmt", "Balance"}),
    "PurchaseOrder": frozenset({"TotalAmt"}),
    "Vendor": frozenset({"Balance"}),
}
_REQUIRED_ON_CREATE: Final[dict[EntityKind, tuple[str, ...]]] = {
    "Bill": ("VendorRef", "Line"),
    "PurchaseOrder": ("VendorRef", "Line"),
    "Vendor": ("DisplayName",),
    "BillPayment": ("VendorRef", "PayType", "TotalAmt", "Line"),
}


class QboFault(Exception):
    """A request QuickBooks refuses, with the Fault body it answers."""

    def __init__(self, status: int, fault_type: str, message: str, detail: str, code: str) -> None:
        super().__init__(f"{code} {message}: {detail}")
        self.status, self.fault_type, self.message, self.detail, self.code = status, fault_type, message, detail, code


def object_not_found() -> QboFault:
    return QboFault(
        400,
        "ValidationFault",
        "Object Not Found",
        "Object Not Found : Something you're trying to use has been made inactive. "
        "Check the fields with accounts, customers, items, vendors or employees.",
        "610",
    )


def _stale() -> QboFault:
    return QboFault(
        400,
        "ValidationFault",
        "Stale Object Error",
        "Stale Object Error : You and Sandbox User were working on this at the same time. "
        "Sandbox User finished before you did, so your work was not saved.",
        "5010",
    )


def missing_param(name: str) -> QboFault:
    return QboFault(
        400,
        "ValidationFault",
        "Required param missing, need to supply the required value for the API",
        f"Required parameter {name} is missing in the request",
        "2020",
    )


def _invalid_reference(kind: str, ref: str) -> QboFault:
    return QboFault(
        400,
        "ValidationFault",
        "Invalid Reference Id",
        f"Invalid Reference Id : {kind} element id {ref} not found",
        "2500",
    )


def _business(detail: str, code: str = "6000") -> QboFault:
    return QboFault(
        400,
        "ValidationFault",
        "A business validation error has occurred while processing your request",
        f"Business Validation Error: {detail}",
        code,
    )


def money(value: Decimal) -> float:
    """QuickBooks JSON carries amounts as numbers with two decimals."""
    return float(value.quantize(Decimal("0.01")))


def qbo_time(moment: datetime) -> str:
    return moment.astimezone(COMPANY_TZ).isoformat(timespec="seconds")


def _decimal(value: Any, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise QboFault(
            400, "ValidationFault", "Invalid Number", f"Invalid Number : {field} {value!r} is not a number", "2040"
        ) from None
    if not number.is_finite():
        raise QboFault(400, "ValidationFault", "Invalid Number", f"Invalid Number : {field} {value!r}", "2040")
    return number


def _total(record: dict[str, Any]) -> Decimal:
    """Sum of the detail lines, plus tax where the amounts exclude it."""
    lines = [line for line in record.get("Line", []) if line.get("DetailType") != "SubTotalLineDetail"]
    total = sum((_decimal(line.get("Amount", 0), "Line.Amount") for line in lines), Decimal(0))
    if record.get("GlobalTaxCalculation") == "TaxExcluded":
        total += _decimal(record.get("TxnTaxDetail", {}).get("TotalTax", 0), "TxnTaxDetail.TotalTax")
    return total


def _number_lines(record: dict[str, Any]) -> None:
    """QuickBooks gives every line an Id; lines a client sends without one get the next free number."""
    lines = record.get("Line", [])
    used = {int(line["Id"]) for line in lines if str(line.get("Id", "")).isdigit()}
    next_id = max(used, default=0) + 1
    for line in lines:
        if "Id" not in line:
            line["Id"] = str(next_id)
            next_id += 1


def _next_id(table: dict[str, dict[str, Any]]) -> str:
    return str(max((int(k) for k in table if k.isdigit()), default=0) + 1)


def _vendor_ref(state: QboState, body: dict[str, Any]) -> dict[str, Any]:
    ref = body.get("VendorRef")
    value = str(ref.get("value", "")) if isinstance(ref, dict) else ""
    vendor = state.vendors.get(value)
    if vendor is None:
        raise _invalid_reference("Vendors", value or "(none)")
    return {"value": value, "name": vendor["DisplayName"]}


def _touch(state: QboState, record: dict[str, Any]) -> None:
    record["SyncToken"] = str(int(record.get("SyncToken", "0")) + 1)
    record.setdefault("MetaData", {})["LastUpdatedTime"] = qbo_time(state.now())


def _adjust_vendor_balance(state: QboState, vendor_id: str, delta: Decimal) -> None:
    vendor = state.vendors.get(vendor_id)
    if vendor is not None:
        vendor["Balance"] = money(Decimal(str(vendor.get("Balance", 0))) + delta)


def _settle_totals(state: QboState, entity: EntityKind, record: dict[str, Any], before: dict[str, Any]) -> None:
    if entity not in ("Bill", "PurchaseOrder"):
        return
    total = _total(record)
    record["TotalAmt"] = money(total)
    if entity == "Bill":
        # What was paid stays paid: the open balance moves with the total.
        paid = Decimal(str(before.get("TotalAmt", 0))) - Decimal(str(before.get("Balance", 0)))
        record["Balance"] = money(total - paid)
        old_vendor = before.get("VendorRef", {}).get("value")
        if old_vendor is not None:
            _adjust_vendor_balance(state, old_vendor, -Decimal(str(before.get("Balance", 0))))
        _adjust_vendor_balance(state, record["VendorRef"]["value"], Decimal(str(record["Balance"])))


def _check_vendor_name(state: QboState, name: str, own_id: str | None) -> None:
    clash = next(
        (v for v in state.vendors.values() if v.get("DisplayName") == name and v.get("Id") != own_id),
        None,
    )
    if clash is not None:
        raise _business(f"Another vendor, customer or employee is already using this name: {name}", "6240")


def create(state: QboState, entity: EntityKind, body: dict[str, Any]) -> dict[str, Any]:
    for name in _REQUIRED_ON_CREATE[entity]:
        if name not in body:
            raise missing_param(name)
    if entity == "BillPayment":
        return _create_bill_payment(state, body)
    table = state.table(entity)
    now = qbo_time(state.now())
    record = {k: copy.deepcopy(v) for k, v in body.items() if k not in _ALWAYS_KEPT | _COMPUTED.get(entity, set())}
    record.update(Id=_next_id(table), SyncToken="0", domain="QBO", sparse=False)
    record["MetaData"] = {"CreateTime": now, "LastUpdatedTime": now}
    if entity == "Vendor":
        _check_vendor_name(state, str(body["DisplayName"]), None)
        record.setdefault("Active", True)
        record["Balance"] = 0.0
    else:
        record["VendorRef"] = _vendor_ref(state, body)
        record.setdefault("CurrencyRef", dict(USD))
        record.setdefault("TxnDate", state.now().astimezone(COMPANY_TZ).date().isoformat())
        _number_lines(record)
        if entity == "PurchaseOrder":
            record.setdefault("POStatus", "Open")
        _settle_totals(state, entity, record, {"TotalAmt": 0, "Balance": 0})
    table[record["Id"]] = record
    return copy.deepcopy(record)


def update(state: QboState, entity: EntityKind, body: dict[str, Any]) -> dict[str, Any]:
    if entity == "BillPayment":
        raise QboFault(400, "ValidationFault", "Unsupported Operation", "The sandbox only creates BillPayments", "500")
    record = state.table(entity).get(str(body["Id"]))
    if record is None:
        raise object_not_found()
    if "SyncToken" not in body:
        raise missing_param("SyncToken")
    if str(body["SyncToken"]) != record["SyncToken"]:
        raise _stale()
    if entity == "Bill" and "VendorRef" not in body:
        # QuickBooks wants the vendor repeated even on a sparse update of a bill.
        raise missing_param("VendorRef")
    if entity == "Vendor" and "DisplayName" in body:
        _check_vendor_name(state, str(body["DisplayName"]), record["Id"])

    kept = _ALWAYS_KEPT | _COMPUTED.get(entity, set())
    changes = {k: copy.deepcopy(v) for k, v in body.items() if k not in kept}
    if entity != "Vendor" and "VendorRef" in changes:
        changes["VendorRef"] = _vendor_ref(state, body)
    sparse = body.get("sparse") is True
    # Built aside and stored at the end, so a refused update leaves the record as it was.
    updated = copy.deepcopy(record) if sparse else {k: copy.deepcopy(v) for k, v in record.items() if k in kept}
    updated.update(changes)
    _number_lines(updated)
    _settle_totals(state, entity, updated, record)
    _touch(state, updated)
    state.table(entity)[record["Id"]] = updated
    return copy.deepcopy(updated)


def _create_bill_payment(state: QboState, body: dict[str, Any]) -> dict[str, Any]:
    vendor_ref = _vendor_ref(state, body)
    pay_type = body["PayType"]
    detail = {"Check": "CheckPayment", "CreditCard": "CreditCardPayment"}.get(pay_type)
    if detail is None:
        raise _business(f"PayType must be Check or CreditCard, not {pay_type!r}")
    if detail not in body:
        raise missing_param(detail)
    total = _decimal(body["TotalAmt"], "TotalAmt")
    applied: list[tuple[dict[str, Any], Decimal]] = []
    for line in body["Line"]:
        amount = _decimal(line.get("Amount"), "Line.Amount")
        for linked in line.get("LinkedTxn", []):
            bill = state.bills.get(str(linked.get("TxnId")))
            if linked.get("TxnType") != "Bill" or bill is None:
                raise _invalid_reference("Bill", str(linked.get("TxnId")))
            if bill["VendorRef"]["value"] != vendor_ref["value"]:
                raise _business(f"Bill {bill['Id']} belongs to another vendor")
            if amount > Decimal(str(bill["Balance"])):
                raise _business(f"The payment amount {amount} exceeds the open balance of bill {bill['Id']}")
            applied.append((bill, amount))
    if sum((amount for _, amount in applied), Decimal(0)) > total:
        raise _business("The amounts applied to bills exceed TotalAmt")

    now = qbo_time(state.now())
    record = {k: copy.deepcopy(v) for k, v in body.items() if k not in _ALWAYS_KEPT}
    record.update(
        Id=_next_id(state.bill_payments),
        SyncToken="0",
        VendorRef=vendor_ref,
        TotalAmt=money(total),
        domain="QBO",
        sparse=False,
        MetaData={"CreateTime": now, "LastUpdatedTime": now},
    )
    record.setdefault("CurrencyRef", dict(USD))
    record.setdefault("TxnDate", state.now().astimezone(COMPANY_TZ).date().isoformat())
    for bill, amount in applied:
        bill["Balance"] = money(Decimal(str(bill["Balance"])) - amount)
        bill.setdefault("LinkedTxn", []).append({"TxnId": record["Id"], "TxnType": "BillPayment"})
        _touch(state, bill)
        _adjust_vendor_balance(state, vendor_ref["value"], -amount)
    state.bill_payments[record["Id"]] = record
    return copy.deepcopy(record)


def write(state: QboState, entity: EntityKind, body: dict[str, Any]) -> dict[str, Any]:
    """POST /v3/company/<realm>/<entity>: an update when the body names an Id, else a create."""
    return update(state, entity, body) if "Id" in body else create(state, entity, body)
