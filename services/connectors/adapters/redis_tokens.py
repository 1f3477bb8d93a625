from __future__ import annotations

from redis.asyncio import Redis


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
