"""Everything a match needs for one bill, in as few QuickBooks calls as the API allows: the bill (a read), then at
once its purchase orders (one query), its vendor (a read) and the vendor's bills (one query), with the receipts
for those orders when the tenant keeps a receiving log."""

from __future__ import annotations

import asyncio

from contracts.ap_matching import BillDocumentExtracted, BillSource, RawBillFetched
from services.connectors.pipelines.ap_matching.documents import (
    DocumentUnresolved,
    draft_bill,
    order_vendor,
    orders_by_number_query,
    provenance,
    vendor_by_name_query,
)
from services.connectors.pipelines.ap_matching.domain import (
    BillNotFound,
    linked_po_ids,
    purchase_orders_query,
    vendor_bills_query,
    vendor_id,
)
from services.connectors.pipelines.ap_matching.ports import ReceivingLog
from services.connectors.pipelines.ap_matching.settings import ApConnectorsSettings
from services.connectors.ports import JsonObject, QuickBooks


async def fetch_bill(
    qbo: QuickBooks,
    receiving_log: ReceivingLog | None,
    realm_id: str,
    bill_id: str,
    source: BillSource = BillSource.WEBHOOK,
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
        source=source,
    )


async def fetch_document_bill(
    qbo: QuickBooks,
    receiving_log: ReceivingLog | None,
    realm_id: str,
    extracted: BillDocumentExtracted,
    settings: ApConnectorsSettings,
) -> RawBillFetched:
    """The orders the document's numbers name (one query) and their vendor, or the vendor of the name it was issued
    under; then, as for any bill, the vendor record, the vendor's bills and the receipts. A document that names no
    order and no vendor QuickBooks knows is DocumentUnresolved (dead-lettered, replayable once the vendor exists)."""
    bill = extracted.extracted
    orders_query = orders_by_number_query([n.value for n in bill.po_numbers])
    orders = await qbo.query_all(orders_query) if orders_query else []
    vendor = order_vendor(orders)
    if vendor is None and bill.vendor_name is not None:
        by_name = vendor_by_name_query(bill.vendor_name.value)
        found = await qbo.query_all(by_name) if by_name else []
        vendor = str(found[0]["Id"]) if found else None
    if vendor is None:
        named = bill.vendor_name.value if bill.vendor_name else "no vendor name"
        numbers = ", ".join(n.value for n in bill.po_numbers) or "no order number"
        raise DocumentUnresolved(
            f"document {extracted.document_id} ({extracted.filename}): no purchase order {numbers} and no vendor "
            f"{named!r} in QuickBooks"
        )
    po_ids = [str(o["Id"]) for o in orders]

    async def vendor_bills() -> list[JsonObject]:
        return await qbo.query_all(vendor_bills_query(vendor))

    async def receipts() -> list[JsonObject] | None:
        if receiving_log is None:
            return None
        return await receiving_log.receipts(po_ids) if po_ids else []

    vendor_record, others, received = await asyncio.gather(qbo.read("Vendor", vendor), vendor_bills(), receipts())
    if vendor_record is None:
        raise DocumentUnresolved(f"vendor {vendor} of document {extracted.document_id} is not in QuickBooks")
    draft = draft_bill(extracted, orders, vendor_record, settings.bill_expense_account_id)
    return RawBillFetched(
        realm_id=realm_id,
        bill_id=str(draft["Id"]),
        bill=draft,
        purchase_orders=orders,
        vendor=vendor_record,
        vendor_bills=others,
        receipts=received,
        document=provenance(extracted, draft),
        source=BillSource.DOCUMENT,
    )
