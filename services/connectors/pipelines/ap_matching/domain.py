"""What AP matching reads from QuickBooks for one bill: which changes start a match, the purchase orders and vendor
the bill names, the queries that fetch them and the ids of the trigger. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final
from uuid import NAMESPACE_URL, UUID, uuid5

from contracts.ap_matching import SPEC, BillReceived
from services.connectors.safe_ids import checked, safe_id
from shared.errors import PermanentError

MATCHED_OPERATIONS: Final = frozenset({"Create", "Update"})
"""A deleted or voided bill starts no match (counted, not published)."""


class BillNotFound(PermanentError):
    """QuickBooks has no bill with this id (deleted since the change was announced, or never there)."""


class OtherRealm(PermanentError):
    """The bill is in a QuickBooks company these connectors do not read."""


def linked_po_ids(bill: dict[str, Any]) -> tuple[str, ...]:
    """Purchase orders the bill links to (LinkedTxn on the header or any line), in order of first mention. An
    unusable id is left out of the query; validation names the bill's problem."""
    links = [*_list(bill.get("LinkedTxn"))]
    for line in _list(bill.get("Line")):
        if isinstance(line, dict):
            links += _list(line.get("LinkedTxn"))
    found = (link.get("TxnId") for link in links if isinstance(link, dict) and link.get("TxnType") == "PurchaseOrder")
    return tuple(dict.fromkeys(s for i in found if (s := safe_id(i)) is not None))


def vendor_id(bill: dict[str, Any]) -> str | None:
    ref = bill.get("VendorRef")
    value = ref.get("value") if isinstance(ref, dict) else None
    return safe_id(value)


def purchase_orders_query(po_ids: Sequence[str]) -> str:
    ids = ", ".join(f"'{checked(i)}'" for i in po_ids)
    return f"select * from PurchaseOrder where Id in ({ids})"  # noqa: S608 - QBO query, ids checked


def vendor_bills_query(vendor: str) -> str:
    return f"select * from Bill where VendorRef = '{checked(vendor)}'"  # noqa: S608 - QBO query, ids checked


def trigger_ids(tenant: str, received: BillReceived) -> tuple[UUID, UUID]:
    """(event id, correlation id), both from the change's id: a redelivered change publishes the same message."""
    return (
        uuid5(NAMESPACE_URL, f"seamline:{tenant}:intuit-event:{received.event_id}"),
        uuid5(NAMESPACE_URL, f"seamline:{tenant}:{SPEC.name}:bill:{received.bill_id}:{received.event_id}"),
    )


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
