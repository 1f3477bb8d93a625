"""Receiving-log sandbox: the goods a tenant received against purchase order lines, as an inventory API serves them.

GET /receipts?po_ids=1001,1002 (bearer token) answers a JSON list of
{"ReceiptId", "PurchaseOrderId", "PurchaseOrderLineId", "Quantity", "ReceivedOn"}; without po_ids, every receipt.
Served by the QuickBooks sandbox's server, since its receipts follow that company's purchase orders.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from infra.sandboxes.qbo_state import ReceivingLog


class NewReceipt(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ReceiptId: str | None = None
    PurchaseOrderId: str
    PurchaseOrderLineId: str
    Quantity: Decimal = Field(gt=0)
    ReceivedOn: date


def receipt(receipt_id: str, po_id: str, po_line_id: str, quantity: Decimal, received_on: date) -> dict[str, object]:
    return {
        "ReceiptId": receipt_id,
        "PurchaseOrderId": po_id,
        "PurchaseOrderLineId": po_line_id,
        # Whole quantities as integers, as inventory systems send counts.
        "Quantity": int(quantity) if quantity == quantity.to_integral_value() else float(quantity),
        "ReceivedOn": received_on.isoformat(),
    }


def receiving_routes(log: ReceivingLog) -> list[Route]:
    async def list_receipts(request: Request) -> Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or token.strip() != log.token:
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        wanted = {p.strip() for p in request.query_params.get("po_ids", "").split(",") if p.strip()}
        return JSONResponse([r for r in log.receipts if not wanted or r["PurchaseOrderId"] in wanted])

    async def add_receipt(request: Request) -> Response:
        try:
            new = NewReceipt.model_validate_json(await request.body())
        except ValidationError as exc:
            return JSONResponse({"error": exc.errors(include_url=False)}, status_code=422)
        receipt_id = new.ReceiptId or f"RCV-{len(log.receipts) + 1:05d}"
        added = receipt(receipt_id, new.PurchaseOrderId, new.PurchaseOrderLineId, new.Quantity, new.ReceivedOn)
        log.receipts.append(added)
        return JSONResponse(added, status_code=201)

    return [
        Route("/receipts", list_receipts, methods=["GET"]),
        Route("/_sandbox/receipts", add_receipt, methods=["POST"]),
    ]
