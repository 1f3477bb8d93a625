"""Each pipeline's LLM spend: priced by the one rule (llm.cost_usd), counted in the metrics, kept in a daily ledger
of integer micro-dollars, and capped by a daily budget. Over the budget, LLM calls wait (messages stay in Kafka,
nothing is lost). Money stays Decimal here; only the Prometheus gauges take a float, at the edge."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Protocol

from redis.asyncio import Redis

from services.reasoning.llm import MICRO_USD, TokenUsage, cost_usd
from shared.metrics import LLM_BUDGET, LLM_COST, LLM_PAUSED, LLM_SPEND_TODAY, LLM_TOKENS, RUN_COST

log = logging.getLogger(__name__)
LEDGER_DAYS = 3


class SpendLedger(Protocol):
    async def spent_today(self, pipeline: str) -> Decimal: ...

    async def add(self, pipeline: str, cost: Decimal) -> None: ...


def to_micro_usd(cost: Decimal) -> int:
    """Costs are quantized to the micro-dollar (llm.cost_usd), so this is exact; anything finer is refused."""
    micros = cost.scaleb(6)
    if micros != micros.to_integral_value():
        raise ValueError(f"{cost} USD is not a whole number of micro-dollars")
    return int(micros)


def from_micro_usd(micros: int) -> Decimal:
    return Decimal(micros).scaleb(-6).quantize(MICRO_USD)


class RedisSpendLedger:
    """Today's spend per pipeline as an integer of micro-dollars (INCRBY): sums are exact, never a float."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    @staticmethod
    def _day() -> str:
        return datetime.now(UTC).date().isoformat()

    def _key(self, pipeline: str) -> str:
        return f"llm:spend_micro_usd:{pipeline}:{self._day()}"

    def _float_key(self, pipeline: str) -> str:
        """Where the spend was kept as a float before: still read, so a deploy mid-day does not reset the budget.
        Its keys expire within LEDGER_DAYS of the deploy; this can go then."""
        return f"llm:spend:{pipeline}:{self._day()}"

    async def spent_today(self, pipeline: str) -> Decimal:
        micros, before = await self._redis.mget(self._key(pipeline), self._float_key(pipeline))
        spent = from_micro_usd(int(micros)) if micros else Decimal(0)
        if before:
            spent += Decimal(before.decode() if isinstance(before, bytes) else before).quantize(MICRO_USD)
        return spent

    async def add(self, pipeline: str, cost: Decimal) -> None:
        if cost > 0:
            key = self._key(pipeline)  # once: a call at midnight must not add to one day and expire the next
            await self._redis.incrby(key, to_micro_usd(cost))
            await self._redis.expire(key, LEDGER_DAYS * 24 * 3600)


def count_llm_use(pipeline: str, usage: TokenUsage, cost: Decimal) -> None:
    """Tokens by kind, money, and the run's cost, as the dashboards and budget alerts read them."""
    for kind, count in (
        ("input", usage.input_tokens),
        ("output", usage.output_tokens),
        ("cache_read", usage.cache_read_tokens),
        ("cache_write", usage.cache_write_tokens),
    ):
        LLM_TOKENS.labels(pipeline, usage.model, kind).inc(count)
    LLM_COST.labels(pipeline, usage.model).inc(float(cost))
    RUN_COST.labels(pipeline).observe(float(cost))


class BudgetGate:
    def __init__(
        self,
        ledger: SpendLedger,
        daily_budget_usd: Decimal,
        on_exhausted: Callable[[str, Decimal, Decimal], Awaitable[None]],
        poll_s: float = 30.0,
        pipeline_budgets_usd: Mapping[str, Decimal] | None = None,
    ) -> None:
        self._ledger = ledger
        self._default = daily_budget_usd
        self._budgets = dict(pipeline_budgets_usd or {})
        self._on_exhausted = on_exhausted
        self._poll_s = poll_s

    def budget_for(self, pipeline: str) -> Decimal:
        return self._budgets.get(pipeline, self._default)

    async def wait_for_budget(self, pipeline: str) -> None:
        budget = self.budget_for(pipeline)
        LLM_BUDGET.labels(pipeline).set(float(budget))
        alerted = False
        while (spent := await self._ledger.spent_today(pipeline)) >= budget:
            LLM_PAUSED.labels(pipeline).set(1)
            LLM_SPEND_TODAY.labels(pipeline).set(float(spent))
            if not alerted:
                log.warning("LLM budget exhausted: pausing", extra={"fields": {"pipeline": pipeline}})
                await self._on_exhausted(pipeline, spent, budget)
                alerted = True
            await asyncio.sleep(self._poll_s)
        LLM_PAUSED.labels(pipeline).set(0)

    async def record(self, pipeline: str, cost: Decimal) -> None:
        await self._ledger.add(pipeline, cost)
        LLM_SPEND_TODAY.labels(pipeline).set(float(await self._ledger.spent_today(pipeline)))

    async def charge(self, pipeline: str, usage: TokenUsage) -> Decimal:
        """What the calls cost, by the one price rule: recorded against the budget and counted. Returns the cost."""
        cost = cost_usd(usage)
        await self.record(pipeline, cost)
        count_llm_use(pipeline, usage, cost)
        return cost
