from __future__ import annotations

from datetime import UTC, datetime

import httpx

from shared.errors import UpstreamUnavailable
from shared.http_errors import raise_for_upstream


class HubSpotCrmNotes:
    """CRM v3 notes API with a private-app bearer token."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def add_note(self, body: str, idempotency_key: str) -> str:
        payload = {
            "properties": {
                "hs_timestamp": datetime.now(UTC).isoformat(),
                "hs_note_body": f"{body}\n\n[seamline:{idempotency_key}]",
            }
        }
        try:
            response = await self._client.post("/crm/v3/objects/notes", json=payload)
        except httpx.TransportError as exc:
            raise UpstreamUnavailable(f"CRM unreachable: {type(exc).__name__}") from exc
        raise_for_upstream(response, "CRM")
        return str(response.json()["id"])
