"""A receiving log over HTTP: GET /receipts?po_ids=<id>,<id> with a bearer token answers a JSON list of receipts."""

from __future__ import annotations

from collections.abc import Sequence

import httpx

from services.connectors.ports import JsonObject
from shared.errors import UpstreamRejected, UpstreamUnavailable
from shared.http_errors import raise_for_upstream


class HttpReceivingLog:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def receipts(self, po_ids: Sequence[str]) -> list[JsonObject]:
        try:
            response = await self._client.get("/receipts", params={"po_ids": ",".join(po_ids)})
        except httpx.TransportError as exc:
            raise UpstreamUnavailable(f"receiving log unreachable: {type(exc).__name__}") from exc
        raise_for_upstream(response, "receiving log")
        found = response.json()
        if not isinstance(found, list):
            raise UpstreamRejected(f"receiving log answered a {type(found).__name__}, not a list of receipts")
        return found
