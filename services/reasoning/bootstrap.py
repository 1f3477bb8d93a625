"""Offline drafter without an API key, Claude with one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import anthropic

from contracts.alerts import OperatorAlert
from contracts.envelope import Envelope, Pipeline
from contracts.topics import alerts_topic
from services.reasoning.adapters.anthropic_drafter import AnthropicDrafter
from services.reasoning.adapters.anthropic_extractor import AnthropicExtractor
from services.reasoning.adapters.offline import OfflineDrafter
from services.reasoning.adapters.pattern_extractor import PatternExtractor
from services.reasoning.adapters.prompt_files import load_prompt
from services.reasoning.budget import BudgetGate, RedisSpendLedger
from services.reasoning.domain import Prompt
from services.reasoning.ports import Drafter, TermExtractor
from services.reasoning.settings import ReasoningSettings
from shared.kernel import Kernel


@dataclass
class ReasoningDeps:
    kernel: Kernel
    drafter: Drafter
    followup_prompt: Prompt
    sender_name: str
    budget: BudgetGate
    extractor: TermExtractor | None = None
    terms_prompt: Prompt | None = None


def _claude(settings: ReasoningSettings) -> anthropic.AsyncAnthropic | None:
    """The anthropic client when a key is set; without one the offline drafter and pattern extractor serve."""
    if settings.anthropic_api_key is None:
        return None
    return anthropic.AsyncAnthropic(
        api_key=settings.anthropic_api_key.get_secret_value(),
        base_url=settings.anthropic_base_url,
        timeout=settings.timeout_s,
        max_retries=1,
    )


def build_drafter(settings: ReasoningSettings) -> Drafter:
    client = _claude(settings)
    return OfflineDrafter() if client is None else AnthropicDrafter(client, settings.model)


def build_extractor(settings: ReasoningSettings) -> TermExtractor:
    client = _claude(settings)
    return PatternExtractor() if client is None else AnthropicExtractor(client, settings.model)


def build_deps(
    kernel: Kernel, settings: ReasoningSettings, drafter: Drafter | None = None, extractor: TermExtractor | None = None
) -> ReasoningDeps:
    async def alert(pipeline: Pipeline, spent: Decimal, budget: Decimal) -> None:
        dedupe = f"llm-budget:{pipeline.value}:{datetime.now(UTC).date().isoformat()}"
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
        await kernel.publisher.publish(alerts_topic(pipeline), command, key=dedupe)

    gate = BudgetGate(
        RedisSpendLedger(kernel.redis()),
        settings.daily_budget_usd,
        alert,
        settings.budget_poll_s,
        settings.pipeline_budgets_usd,
    )
    return ReasoningDeps(
        kernel,
        drafter or build_drafter(settings),
        load_prompt("followup_email.v1"),
        settings.sender_name,
        gate,
        extractor or build_extractor(settings),
        load_prompt("contract_terms.v1"),
    )
