"""The document store over HTTP: GET /documents/{id} with a bearer token, read up to a size cap."""

from __future__ import annotations

import re

import httpx

from services.connectors.pipelines.contract_review.ports import FetchedDocument
from shared.errors import UpstreamUnavailable
from shared.http_errors import raise_for_upstream

_FILENAME = re.compile(r'filename="?([^";]+)"?')


class HttpDocumentStore:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def fetch(self, document_id: str, max_bytes: int) -> FetchedDocument:
        """Reads at most `max_bytes + 1` bytes: a larger document comes back without content, with its size."""
        try:
            async with self._client.stream("GET", f"/documents/{document_id}") as response:
                if response.status_code >= 400:
                    await response.aread()
                    raise_for_upstream(response, "document store")
                declared = int(response.headers.get("content-length") or 0)
                data = bytearray()
                if declared <= max_bytes:
                    async for part in response.aiter_bytes():
                        data += part
                        if len(data) > max_bytes:
                            break
        except httpx.TransportError as exc:
            raise UpstreamUnavailable(f"document store unreachable: {type(exc).__name__}") from exc
        match = _FILENAME.search(response.headers.get("content-disposition", ""))
        size = max(declared, len(data))
        return FetchedDocument(
            content_type=response.headers.get("content-type"),
            filename=match.group(1) if match else None,
            size_bytes=size,
            content=bytes(data) if size <= max_bytes else None,
        )
