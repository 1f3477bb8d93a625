"""Control API of the QBO sandbox (/_sandbox/...): reseed (also bulk AP data), insert records, inject faults, counters,
webhooks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from infra.sandboxes.qbo_ap_seed import BulkMix, BulkParams, seed_ap, seed_ap_bulk
from infra.sandboxes.qbo_cash_seed import CashSeedRequest, seed_cash
from infra.sandboxes.qbo_seed import SeedParams, seed_company
from infra.sandboxes.qbo_state import EntityKind, QboState, RequestLog
from infra.sandboxes.qbo_webhooks import webhook_routes

Handler = Callable[[Request], Awaitable[Response]]


class SeedRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    as_of: date = Field(default_factory=date.today)
    customers: int = Field(40, ge=0, le=5000)
    invoices: int = Field(200, ge=0, le=20000)
    seed: int = 42


class ApSeedRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    as_of: date = Field(default_factory=date.today)


class ApBulkRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    as_of: date = Field(default_factory=date.today)
    bills: int = Field(ge=1, le=20000)
    vendors: int | None = Field(None, ge=1)
    """Default: one vendor per 20 bills."""
    mix: BulkMix = "mixed"
    seed: int = 7


class FaultRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mode: Literal["none", "429", "500", "timeout"]
    count: int | None = Field(None, ge=1)
    retry_after: int = Field(1, ge=0)
    delay: float = Field(5.0, ge=0)


class TokenSettingsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    access_token_ttl: float | None = Field(None, ge=0)
    expire_all: bool = False


def control_routes(state: QboState) -> list[Route]:
    async def summary(_: Request) -> Response:
        return JSONResponse(state.summary)

    async def reseed(request: Request) -> Response:
        try:
            body = SeedRequest.model_validate_json(await request.body() or b"{}")
        except ValidationError as exc:
            return JSONResponse({"error": exc.errors(include_url=False)}, status_code=422)
        params = SeedParams(body.as_of, body.customers, body.invoices, body.seed)
        return JSONResponse(seed_company(state, params))

    async def ap_summary(_: Request) -> Response:
        return JSONResponse(state.ap_summary)

    async def ap_reseed(request: Request) -> Response:
        try:
            body = ApSeedRequest.model_validate_json(await request.body() or b"{}")
        except ValidationError as exc:
            return JSONResponse({"error": exc.errors(include_url=False)}, status_code=422)
        return JSONResponse(seed_ap(state, body.as_of))

    async def ap_bulk(request: Request) -> Response:
        try:
            body = ApBulkRequest.model_validate_json(await request.body() or b"{}")
        except ValidationError as exc:
            return JSONResponse({"error": exc.errors(include_url=False)}, status_code=422)
        vendors = body.vendors or max(1, body.bills // 20)
        if vendors > body.bills:
            return JSONResponse({"error": "vendors may not exceed bills"}, status_code=422)
        return JSONResponse(seed_ap_bulk(state, BulkParams(body.as_of, body.bills, vendors, body.mix, body.seed)))

    async def cash_reseed(request: Request) -> Response:
        try:
            body = CashSeedRequest.model_validate_json(await request.body() or b"{}")
        except ValidationError as exc:
            return JSONResponse({"error": exc.errors(include_url=False)}, status_code=422)
        return JSONResponse(seed_cash(state, body))

    def inserter(entity: EntityKind) -> Handler:
        async def insert(request: Request) -> Response:
            try:
                record = await request.json()
            except ValueError:
                record = None
            if not isinstance(record, dict):
                return JSONResponse({"error": f"body must be a {entity} JSON object"}, status_code=400)
            return JSONResponse({entity: state.insert(entity, record)}, status_code=201)

        return insert

    async def faults(request: Request) -> Response:
        if request.method == "POST":
            try:
                body = FaultRequest.model_validate_json(await request.body())
            except ValidationError as exc:
                return JSONResponse({"error": exc.errors(include_url=False)}, status_code=422)
            plan = state.faults
            plan.mode, plan.remaining = body.mode, (None if body.mode == "none" else body.count)
            plan.retry_after, plan.delay = body.retry_after, body.delay
        plan = state.faults
        return JSONResponse(
            {
                "mode": plan.mode,
                "remaining": plan.remaining,
                "retry_after": plan.retry_after,
                "delay": plan.delay,
            }
        )

    async def tokens(request: Request) -> Response:
        try:
            body = TokenSettingsRequest.model_validate_json(await request.body() or b"{}")
        except ValidationError as exc:
            return JSONResponse({"error": exc.errors(include_url=False)}, status_code=422)
        if body.access_token_ttl is not None:
            state.tokens.access_token_ttl = body.access_token_ttl
        if body.expire_all:
            state.tokens.access_tokens.clear()
        return JSONResponse({"access_token_ttl": state.tokens.access_token_ttl})

    async def requests(request: Request) -> Response:
        if request.method == "DELETE":
            state.requests = RequestLog()
        return JSONResponse(state.requests.as_json())

    return [
        Route("/_sandbox/summary", summary, methods=["GET"]),
        Route("/_sandbox/seed", reseed, methods=["POST"]),
        Route("/_sandbox/invoices", inserter("Invoice"), methods=["POST"]),
        Route("/_sandbox/customers", inserter("Customer"), methods=["POST"]),
        Route("/_sandbox/payments", inserter("Payment"), methods=["POST"]),
        Route("/_sandbox/ap/summary", ap_summary, methods=["GET"]),
        Route("/_sandbox/ap/seed", ap_reseed, methods=["POST"]),
        Route("/_sandbox/ap/bulk", ap_bulk, methods=["POST"]),
        Route("/_sandbox/vendors", inserter("Vendor"), methods=["POST"]),
        Route("/_sandbox/purchaseorders", inserter("PurchaseOrder"), methods=["POST"]),
        Route("/_sandbox/bills", inserter("Bill"), methods=["POST"]),
        Route("/_sandbox/billpayments", inserter("BillPayment"), methods=["POST"]),
        Route("/_sandbox/accounts", inserter("Account"), methods=["POST"]),
        Route("/_sandbox/cash/seed", cash_reseed, methods=["POST"]),
        *webhook_routes(state),
        Route("/_sandbox/faults", faults, methods=["GET", "POST"]),
        Route("/_sandbox/tokens", tokens, methods=["POST"]),
        Route("/_sandbox/requests", requests, methods=["GET", "DELETE"]),
    ]
