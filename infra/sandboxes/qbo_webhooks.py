"""Intuit webhooks as QuickBooks sends them: the legacy `eventNotifications` body or a CloudEvents array.

Both are signed the same way: header `intuit-signature` = base64(HMAC-SHA256(raw body, app's verifier token)).
POST /_sandbox/webhooks/fire delivers one, optionally twice (a duplicate delivery), with another token (a
forged request) or unsigned, and answers what the target answered.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from infra.sandboxes.qbo_state import ENTITY_KINDS, QboState

Operation = Literal["Create", "Update", "Delete", "Merge", "Void", "Emailed"]
# CloudEvents `type` is qbo.<entity>.<past tense>.v1, e.g. qbo.bill.created.v1.
_PAST_TENSE: Final[dict[str, str]] = {
    "Create": "created",
    "Update": "updated",
    "Delete": "deleted",
    "Merge": "merged",
    "Void": "voided",
    "Emailed": "emailed",
}


def sign_intuit(verifier_token: str, body: bytes) -> str:
    """intuit-signature: base64 of the HMAC-SHA256 of the raw body, keyed with the verifier token."""
    return base64.b64encode(hmac.new(verifier_token.encode(), body, hashlib.sha256).digest()).decode()


def _utc_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class EntityChange:
    name: str
    entity_id: str
    operation: str
    last_updated: datetime
    event_id: str


def legacy_body(realm_id: str, changes: list[EntityChange]) -> dict[str, Any]:
    entities = [
        {"name": c.name, "id": c.entity_id, "operation": c.operation, "lastUpdated": _utc_stamp(c.last_updated)}
        for c in changes
    ]
    return {"eventNotifications": [{"realmId": realm_id, "dataChangeEvent": {"entities": entities}}]}


def cloudevents_body(realm_id: str, source: str, changes: list[EntityChange]) -> list[dict[str, Any]]:
    return [
        {
            "specversion": "1.0",
            "id": c.event_id,
            "source": source,
            "type": f"qbo.{c.name.lower()}.{_PAST_TENSE[c.operation]}.v1",
            "datacontenttype": "application/json",
            "time": _utc_stamp(c.last_updated),
            "intuitentityid": c.entity_id,
            "intuitaccountid": realm_id,
            "data": {},
        }
        for c in changes
    ]


class FiredEntity(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    name: str
    id: str
    operation: Operation = "Create"
    last_updated: datetime | None = Field(None, alias="lastUpdated")


class WebhookFireRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target_url: str
    entities: list[FiredEntity] = Field(min_length=1)
    format: Literal["legacy", "cloudevents"] = "cloudevents"
    verifier_token: str | None = None
    """Sign with this token instead of the app's (a forged request)."""
    unsigned: bool = False
    deliveries: int = Field(1, ge=1, le=10)
    """How many times the same body (same event ids) is delivered: 2 is a duplicate delivery."""
    realm_id: str | None = None


def _change(state: QboState, fired: FiredEntity) -> EntityChange:
    moment = fired.last_updated
    entity = next((e for e in ENTITY_KINDS if e.lower() == fired.name.lower()), None)
    record = state.table(entity).get(fired.id) if entity else None
    stamp = (record or {}).get("MetaData", {}).get("LastUpdatedTime") if record is not None else None
    if moment is None and stamp:
        moment = datetime.fromisoformat(stamp)
    moment = moment or state.now()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return EntityChange(fired.name, fired.id, fired.operation, moment, f"{uuid.uuid4()}-{fired.name}-{fired.id}")


def _source(state: QboState) -> str:
    # Intuit's source reads "intuit." followed by an opaque base64 app identifier.
    return "intuit." + base64.b64encode(hashlib.sha256(state.tokens.client_id.encode()).digest()).decode()


def webhook_routes(state: QboState) -> list[Route]:
    async def fire(request: Request) -> Response:
        try:
            wanted = WebhookFireRequest.model_validate_json(await request.body())
        except ValidationError as exc:
            return JSONResponse({"error": exc.errors(include_url=False)}, status_code=422)
        realm_id = wanted.realm_id or state.realm_id
        changes = [_change(state, fired) for fired in wanted.entities]
        payload: Any = (
            legacy_body(realm_id, changes)
            if wanted.format == "legacy"
            else cloudevents_body(realm_id, _source(state), changes)
        )
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json"}
        signature = None
        if not wanted.unsigned:
            signature = sign_intuit(wanted.verifier_token or state.webhook_verifier_token, body)
            headers["intuit-signature"] = signature
        deliveries = []
        try:
            async with httpx.AsyncClient(timeout=10, transport=state.webhook_transport) as client:
                for _ in range(wanted.deliveries):
                    answer = await client.post(wanted.target_url, content=body, headers=headers)
                    deliveries.append({"status_code": answer.status_code, "body": answer.text})
        except httpx.HTTPError as exc:
            return JSONResponse({"error": f"{type(exc).__name__}: {exc}", "deliveries": deliveries}, status_code=502)
        return JSONResponse(
            {
                "format": wanted.format,
                "body": body.decode(),
                "signature": signature,
                "event_ids": [c.event_id for c in changes] if wanted.format == "cloudevents" else [],
                "deliveries": deliveries,
            }
        )

    return [Route("/_sandbox/webhooks/fire", fire, methods=["POST"])]
