"""Everything a match needs for one bill, in as few QuickBooks calls as the API allows: the bill (a read), then at
once its purchase orders (one query), its vendor (a read) and the vendor's bills (one query), with the receipts
for those orders when the tenant keeps a receiving log."""

from __future__ import annotations

import asyncio

from contracts.ap_matching import RawBillFetched
from services.connectors.pipelines.ap_matching.domain import (
    BillNotFound,
    linked_po_ids,
    purchase_orders_query,
    vendor_bills_query,
    vendor_id,
)
from services.connectors.pipelines.ap_matching.ports import ReceivingLog
from services.connectors.ports import JsonObject, QuickBooks


async def fetch_bill(
    qbo: QuickBooks, receiving_log: ReceivingLog | None, realm_id: str, bill_id: str
) -> RawBillFetched:
    bill = await qbo.read("Bill", bill_id)
    if bill is None:
        raise BillNotFound(f"QuickBooks has no bill {bill_id} in company {realm_id}")
    po_ids, vendor = linked_po_ids(bill), vendor_id(bill)

    async def purchase_orders() -> list[JsonObject]:
        return await qbo.query_all(purchase_orders_query(po_ids)) if po_ids else []

    async def vendor_record() -> JsonObject | None:
        return await qbo.read("Vendor", vendor) if vendor else None

    async def vendor_bills() -> list[JsonObject]:
        found = await qbo.query_all(vendor_bills_query(vendor)) if vendor else []
        return [other for other in found if str(other.get("Id")) != bill_id]

    async def receipts() -> list[JsonObject] | None:
        if receiving_log is None:
            return None
        return await receiving_log.receipts(po_ids) if po_ids else []

    orders, vendor_found, others, received = await asyncio.gather(
        purchase_orders(), vendor_record(), vendor_bills(), receipts()
    )
    return RawBillFetched(
        realm_id=realm_id,
        bill_id=bill_id,
        bill=bill,
        purchase_orders=orders,
        vendor=vendor_found,
        vendor_bills=others,
        receipts=received,
    )
