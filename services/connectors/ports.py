"""What the connectors read from, whichever pipeline asks. Read-only: no port here writes to a business system."""

from __future__ import annotations

from typing import Any, Protocol

JsonObject = dict[str, Any]


class QuickBooks(Protocol):
    async def query_all(self, query: str) -> list[JsonObject]:
        """Every row of a QBO query, following STARTPOSITION/MAXRESULTS pages."""
        ...

    async def read(self, entity: str, entity_id: str) -> JsonObject | None: ...


class RefreshTokenStore(Protocol):
    """Where the rotating OAuth refresh token lives between restarts."""

    async def load(self) -> str | None: ...

    async def save(self, token: str) -> None: ...
