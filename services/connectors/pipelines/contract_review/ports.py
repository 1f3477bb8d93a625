"""What contract review reads from: the CRM's deals and the document store. Read-only; plus the webhook's
dedupe claims."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from services.connectors.ports import JsonObject


@dataclass(frozen=True)
class FetchedDocument:
    content_type: str | None
    filename: str | None
    size_bytes: int
    content: bytes | None
    """None when the document is larger than the cap the caller asked for."""


class CrmDeals(Protocol):
    async def deal(self, deal_id: str) -> JsonObject: ...


class DocumentStore(Protocol):
    async def fetch(self, document_id: str, max_bytes: int) -> FetchedDocument: ...


class WebhookDedupe(Protocol):
    async def claim(self, tenant: str, event_id: str) -> bool:
        """True the first time an event id is seen."""
        ...

    async def release(self, tenant: str, event_id: str) -> None: ...

    async def claim_request(self, tenant: str, signature: str, ttl_s: int) -> bool:
        """True the first time a signed request is seen within `ttl_s`; a repeat is a replay."""
        ...

    async def release_request(self, tenant: str, signature: str) -> None: ...
