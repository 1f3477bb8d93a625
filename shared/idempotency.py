"""Idempotency keys on Redis: a side effect runs once per key, however often its message is delivered."""

from __future__ import annotations

import hashlib

from redis.asyncio import Redis


def idempotency_key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


class RedisIdempotencyStore:
    """`done` marks are kept for `ttl_s`; the Kafka action log is the record that outlives them."""

    def __init__(self, redis: Redis, namespace: str, ttl_s: int = 30 * 24 * 3600) -> None:
        self._redis = redis
        self._ns = namespace
        self._ttl = ttl_s

    def _k(self, key: str) -> str:
        return f"idem:{self._ns}:{key}"

    async def result(self, key: str) -> str | None:
        value = await self._redis.get(self._k(key))
        return value.decode() if isinstance(value, bytes) else value

    async def claim(self, key: str, holder: str, ttl_s: int) -> bool:
        """True for the one caller that takes `key` until it is forgotten or `ttl_s` passes."""
        return bool(await self._redis.set(self._k(key), holder, nx=True, ex=ttl_s))

    async def record(self, key: str, result: str) -> None:
        await self._redis.set(self._k(key), result, ex=self._ttl)

    async def forget(self, key: str) -> None:
        await self._redis.delete(self._k(key))
