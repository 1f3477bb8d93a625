"""The explainer used when no ANTHROPIC_API_KEY is set: the fixed summary, written from the facts."""

from __future__ import annotations

from contracts.ap_matching import BillMatched
from services.reasoning.llm import Prompt, TokenUsage
from services.reasoning.pipelines.ap_matching.domain import fixed_summary


class OfflineExplainer:
    model = "offline-explainer"

    async def explain(self, prompt: Prompt, facts: BillMatched) -> tuple[str, TokenUsage]:
        return fixed_summary(facts), TokenUsage(self.model, 0, 0)
