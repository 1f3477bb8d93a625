"""HubSpot-style deal webhooks: the v3 signature check, which events start a contract review and which document
a deal names. Pure."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from contracts.contract_review import DealClosedWon
from services.connectors.safe_ids import safe_id

MAX_EVENTS_PER_REQUEST = 100
MAX_BODY_BYTES = 256 * 1024
MAX_AGE_MS = 5 * 60 * 1000


class WebhookRejected(Exception):
    """The request is not provably from the CRM (unsigned, forged or stale): answer 401, publish nothing."""


def hubspot_v3_signature(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    """base64(HMAC-SHA256(client secret, method + full request URI + raw body + timestamp))."""
    message = method.encode() + uri.encode() + body + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def verify_hubspot_v3(
    secret: str,
    method: str,
    uri: str,
    body: bytes,
    signature: str | None,
    timestamp: str | None,
    now_ms: int,
    max_age_ms: int = MAX_AGE_MS,
) -> None:
    if not signature or not timestamp:
        raise WebhookRejected("missing X-HubSpot-Signature-v3 or X-HubSpot-Request-Timestamp")
    if not timestamp.isdigit():
        raise WebhookRejected("timestamp is not epoch milliseconds")
    age = now_ms - int(timestamp)
    if age > max_age_ms or age < -max_age_ms:
        raise WebhookRejected(f"timestamp is {age} ms old; accepted within {max_age_ms} ms")
    expected = hubspot_v3_signature(secret, method, uri, body, timestamp)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise WebhookRejected("signature does not match")


LAST_MILLISECOND = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z


class _Event(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    eventId: int | str  # noqa: N815 - HubSpot's field names
    subscriptionType: str  # noqa: N815
    portalId: int | str  # noqa: N815
    objectId: int | str  # noqa: N815
    occurredAt: int = Field(ge=0, le=LAST_MILLISECOND)  # noqa: N815 - epoch ms a date can hold
    propertyName: str | None = None  # noqa: N815
    propertyValue: str | None = None  # noqa: N815


def closed_won_events(events: Sequence[Any], won_stage: str) -> list[DealClosedWon]:
    """The deal-stage changes to the won stage; every other (or unreadable) event is ignored."""
    out = []
    for raw in events:
        try:
            event = _Event.model_validate(raw)
        except ValidationError:
            continue
        if (
            event.subscriptionType == "deal.propertyChange"
            and event.propertyName == "dealstage"
            and event.propertyValue == won_stage
        ):
            out.append(
                DealClosedWon(
                    event_id=str(event.eventId),
                    portal_id=str(event.portalId),
                    deal_id=str(event.objectId),
                    stage=event.propertyValue,
                    occurred_on=datetime.fromtimestamp(event.occurredAt / 1000, tz=UTC).date(),
                )
            )
    return out


def review_ids(tenant: str, event: DealClosedWon) -> tuple[UUID, UUID]:
    """(event id, correlation id), both derived from the CRM's ids: a redelivery publishes the same message,
    and one deal is one review run."""
    return (
        uuid5(NAMESPACE_URL, f"seamline:{tenant}:hubspot-event:{event.event_id}"),
        uuid5(NAMESPACE_URL, f"seamline:{tenant}:contract_review:deal:{event.deal_id}"),
    )


def contract_document_id(deal: dict[str, object]) -> str | None:
    """The deal's contract document id, if it names a usable one (validation names what is wrong)."""
    properties = deal.get("properties")
    value = properties.get("contract_document_id") if isinstance(properties, dict) else None
    return safe_id(value)
