"""Picks the reasoning service's adapters: the one Messages client with an API key (none without: each pipeline then
uses its offline adapter) and the budget gate; each pipeline's part builds its own ports, tests hand fakes by name."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import anthropic

from contracts.alerts import OperatorAlert
from contracts.envelope import Envelope
from contracts.pipeline import PipelineSpec
from contracts.registry import spec
from services.reasoning import pipelines
from services.reasoning.adapters.anthropic_messages import AnthropicMessages
from services.reasoning.budget import BudgetGate, RedisSpendLedger, SpendLedger
from services.reasoning.settings import ReasoningSettings
from shared.kernel import Kernel
from shared.parts import PipelineParts


@dataclass
class ReasoningDeps:
    kernel: Kernel
    settings: ReasoningSettings
    budget: BudgetGate
    claude: AnthropicMessages | None
    """Every LLM call's one request builder; None without an API key."""


def build_claude(settings: ReasoningSettings) -> AnthropicMessages | None:
    if settings.anthropic_api_key is None:
        return None
    client = anthropic.AsyncAnthropic(
        api_key=settings.anthropic_api_key.get_secret_value(),
        base_url=settings.anthropic_base_url,
        timeout=settings.timeout_s,
        max_retries=1,
    )
    return AnthropicMessages(client, settings.model)


def build_deps(kernel: Kernel, settings: ReasoningSettings, ledger: SpendLedger | None = None) -> ReasoningDeps:
    async def alert(pipeline: str, spent: Decimal, budget: Decimal) -> None:
        dedupe = f"llm-budget:{pipeline}:{datetime.now(UTC).date().isoformat()}"
        command = Envelope.start(
            OperatorAlert(
                kind="llm_budget_exhausted",
                service=kernel.service,
                message=f"LLM spend today {spent} USD reached the {budget} USD budget; "
                "drafting is paused until tomorrow or a higher budget",
                dedupe_key=dedupe,
            ),
            pipeline=pipeline,
            tenant=kernel.settings.tenant,
        )
        await kernel.publisher.publish(spec(pipeline).alerts, command, key=dedupe)

    gate = BudgetGate(
        ledger or RedisSpendLedger(kernel.redis()),
        settings.daily_budget_usd,
        alert,
        settings.budget_poll_s,
        settings.pipeline_budgets_usd,
    )
    return ReasoningDeps(kernel, settings, gate, build_claude(settings))


def build_parts(
    deps: ReasoningDeps, specs: Collection[PipelineSpec], ports: Mapping[str, Any] | None = None
) -> PipelineParts[ReasoningDeps]:
    return PipelineParts.load(pipelines.__name__, specs, deps, ports)
