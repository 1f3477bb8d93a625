from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from shared.errors import UpstreamUnavailable
from shared.http_errors import raise_for_upstream

NOTE_TO_DEAL = 214  # HubSpot-defined association type: note to deal


class HubSpotCrmNotes:
    """CRM v3 notes API with a private-app bearer token."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def add_note(self, body: str, idempotency_key: str, deal_id: str | None = None) -> str:
        payload: dict[str, Any] = {
            "properties": {
                "hs_timestamp": datetime.now(UTC).isoformat(),
                "hs_note_body": f"{body}\n\n[seamline:{idempotency_key}]",
            }
        }
        if deal_id:
            payload["associations"] = [
                {
                    "to": {"id": deal_id},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": NOTE_TO_DEAL}],
                }
            ]
        try:
            response = await self._client.post("/crm/v3/objects/notes", json=payload)
        except httpx.TransportError as exc:
            raise UpstreamUnavailable(f"CRM unreachable: {type(exc).__name__}") from exc
        raise_for_upstream(response, "CRM")
        return str(response.json()["id"])
