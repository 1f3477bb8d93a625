"""cash_planning in the reasoning service: the owner's summary of a shortfall (or its recovery), worded from rules'
facts by Claude with an API key or by a fixed template without one; either is grounded before it goes on."""

from __future__ import annotations

from dataclasses import dataclass

from faststream.kafka import KafkaRouter

from contracts.cash_planning import SPEC, CashAlertDecided, CashExplained, CashPlanning
from contracts.envelope import Envelope
from services.reasoning.adapters.prompt_files import load_prompt
from services.reasoning.bootstrap import ReasoningDeps
from services.reasoning.llm import Prompt
from services.reasoning.pipelines.cash_planning.adapters import AnthropicSummarizer, OfflineSummarizer
from services.reasoning.pipelines.cash_planning.domain import check_grounding
from services.reasoning.pipelines.cash_planning.ports import CashSummarizer
from shared.errors import DraftRefused
from shared.parts import ServicePart

PROMPT = "cash_summary.v1"


@dataclass
class CashReasoningPorts:
    summarizer: CashSummarizer
    prompt: Prompt


def build_ports(deps: ReasoningDeps) -> CashReasoningPorts:
    summarizer: CashSummarizer = OfflineSummarizer() if deps.claude is None else AnthropicSummarizer(deps.claude)
    return CashReasoningPorts(summarizer, load_prompt(__name__, PROMPT))


def subscribe(router: KafkaRouter, deps: ReasoningDeps, ports: CashReasoningPorts) -> None:
    kernel, prompt = deps.kernel, ports.prompt

    @router.subscriber(CashPlanning.PROJECTED, **kernel.subscriber_options(SPEC.name))
    async def on_cash_alert_decided(msg: Envelope[CashAlertDecided]) -> None:
        decided = msg.payload
        await deps.budget.wait_for_budget(SPEC.name)
        summary, usage = await ports.summarizer.summarize(prompt, decided)
        cost = await deps.budget.charge(SPEC.name, usage)
        audit = {"prompt_id": prompt.prompt_id, "model": usage.model, "cost_usd": cost}
        try:
            check_grounding(summary, decided)
        except DraftRefused:
            await kernel.audit.write(msg, "explain", "refused:ungrounded", **audit)
            raise
        explained = CashExplained(
            decided=decided,
            summary=summary,
            prompt_id=prompt.prompt_id,
            prompt_version=prompt.version,
            model=usage.model,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cost_usd=cost,
        )
        key = decided.projection.realm_id
        await kernel.publisher.publish(CashPlanning.EXPLAINED, msg.follow(explained), key=key)
        await kernel.audit.write(msg, "explain", "explained", **audit)


PART = ServicePart(build_ports, subscribe)
