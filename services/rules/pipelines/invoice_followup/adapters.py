from __future__ import annotations

from datetime import date

from redis.asyncio import Redis


class RedisContactLog:
    """An index rebuilt from the actions topic: the rules service consumes it from the beginning."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def last_contacted(self, tenant: str, invoice_id: str) -> date | None:
        raw = await self._redis.get(f"contact:{tenant}:{invoice_id}")
        return date.fromisoformat(raw.decode() if isinstance(raw, bytes) else raw) if raw else None

    async def record_contact(self, tenant: str, invoice_id: str, on: date) -> None:
        key = f"contact:{tenant}:{invoice_id}"
        current = await self.last_contacted(tenant, invoice_id)
        if current is None or on > current:
            await self._redis.set(key, on.isoformat())
