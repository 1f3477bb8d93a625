from __future__ import annotations

from typing import Protocol

from contracts.cash_planning import CashAlertDecided
from services.reasoning.llm import Prompt, TokenUsage


class CashSummarizer(Protocol):
    """Words the owner's summary from rules' facts. It holds no credentials and computes nothing."""

    model: str

    async def summarize(self, prompt: Prompt, decided: CashAlertDecided) -> tuple[str, TokenUsage]: ...
