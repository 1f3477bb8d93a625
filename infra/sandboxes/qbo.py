"""QuickBooks Online sandbox: Intuit OAuth2 token endpoint, v3 query and entity reads."""

from __future__ import annotations

import asyncio
import base64
import copy
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from infra.sandboxes.qbo_control import control_routes
from infra.sandboxes.qbo_query import QueryParseError, parse_query, run_query
from infra.sandboxes.qbo_state import REFRESH_TOKEN_TTL, EntityKind, QboState

Handler = Callable[[Request], Awaitable[Response]]
_READABLE: dict[str, EntityKind] = {"invoice": "Invoice", "customer": "Customer", "payment": "Payment"}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _fault(status: int, fault_type: str, message: str, detail: str, code: str, **headers: str) -> JSONResponse:
    body = {
        "Fault": {"Error": [{"Message": message, "Detail": detail, "code": code}], "type": fault_type},
        "time": _now(),
    }
    return JSONResponse(body, status_code=status, headers={"intuit_tid": secrets.token_hex(8), **headers})


def _auth_failed() -> JSONResponse:
    return _fault(
        401,
        "AUTHENTICATION",
        "message=AuthenticationFailed; errorCode=003200; statusCode=401",
        "Token expired",
        "3200",
    )


def build_qbo_app(state: QboState) -> Starlette:
    def counted(kind: str, handler: Handler) -> Handler:
        async def wrapper(request: Request) -> Response:
            response = await handler(request)
            state.requests.record(kind, response.status_code)
            return response

        return wrapper

    def api(handler: Handler) -> Handler:
        """Fault injection, bearer auth and realm check shared by every /v3 endpoint."""

        async def wrapper(request: Request) -> Response:
            fault = state.faults.take()
            if fault == "429":
                return _fault(
                    429,
                    "SERVICE",
                    "message=ThrottleExceeded; errorCode=003001; statusCode=429",
                    "The request limit was reached.",
                    "3001",
                    **{"Retry-After": str(state.faults.retry_after)},
                )
            if fault == "500":
                return _fault(
                    500,
                    "SystemFault",
                    "An application error has occurred while processing your request",
                    "System Failure Error: sandbox injected fault",
                    "10000",
                )
            if fault == "timeout":
                await asyncio.sleep(state.faults.delay)
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not state.tokens.is_valid_access_token(token.strip()):
                return _auth_failed()
            if request.path_params["realm_id"] != state.realm_id:
                return _fault(
                    403,
                    "AUTHORIZATION",
                    "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403",
                    "The token is not authorized for this realm.",
                    "3100",
                )
            return await handler(request)

        return wrapper

    async def token(request: Request) -> Response:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        try:
            client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            client_id = secret = ""
        if scheme.lower() != "basic" or (client_id, secret) != (
            state.tokens.client_id,
            state.tokens.client_secret,
        ):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        # Parsed by hand: starlette's form parser needs python-multipart, which we do not ship.
        form = {k: v[-1] for k, v in parse_qs((await request.body()).decode()).items()}
        if form.get("grant_type") != "refresh_token":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        issued = state.tokens.refresh(form.get("refresh_token", ""))
        if issued is None:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        access, refresh = issued
        return JSONResponse(
            {
                "token_type": "bearer",
                "access_token": access,
                "expires_in": int(state.tokens.access_token_ttl),
                "refresh_token": refresh,
                "x_refresh_token_expires_in": REFRESH_TOKEN_TTL,
            }
        )

    async def query(request: Request) -> Response:
        text = request.query_params.get("query")
        if text is None and request.method == "POST":
            text = (await request.body()).decode()
        try:
            parsed = parse_query(text or "")
        except QueryParseError as exc:
            return _fault(400, "ValidationFault", "Error parsing query", f"QueryParserError: {exc}", "4000")
        result = run_query(parsed, state.records_in_id_order(parsed.entity))
        if parsed.count:
            body: dict[str, Any] = {"totalCount": result.total_count}
        elif result.records:
            body = {
                parsed.entity: copy.deepcopy(result.records),
                "startPosition": parsed.start_position,
                "maxResults": len(result.records),
            }
        else:
            body = {}
        return JSONResponse({"QueryResponse": body, "time": _now()})

    async def read(request: Request) -> Response:
        entity = _READABLE.get(request.path_params["entity"].lower())
        record = state.table(entity).get(request.path_params["entity_id"]) if entity else None
        if entity is None or record is None:
            return _fault(
                400,
                "ValidationFault",
                "Object Not Found",
                "Object Not Found : Something you're trying to use has been made inactive. "
                "Check the fields with accounts, customers, items, vendors or employees.",
                "610",
            )
        return JSONResponse({entity: copy.deepcopy(record), "time": _now()})

    company = "/v3/company/{realm_id}"
    return Starlette(
        routes=[
            Route("/oauth2/v1/tokens/bearer", counted("token", token), methods=["POST"]),
            Route(f"{company}/query", counted("query", api(query)), methods=["GET", "POST"]),
            Route(f"{company}/{{entity}}/{{entity_id}}", counted("read", api(read)), methods=["GET"]),
            *control_routes(state),
        ]
    )
