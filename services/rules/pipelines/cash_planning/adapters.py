"""What the last alert told each company's owner, on Redis: rebuilt from the projected topic if Redis is lost."""

from __future__ import annotations

from redis.asyncio import Redis

from contracts.cash_planning import AlertState


class RedisAlertStates:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    @staticmethod
    def _key(tenant: str, realm_id: str) -> str:
        return f"cash:alert:{tenant}:{realm_id}"

    async def load(self, tenant: str, realm_id: str) -> AlertState | None:
        raw = await self._redis.get(self._key(tenant, realm_id))
        return AlertState.model_validate_json(raw) if raw else None

    async def save(self, tenant: str, realm_id: str, state: AlertState | None) -> None:
        if state is None:
            await self._redis.delete(self._key(tenant, realm_id))
        else:
            await self._redis.set(self._key(tenant, realm_id), state.model_dump_json())
