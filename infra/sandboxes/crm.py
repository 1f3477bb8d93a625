"""HubSpot-style CRM sandbox: notes with associations, deals, and a signed v3 webhook sender."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

# Well-known sandbox credentials, published so local clients can be configured with them.
DEFAULT_CRM_TOKEN = "crm-sandbox-token"  # noqa: S105
DEFAULT_WEBHOOK_SECRET = "crm-webhook-secret"  # noqa: S105
DEAL_PROPERTIES_ALWAYS = ("hs_object_id", "createdate", "hs_lastmodifieddate")


def sign_hubspot_v3(client_secret: str, method: str, uri: str, body: bytes, timestamp_ms: int) -> str:
    """X-HubSpot-Signature-v3: base64(HMAC-SHA256(secret, method + uri + body + timestamp))."""
    message = f"{method}{uri}{body.decode('utf-8')}{timestamp_ms}".encode()
    return base64.b64encode(hmac.new(client_secret.encode(), message, hashlib.sha256).digest()).decode()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _now() -> str:
    return _iso(datetime.now(UTC))


def _seed_deals() -> dict[str, dict[str, Any]]:
    stages = ("appointmentscheduled", "qualifiedtobuy", "contractsent", "closedwon", "closedwon")
    deals = {}
    for n, stage in zip(range(5001, 5006), stages, strict=True):
        created = f"2026-0{n - 5000}-02T09:30:00.000Z"
        deals[str(n)] = {
            "id": str(n),
            "properties": {
                "dealname": f"Seamline pilot {n}",
                "amount": f"{(n - 5000) * 12500}.00",
                "dealstage": stage,
                "closedate": f"2026-0{n - 5000 + 1}-15T00:00:00.000Z",
                "contract_document_id": f"doc-{n}",
                "pipeline": "default",
                "hs_object_id": str(n),
                "createdate": created,
                "hs_lastmodifieddate": created,
            },
            "createdAt": created,
            "updatedAt": created,
            "archived": False,
        }
    return deals


@dataclass
class CrmState:
    token: str = DEFAULT_CRM_TOKEN
    webhook_secret: str = DEFAULT_WEBHOOK_SECRET
    notes: list[dict[str, Any]] = field(default_factory=list)
    deals: dict[str, dict[str, Any]] = field(default_factory=_seed_deals)
    next_note_id: int = 61_000_000_001
    # Tests swap in an ASGI transport to receive fired webhooks without a socket.
    webhook_transport: httpx.AsyncBaseTransport | None = None


class WebhookFireRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target_url: str
    events: list[dict[str, Any]] = Field(default_factory=list)
    client_secret: str | None = None


def _error(status: int, category: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"status": "error", "message": message, "correlationId": "sandbox", "category": category},
        status_code=status,
    )


def _parse_timestamp(value: Any) -> str | None:
    """HubSpot accepts ISO 8601 or epoch milliseconds; it stores ISO."""
    text = str(value).strip()
    if text.isdigit():
        return _iso(datetime.fromtimestamp(int(text) / 1000, tz=UTC))
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return _iso(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))


class NoteValidationError(ValueError):
    """A note body HubSpot would reject with VALIDATION_ERROR."""


def _validated_note(raw: bytes) -> tuple[dict[str, Any], str, list[Any]]:
    """(properties, hs_timestamp as ISO, associations) of a note create body."""
    try:
        body = json.loads(raw)
    except ValueError:
        raise NoteValidationError("Invalid input JSON on line 1") from None
    properties = body.get("properties") if isinstance(body, dict) else None
    if not isinstance(properties, dict):
        raise NoteValidationError("Property values were not valid: 'properties' is required")
    if "hs_timestamp" not in properties:
        raise NoteValidationError(
            'Property values were not valid: [{"isValid":false,"message":"hs_timestamp is required",'
            '"error":"REQUIRED_PROPERTY","name":"hs_timestamp"}]'
        )
    timestamp = _parse_timestamp(properties["hs_timestamp"])
    if timestamp is None:
        raise NoteValidationError(
            f"Property values were not valid: hs_timestamp {properties['hs_timestamp']!r} is not a valid date"
        )
    associations = body.get("associations", [])
    if not isinstance(associations, list) or not all(
        isinstance(a, dict) and isinstance(a.get("to"), dict) and "id" in a["to"] and isinstance(a.get("types"), list)
        for a in associations
    ):
        raise NoteValidationError("Invalid associations: each needs 'to.id' and 'types'")
    return properties, timestamp, associations


def build_crm_app(state: CrmState) -> Starlette:
    def authorised(request: Request) -> bool:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and token.strip() == state.token

    def unauthorised() -> JSONResponse:
        return _error(
            401,
            "INVALID_AUTHENTICATION",
            "Authentication credentials not found. This API supports OAuth 2.0 authentication "
            "and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
        )

    def public_note(note: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in note.items() if k != "associations"}

    async def create_note(request: Request) -> Response:
        if not authorised(request):
            return unauthorised()
        try:
            properties, timestamp, associations = _validated_note(await request.body())
        except NoteValidationError as exc:
            return _error(400, "VALIDATION_ERROR", str(exc))
        note_id = str(state.next_note_id)
        state.next_note_id += 1
        now = _now()
        note = {
            "id": note_id,
            "properties": {
                **{k: None if v is None else str(v) for k, v in properties.items()},
                "hs_timestamp": timestamp,
                "hs_createdate": now,
                "hs_lastmodifieddate": now,
                "hs_object_id": note_id,
            },
            "createdAt": now,
            "updatedAt": now,
            "archived": False,
            "associations": associations,
        }
        state.notes.append(note)
        return JSONResponse(public_note(note), status_code=201)

    async def list_notes(request: Request) -> Response:
        if not authorised(request):
            return unauthorised()
        try:
            limit = min(max(int(request.query_params.get("limit", "10")), 1), 100)
            start = int(request.query_params.get("after", "0"))
        except ValueError:
            return _error(400, "VALIDATION_ERROR", "limit and after must be integers")
        page = state.notes[start : start + limit]
        body: dict[str, Any] = {"results": [public_note(n) for n in page]}
        if start + limit < len(state.notes):
            after = str(start + limit)
            body["paging"] = {"next": {"after": after, "link": f"?after={after}"}}
        return JSONResponse(body)

    async def get_deal(request: Request) -> Response:
        if not authorised(request):
            return unauthorised()
        deal = state.deals.get(request.path_params["deal_id"])
        if deal is None:
            return _error(404, "OBJECT_NOT_FOUND", "Object not found.  objectId are usually numeric.")
        requested = [p for p in request.query_params.get("properties", "").split(",") if p]
        wanted = (*requested, *DEAL_PROPERTIES_ALWAYS) if requested else tuple(deal["properties"])
        # HubSpot returns requested properties the deal lacks as null.
        properties = {name: deal["properties"].get(name) for name in wanted}
        return JSONResponse({**deal, "properties": properties})

    return Starlette(
        routes=[
            Route("/crm/v3/objects/notes", create_note, methods=["POST"]),
            Route("/crm/v3/objects/notes", list_notes, methods=["GET"]),
            Route("/crm/v3/objects/deals/{deal_id}", get_deal, methods=["GET"]),
            *_control_routes(state),
        ]
    )


def _control_routes(state: CrmState) -> list[Route]:
    async def add_deal(request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("properties", {}), dict):
            return JSONResponse({"error": "body must be {'id'?: str, 'properties': {...}}"}, status_code=400)
        deal_id = str(body.get("id") or max((int(k) for k in state.deals), default=5000) + 1)
        now = _now()
        state.deals[deal_id] = {
            "id": deal_id,
            "properties": {
                **{k: None if v is None else str(v) for k, v in body.get("properties", {}).items()},
                "hs_object_id": deal_id,
                "createdate": now,
                "hs_lastmodifieddate": now,
            },
            "createdAt": now,
            "updatedAt": now,
            "archived": False,
        }
        return JSONResponse(state.deals[deal_id], status_code=201)

    async def sandbox_notes(request: Request) -> Response:
        if request.method == "DELETE":
            state.notes.clear()
        return JSONResponse(state.notes)

    async def fire_webhook(request: Request) -> Response:
        try:
            fire = WebhookFireRequest.model_validate_json(await request.body())
        except ValidationError as exc:
            return JSONResponse({"error": exc.errors(include_url=False)}, status_code=422)
        body = json.dumps(fire.events, separators=(",", ":")).encode()
        timestamp_ms = int(time.time() * 1000)
        signature = sign_hubspot_v3(
            fire.client_secret or state.webhook_secret, "POST", fire.target_url, body, timestamp_ms
        )
        headers = {
            "Content-Type": "application/json",
            "X-HubSpot-Signature-v3": signature,
            "X-HubSpot-Request-Timestamp": str(timestamp_ms),
        }
        try:
            async with httpx.AsyncClient(timeout=10, transport=state.webhook_transport) as client:
                response = await client.post(fire.target_url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return JSONResponse({"error": f"{type(exc).__name__}: {exc}"}, status_code=502)
        return JSONResponse({"status_code": response.status_code, "signature": signature, "timestamp_ms": timestamp_ms})

    return [
        Route("/_sandbox/deals", add_deal, methods=["POST"]),
        Route("/_sandbox/notes", sandbox_notes, methods=["GET", "DELETE"]),
        Route("/_sandbox/webhooks/fire", fire_webhook, methods=["POST"]),
    ]
