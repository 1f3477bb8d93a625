"""The daily LLM budget: over it, drafting waits and operators are told once; under it, nothing waits. The ledger
keeps integer micro-dollars, so sums of costs are exact."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.contract_review import SPEC as REVIEW
from contracts.invoice_followup import SPEC as FOLLOWUP
from services.reasoning.budget import BudgetGate, RedisSpendLedger, from_micro_usd, to_micro_usd

PIPELINE = FOLLOWUP.name


class FakeSpendLedger:
    def __init__(self, spent: Decimal) -> None:
        self.spent = spent

    async def spent_today(self, pipeline: str) -> Decimal:
        return self.spent

    async def add(self, pipeline: str, cost: Decimal) -> None:
        self.spent += cost


class FakeRedis:
    """The four Redis commands the ledger uses, with Redis's own rule: INCRBY refuses a value that is no integer."""

    def __init__(self, values: dict[str, bytes] | None = None) -> None:
        self.values = dict(values or {})
        self.expiries: dict[str, int] = {}

    async def get(self, key: str) -> bytes | None:
        return self.values.get(key)

    async def mget(self, *keys: str) -> list[bytes | None]:
        return [self.values.get(k) for k in keys]

    async def incrby(self, key: str, amount: int) -> int:
        assert isinstance(amount, int)
        total = int(self.values.get(key, b"0")) + amount  # ValueError on "0.5", as Redis answers an error
        self.values[key] = str(total).encode()
        return total

    async def expire(self, key: str, seconds: int) -> bool:
        self.expiries[key] = seconds
        return True


def _ledger(redis: FakeRedis) -> RedisSpendLedger:
    return RedisSpendLedger(redis)  # type: ignore[arg-type]


async def test_under_budget_nothing_waits_and_spend_is_recorded() -> None:
    alerts: list[Decimal] = []
    ledger = FakeSpendLedger(Decimal("1.00"))

    async def alert(pipeline: str, spent: Decimal, budget: Decimal) -> None:
        alerts.append(spent)

    gate = BudgetGate(ledger, Decimal("5.00"), alert, poll_s=0.01)
    await asyncio.wait_for(gate.wait_for_budget(PIPELINE), timeout=1)
    await gate.record(PIPELINE, Decimal("0.25"))
    assert ledger.spent == Decimal("1.25")
    assert alerts == []


async def test_over_budget_drafting_waits_alerts_once_and_resumes_when_budget_frees() -> None:
    alerts: list[Decimal] = []
    ledger = FakeSpendLedger(Decimal("5.00"))

    async def alert(pipeline: str, spent: Decimal, budget: Decimal) -> None:
        alerts.append(spent)

    gate = BudgetGate(ledger, Decimal("5.00"), alert, poll_s=0.01)
    waiting = asyncio.create_task(gate.wait_for_budget(PIPELINE))
    await asyncio.sleep(0.1)
    assert not waiting.done(), "over budget, the LLM call must wait"
    ledger.spent = Decimal("0")  # a new day
    await asyncio.wait_for(waiting, timeout=1)
    assert alerts == [Decimal("5.00")]


async def test_a_pipeline_budget_overrides_the_default_for_that_pipeline_only() -> None:
    alerts: list[tuple[str, Decimal]] = []

    async def alert(pipeline: str, spent: Decimal, budget: Decimal) -> None:
        alerts.append((pipeline, budget))

    overrides = {REVIEW.name: Decimal("0")}
    gate = BudgetGate(FakeSpendLedger(Decimal("0")), Decimal("5.00"), alert, 0.01, overrides)
    await asyncio.wait_for(gate.wait_for_budget(PIPELINE), timeout=1)  # the default budget: not spent
    waiting = asyncio.create_task(gate.wait_for_budget(REVIEW.name))
    await asyncio.sleep(0.1)
    assert not waiting.done(), "a zero budget turns the pipeline's LLM calls off"
    waiting.cancel()
    assert alerts == [(REVIEW.name, Decimal("0"))]


# --- the ledger: integer micro-dollars ---------------------------------------------------------------


def test_a_million_micro_dollar_costs_sum_to_exactly_one_dollar() -> None:
    # The ledger's arithmetic as Redis runs it (INCRBY: integer addition); the property below runs the ledger itself.
    cost = Decimal("0.000001")
    micros = 0
    for _ in range(1_000_000):
        micros += to_micro_usd(cost)
    assert from_micro_usd(micros) == Decimal(1)
    assert str(from_micro_usd(micros)) == "1.000000"
    float_sum = 0.0
    for _ in range(1_000_000):
        float_sum += float(cost)
    assert float_sum != 1.0, "what the float ledger (INCRBYFLOAT) drifted to"


micro_costs = st.integers(min_value=0, max_value=50_000_000).map(lambda m: Decimal(m).scaleb(-6))


@given(costs=st.lists(micro_costs, max_size=60))
@settings(max_examples=200, deadline=None)
async def test_the_ledger_holds_the_exact_decimal_sum_of_what_was_added(costs: list[Decimal]) -> None:
    ledger = _ledger(FakeRedis())
    for cost in costs:
        await ledger.add(PIPELINE, cost)
    assert await ledger.spent_today(PIPELINE) == sum(costs, Decimal(0))


async def test_the_ledger_keeps_pipelines_apart_and_expires_its_keys() -> None:
    redis = FakeRedis()
    ledger = _ledger(redis)
    await ledger.add(FOLLOWUP.name, Decimal("0.008850"))
    await ledger.add(REVIEW.name, Decimal("0.003040"))
    await ledger.add(REVIEW.name, Decimal("0"))  # a free call writes nothing
    assert await ledger.spent_today(FOLLOWUP.name) == Decimal("0.008850")
    assert await ledger.spent_today(REVIEW.name) == Decimal("0.003040")
    assert sorted(redis.values.values()) == [b"3040", b"8850"]
    assert set(redis.expiries.values()) == {3 * 24 * 3600}


async def test_what_the_float_ledger_spent_earlier_today_still_counts() -> None:
    today = datetime.now(UTC).date().isoformat()
    redis = FakeRedis({f"llm:spend:{PIPELINE}:{today}": b"0.017700000000000001"})
    ledger = _ledger(redis)
    await ledger.add(PIPELINE, Decimal("0.008850"))
    assert await ledger.spent_today(PIPELINE) == Decimal("0.026550")


@pytest.mark.parametrize(("usd", "micros"), [("0.000001", 1), ("1", 1_000_000), ("20.00", 20_000_000), ("0", 0)])
def test_micro_dollars_convert_both_ways_exactly(usd: str, micros: int) -> None:
    assert to_micro_usd(Decimal(usd)) == micros
    assert from_micro_usd(micros) == Decimal(usd)


def test_a_cost_finer_than_a_micro_dollar_is_refused_not_rounded() -> None:
    with pytest.raises(ValueError, match="micro-dollars"):
        to_micro_usd(Decimal("0.0000005"))
