"""What the connectors read from, whichever pipeline asks. Read-only: no port here writes to a business system."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

JsonObject = dict[str, Any]


class QuickBooks(Protocol):
    async def query_all(self, query: str) -> list[JsonObject]:
        """Every row of a QBO query, following STARTPOSITION/MAXRESULTS pages."""
        ...

    async def read(self, entity: str, entity_id: str) -> JsonObject | None: ...

    async def changed_since(self, entities: Sequence[str], since: datetime) -> JsonObject:
        """The change data capture answer (`CDCResponse`, `time`) for `entities` changed after `since`."""
        ...


class EventClaims(Protocol):
    """One claim per key (shared.idempotency.RedisIdempotencyStore is one): who publishes a change, once."""

    async def claim(self, key: str, holder: str, ttl_s: int) -> bool: ...

    async def record(self, key: str, result: str) -> None: ...

    async def forget(self, key: str) -> None: ...


class CdcPositions(Protocol):
    """Where each realm's change data capture left off."""

    async def load(self, realm_id: str) -> datetime | None: ...

    async def save(self, realm_id: str, position: datetime) -> None: ...
