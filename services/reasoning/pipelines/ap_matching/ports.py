from __future__ import annotations

from typing import Protocol

from contracts.ap_matching import BillMatched
from services.reasoning.llm import Prompt, TokenUsage


class Explainer(Protocol):
    """Writes the approver's summary of a bill's exceptions from rules' facts. It holds no credentials."""

    model: str

    async def explain(self, prompt: Prompt, facts: BillMatched) -> tuple[str, TokenUsage]: ...
