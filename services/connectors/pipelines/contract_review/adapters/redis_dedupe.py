from __future__ import annotations

import hashlib

from redis.asyncio import Redis


class RedisWebhookDedupe:
    """One claim per CRM event id (SET NX), kept a week: HubSpot retries for up to three days."""

    def __init__(self, redis: Redis, ttl_s: int = 7 * 24 * 3600) -> None:
        self._redis = redis
        self._ttl = ttl_s

    def _key(self, tenant: str, event_id: str) -> str:
        return f"webhook:hubspot:{tenant}:{event_id}"

    async def claim(self, tenant: str, event_id: str) -> bool:
        return bool(await self._redis.set(self._key(tenant, event_id), "1", nx=True, ex=self._ttl))

    async def release(self, tenant: str, event_id: str) -> None:
        await self._redis.delete(self._key(tenant, event_id))

    async def claim_request(self, tenant: str, signature: str, ttl_s: int) -> bool:
        """One use per signed request while its timestamp is acceptable: a captured request cannot be replayed."""
        digest = hashlib.sha256(signature.strip().encode()).hexdigest()
        return bool(await self._redis.set(f"webhook:hubspot:{tenant}:request:{digest}", "1", nx=True, ex=ttl_s))

    async def release_request(self, tenant: str, signature: str) -> None:
        digest = hashlib.sha256(signature.strip().encode()).hexdigest()
        await self._redis.delete(f"webhook:hubspot:{tenant}:request:{digest}")
