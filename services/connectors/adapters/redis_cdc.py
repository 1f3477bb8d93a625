from __future__ import annotations

from datetime import UTC, datetime

from redis.asyncio import Redis


class RedisCdcPositions:
    """Each realm's change data capture position; lost, the next catch-up starts from the look-back again."""

    def __init__(self, redis: Redis, tenant: str) -> None:
        self._redis = redis
        self._tenant = tenant

    def _key(self, realm_id: str) -> str:
        return f"cdc:qbo:{self._tenant}:{realm_id}"

    async def load(self, realm_id: str) -> datetime | None:
        value = await self._redis.get(self._key(realm_id))
        if value is None:
            return None
        try:
            position = datetime.fromisoformat(value.decode() if isinstance(value, bytes) else value)
        except ValueError:
            return None
        return position if position.tzinfo else position.replace(tzinfo=UTC)

    async def save(self, realm_id: str, position: datetime) -> None:
        await self._redis.set(self._key(realm_id), position.isoformat())
