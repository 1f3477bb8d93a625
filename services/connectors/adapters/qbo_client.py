"""QuickBooks Online over httpx: OAuth2 refresh with rotation, the query API with paging, change data capture,
429 honoured."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from services.connectors.ports import JsonObject
from shared.errors import RateLimited, RetryableError, UpstreamRejected, UpstreamUnavailable
from shared.http_errors import raise_for_upstream
from shared.qbo_oauth import QboOAuth

MINOR_VERSION = "75"


class _Unauthorised(Exception):
    """The access token was refused: refresh once and try again."""


def _wait(state: RetryCallState) -> float:
    exc = state.outcome.exception() if state.outcome else None
    if isinstance(exc, RateLimited) and exc.retry_after is not None:
        return min(exc.retry_after, 30.0)
    return float(wait_exponential_jitter(multiplier=0.2, max=5)(state))


class QboHttpClient:
    def __init__(
        self, client: httpx.AsyncClient, oauth: QboOAuth, realm_id: str, page_size: int = 100, max_attempts: int = 6
    ) -> None:
        self._client = client
        self._oauth = oauth
        self._realm = realm_id
        self._page_size = page_size
        self._max_attempts = max_attempts

    async def _get(self, path: str, params: dict[str, str], allow_missing: bool = False) -> httpx.Response | None:
        """GET with bounded retries: 429 (honouring Retry-After), 5xx, timeouts, and one token refresh on 401."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._max_attempts),
            wait=_wait,
            retry=retry_if_exception_type((RetryableError, _Unauthorised)),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                token = await self._oauth.access_token()
                try:
                    response = await self._client.get(
                        f"/v3/company/{self._realm}/{path}",
                        params={**params, "minorversion": MINOR_VERSION},
                        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                    )
                except httpx.TransportError as exc:
                    raise UpstreamUnavailable(f"QBO unreachable: {type(exc).__name__}") from exc
                if response.status_code == 401:
                    self._oauth.invalidate()
                    raise _Unauthorised
                if allow_missing and response.status_code in (400, 404):
                    return None
                raise_for_upstream(response, "QBO")
                return response
        raise AssertionError("unreachable")  # pragma: no cover

    async def query_all(self, query: str) -> list[JsonObject]:
        rows: list[JsonObject] = []
        start = 1
        while True:
            try:
                response = await self._get(
                    "query", {"query": f"{query} STARTPOSITION {start} MAXRESULTS {self._page_size}"}
                )
            except _Unauthorised as exc:
                raise UpstreamRejected("QBO refused our credentials after a token refresh") from exc
            assert response is not None
            page: dict[str, Any] = response.json().get("QueryResponse", {})
            found = next((v for v in page.values() if isinstance(v, list)), [])
            rows += found
            if len(found) < self._page_size:
                return rows
            start += len(found)

    async def read(self, entity: str, entity_id: str) -> JsonObject | None:
        try:
            response = await self._get(f"{entity.lower()}/{entity_id}", {}, allow_missing=True)
        except _Unauthorised as exc:
            raise UpstreamRejected("QBO refused our credentials after a token refresh") from exc
        if response is None:
            return None
        found: JsonObject | None = response.json().get(entity)
        return found

    async def changed_since(self, entities: Sequence[str], since: datetime) -> JsonObject:
        params = {"entities": ",".join(entities), "changedSince": since.isoformat(timespec="seconds")}
        try:
            response = await self._get("cdc", params)
        except _Unauthorised as exc:
            raise UpstreamRejected("QBO refused our credentials after a token refresh") from exc
        assert response is not None
        answer: JsonObject = response.json()
        return answer
