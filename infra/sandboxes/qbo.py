"""QuickBooks Online sandbox: Intuit OAuth2 token endpoint, v3 query, entity reads and writes, change data capture."""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from infra.sandboxes.qbo_cdc import changes_since
from infra.sandboxes.qbo_control import control_routes
from infra.sandboxes.qbo_query import QueryParseError, parse_query, query_table
from infra.sandboxes.qbo_state import ENTITY_KINDS, REFRESH_TOKEN_TTL, EntityKind, QboState
from infra.sandboxes.qbo_writes import COMPANY_TZ, WRITABLE, QboFault, object_not_found, write
from infra.sandboxes.receiving import receiving_routes

Handler = Callable[[Request], Awaitable[Response]]
_READABLE: dict[str, EntityKind] = {kind.lower(): kind for kind in ENTITY_KINDS}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _fault(status: int, fault_type: str, message: str, detail: str, code: str, **headers: str) -> JSONResponse:
    body = {
        "Fault": {"Error": [{"Message": message, "Detail": detail, "code": code}], "type": fault_type},
        "time": _now(),
    }
    return JSONResponse(body, status_code=status, headers={"intuit_tid": secrets.token_hex(8), **headers})


def _answer(fault: QboFault) -> JSONResponse:
    return _fault(fault.status, fault.fault_type, fault.message, fault.detail, fault.code)


def _auth_failed() -> JSONResponse:
    return _fault(
        401,
        "AUTHENTICATION",
        "message=AuthenticationFailed; errorCode=003200; statusCode=401",
        "Token expired",
        "3200",
    )


def _write_handlers(state: QboState) -> tuple[Handler, Handler]:
    """POST /<entity> (create, full or sparse update) and GET /cdc."""

    async def create_or_update(request: Request) -> Response:
        entity = WRITABLE.get(request.path_params["entity"].lower())
        if entity is None or "operation" in request.query_params:
            return _fault(400, "ValidationFault", "Unsupported Operation", "Not supported by the sandbox", "500")
        # A write retried with the same requestid gets the first answer again, and changes nothing twice.
        replay_key = f"{entity}:{request.query_params.get('requestid')}"
        if "requestid" in request.query_params and replay_key in state.write_replies:
            return JSONResponse(state.write_replies[replay_key])
        try:
            body = json.loads(await request.body())
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _fault(400, "ValidationFault", "Request has invalid or unsupported property", "Bad JSON", "2010")
        try:
            answer = {entity: write(state, entity, body), "time": _now()}
        except QboFault as fault:
            return _answer(fault)
        if "requestid" in request.query_params:
            state.write_replies[replay_key] = answer
        return JSONResponse(answer)

    async def cdc(request: Request) -> Response:
        try:
            body = changes_since(state, request.query_params.get("entities"), request.query_params.get("changedSince"))
        except QboFault as fault:
            return _answer(fault)
        # On the sandbox's clock, to the second, so a client that asks again from this time misses no write.
        answered = state.now().replace(microsecond=0).astimezone(COMPANY_TZ)
        return JSONResponse({**body, "time": answered.isoformat(timespec="milliseconds")})

    return create_or_update, cdc


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

    async def discovery(request: Request) -> Response:
        """Intuit's OpenID discovery document, pointing at this server (only the token endpoint is served)."""
        base = str(request.base_url).rstrip("/")
        return JSONResponse(
            {
                "issuer": f"{base}/op/v1",
                "authorization_endpoint": f"{base}/connect/oauth2",
                "token_endpoint": f"{base}/oauth2/v1/tokens/bearer",
                "userinfo_endpoint": f"{base}/v1/openid_connect/userinfo",
                "revocation_endpoint": f"{base}/v2/oauth2/tokens/revoke",
                "jwks_uri": f"{base}/op/v1/jwks",
                "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code", "refresh_token"],
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
        result = query_table(parsed, state.table(parsed.entity))
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
            return _answer(object_not_found())
        return JSONResponse({entity: copy.deepcopy(record), "time": _now()})

    create_or_update, cdc = _write_handlers(state)
    company = "/v3/company/{realm_id}"
    return Starlette(
        routes=[
            Route("/oauth2/v1/tokens/bearer", counted("token", token), methods=["POST"]),
            Route("/.well-known/openid_sandbox_configuration", discovery, methods=["GET"]),
            Route("/.well-known/openid_configuration", discovery, methods=["GET"]),
            Route(f"{company}/query", counted("query", api(query)), methods=["GET", "POST"]),
            Route(f"{company}/cdc", counted("cdc", api(cdc)), methods=["GET"]),
            Route(f"{company}/{{entity}}", counted("write", api(create_or_update)), methods=["POST"]),
            Route(f"{company}/{{entity}}/{{entity_id}}", counted("read", api(read)), methods=["GET"]),
            *receiving_routes(state.receiving),
            *control_routes(state),
        ]
    )
