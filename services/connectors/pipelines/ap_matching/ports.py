"""What AP matching reads besides QuickBooks: the tenant's receiving log. Read-only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from services.connectors.ports import JsonObject


class ReceivingLog(Protocol):
    async def receipts(self, po_ids: Sequence[str]) -> list[JsonObject]:
        """Goods received against these purchase orders ({"ReceiptId", "PurchaseOrderId", "PurchaseOrderLineId",
        "Quantity", "ReceivedOn"}); none yet is an empty list."""
        ...
