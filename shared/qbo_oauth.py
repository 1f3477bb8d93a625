"""QuickBooks Online's OAuth 2.0 refresh, shared by every service that calls QuickBooks (the connectors read,
the approval service writes): one refresh token per company in Redis, rotated as Intuit rotates it."""

from __future__ import annotations

import time
from typing import Protocol

import httpx
from redis.asyncio import Redis

from shared.errors import UpstreamUnavailable
from shared.http_errors import raise_for_upstream


class RefreshTokenStore(Protocol):
    """Where the rotating OAuth refresh token lives between restarts."""

    async def load(self) -> str | None: ...

    async def save(self, token: str) -> None: ...


class RedisRefreshTokenStore:
    """Keeps the newest QBO refresh token; without it the configured seed token is used."""

    def __init__(self, redis: Redis, realm_id: str) -> None:
        self._redis = redis
        self._key = f"qbo:refresh-token:{realm_id}"

    async def load(self) -> str | None:
        raw = await self._redis.get(self._key)
        return (raw.decode() if isinstance(raw, bytes) else raw) if raw else None

    async def save(self, token: str) -> None:
        await self._redis.set(self._key, token)


class QboOAuth:
    def __init__(
        self,
        client: httpx.AsyncClient,
        token_url: str,
        client_id: str,
        client_secret: str,
        initial_refresh_token: str,
        store: RefreshTokenStore,
    ) -> None:
        self._client = client
        self._token_url = token_url
        self._auth = (client_id, client_secret)
        self._initial = initial_refresh_token
        self._store = store
        self._access: str | None = None
        self._expires_at = 0.0

    async def access_token(self) -> str:
        if self._access is None or time.monotonic() >= self._expires_at - 60:
            await self.refresh()
        assert self._access is not None
        return self._access

    async def refresh(self) -> None:
        refresh_token = await self._store.load() or self._initial
        try:
            response = await self._client.post(
                self._token_url,
                data={"grant_type": "refresh_token", "refresh_token": refresh_token},
                auth=self._auth,
                headers={"Accept": "application/json"},
            )
        except httpx.TransportError as exc:
            raise UpstreamUnavailable(f"QBO token endpoint unreachable: {type(exc).__name__}") from exc
        raise_for_upstream(response, "QBO OAuth")
        body = response.json()
        self._access = body["access_token"]
        self._expires_at = time.monotonic() + float(body.get("expires_in", 3600))
        if body.get("refresh_token") and body["refresh_token"] != refresh_token:
            await self._store.save(body["refresh_token"])

    def invalidate(self) -> None:
        self._access = None
