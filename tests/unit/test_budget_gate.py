"""The daily LLM budget: over it, drafting waits and operators are told once; under it, nothing waits."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from contracts.envelope import Pipeline
from services.reasoning.budget import BudgetGate

PIPELINE = Pipeline.INVOICE_FOLLOWUP


class FakeSpendLedger:
    def __init__(self, spent: Decimal) -> None:
        self.spent = spent

    async def spent_today(self, pipeline: Pipeline) -> Decimal:
        return self.spent

    async def add(self, pipeline: Pipeline, cost: Decimal) -> None:
        self.spent += cost


async def test_under_budget_nothing_waits_and_spend_is_recorded() -> None:
    alerts: list[Decimal] = []
    ledger = FakeSpendLedger(Decimal("1.00"))

    async def alert(pipeline: Pipeline, spent: Decimal, budget: Decimal) -> None:
        alerts.append(spent)

    gate = BudgetGate(ledger, Decimal("5.00"), alert, poll_s=0.01)  # type: ignore[arg-type]
    await asyncio.wait_for(gate.wait_for_budget(PIPELINE), timeout=1)
    await gate.record(PIPELINE, Decimal("0.25"))
    assert ledger.spent == Decimal("1.25")
    assert alerts == []


async def test_over_budget_drafting_waits_alerts_once_and_resumes_when_budget_frees() -> None:
    alerts: list[Decimal] = []
    ledger = FakeSpendLedger(Decimal("5.00"))

    async def alert(pipeline: Pipeline, spent: Decimal, budget: Decimal) -> None:
        alerts.append(spent)

    gate = BudgetGate(ledger, Decimal("5.00"), alert, poll_s=0.01)  # type: ignore[arg-type]
    waiting = asyncio.create_task(gate.wait_for_budget(PIPELINE))
    await asyncio.sleep(0.1)
    assert not waiting.done(), "over budget, the LLM call must wait"
    ledger.spent = Decimal("0")  # a new day
    await asyncio.wait_for(waiting, timeout=1)
    assert alerts == [Decimal("5.00")]


async def test_a_pipeline_budget_overrides_the_default_for_that_pipeline_only() -> None:
    alerts: list[tuple[Pipeline, Decimal]] = []

    async def alert(pipeline: Pipeline, spent: Decimal, budget: Decimal) -> None:
        alerts.append((pipeline, budget))

    overrides = {Pipeline.CONTRACT_REVIEW: Decimal("0")}
    gate = BudgetGate(FakeSpendLedger(Decimal("0")), Decimal("5.00"), alert, 0.01, overrides)  # type: ignore[arg-type]
    await asyncio.wait_for(gate.wait_for_budget(PIPELINE), timeout=1)  # the default budget: not spent
    waiting = asyncio.create_task(gate.wait_for_budget(Pipeline.CONTRACT_REVIEW))
    await asyncio.sleep(0.1)
    assert not waiting.done(), "a zero budget turns the pipeline's LLM calls off"
    waiting.cancel()
    assert alerts == [(Pipeline.CONTRACT_REVIEW, Decimal("0"))]
