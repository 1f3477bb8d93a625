"""CRM v3 deals API, read-only, with a private-app bearer token."""

from __future__ import annotations

import httpx

from services.connectors.ports import JsonObject
from shared.errors import UpstreamUnavailable
from shared.http_errors import raise_for_upstream

DEAL_PROPERTIES = (
    "dealname",
    "amount",
    "dealstage",
    "closedate",
    "contract_document_id",
    "deal_currency_code",
)


class HubSpotDeals:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def deal(self, deal_id: str) -> JsonObject:
        try:
            response = await self._client.get(
                f"/crm/v3/objects/deals/{deal_id}", params={"properties": ",".join(DEAL_PROPERTIES)}
            )
        except httpx.TransportError as exc:
            raise UpstreamUnavailable(f"CRM unreachable: {type(exc).__name__}") from exc
        raise_for_upstream(response, "CRM")
        found: JsonObject = response.json()
        return found
