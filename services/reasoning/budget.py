"""The daily LLM budget per pipeline: over it, LLM calls wait (messages stay in Kafka, nothing is lost)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal

from redis.asyncio import Redis

from contracts.envelope import Pipeline
from shared.metrics import LLM_BUDGET, LLM_PAUSED, LLM_SPEND_TODAY

log = logging.getLogger(__name__)


class RedisSpendLedger:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    def _key(self, pipeline: Pipeline) -> str:
        return f"llm:spend:{pipeline.value}:{datetime.now(UTC).date().isoformat()}"

    async def spent_today(self, pipeline: Pipeline) -> Decimal:
        raw = await self._redis.get(self._key(pipeline))
        return Decimal(raw.decode() if isinstance(raw, bytes) else raw) if raw else Decimal(0)

    async def add(self, pipeline: Pipeline, cost: Decimal) -> None:
        if cost > 0:
            await self._redis.incrbyfloat(self._key(pipeline), float(cost))
            await self._redis.expire(self._key(pipeline), 3 * 24 * 3600)


class BudgetGate:
    def __init__(
        self,
        ledger: RedisSpendLedger,
        daily_budget_usd: Decimal,
        on_exhausted: Callable[[Pipeline, Decimal, Decimal], Awaitable[None]],
        poll_s: float = 30.0,
        pipeline_budgets_usd: Mapping[Pipeline, Decimal] | None = None,
    ) -> None:
        self._ledger = ledger
        self._default = daily_budget_usd
        self._budgets = dict(pipeline_budgets_usd or {})
        self._on_exhausted = on_exhausted
        self._poll_s = poll_s

    def budget_for(self, pipeline: Pipeline) -> Decimal:
        return self._budgets.get(pipeline, self._default)

    async def wait_for_budget(self, pipeline: Pipeline) -> None:
        budget = self.budget_for(pipeline)
        LLM_BUDGET.labels(pipeline.value).set(float(budget))
        alerted = False
        while (spent := await self._ledger.spent_today(pipeline)) >= budget:
            LLM_PAUSED.labels(pipeline.value).set(1)
            LLM_SPEND_TODAY.labels(pipeline.value).set(float(spent))
            if not alerted:
                log.warning("LLM budget exhausted: pausing", extra={"fields": {"pipeline": pipeline.value}})
                await self._on_exhausted(pipeline, spent, budget)
                alerted = True
            await asyncio.sleep(self._poll_s)
        LLM_PAUSED.labels(pipeline.value).set(0)

    async def record(self, pipeline: Pipeline, cost: Decimal) -> None:
        await self._ledger.add(pipeline, cost)
        LLM_SPEND_TODAY.labels(pipeline.value).set(float(await self._ledger.spent_today(pipeline)))
