from __future__ import annotations

from redis.asyncio import Redis

from contracts.approval import ApprovalDecided, ApprovalRequested, Route
from contracts.envelope import Envelope

_Requested = Envelope[ApprovalRequested]


class RedisApprovalStore:
    def __init__(self, redis: Redis, namespace: str = "approvals") -> None:
        self._redis = redis
        self._ns = namespace

    async def add(self, requested: Envelope[ApprovalRequested]) -> bool:
        request = requested.payload
        key = f"{self._ns}:request:{request.request_id}"
        added = bool(await self._redis.set(key, requested.model_dump_json(), nx=True))
        if added and request.route is Route.HUMAN and await self.decision(request.request_id) is None:
            await self._redis.zadd(f"{self._ns}:pending", {request.request_id: request.expires_at.timestamp()})
        return added

    async def get(self, request_id: str) -> Envelope[ApprovalRequested] | None:
        raw = await self._redis.get(f"{self._ns}:request:{request_id}")
        return _Requested.model_validate_json(raw) if raw else None

    async def pending(self) -> list[Envelope[ApprovalRequested]]:
        ids = await self._redis.zrange(f"{self._ns}:pending", 0, -1)
        found = [await self.get(i.decode() if isinstance(i, bytes) else str(i)) for i in ids]
        return [item for item in found if item is not None]

    async def claim_decision(self, decided: ApprovalDecided) -> bool:
        claimed = bool(
            await self._redis.set(f"{self._ns}:decision:{decided.request_id}", decided.model_dump_json(), nx=True)
        )
        await self._redis.zrem(f"{self._ns}:pending", decided.request_id)
        return claimed

    async def decision(self, request_id: str) -> ApprovalDecided | None:
        raw = await self._redis.get(f"{self._ns}:decision:{request_id}")
        return ApprovalDecided.model_validate_json(raw) if raw else None
