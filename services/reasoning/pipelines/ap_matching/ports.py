from __future__ import annotations

from typing import Any, Protocol

from contracts.ap_matching import BillMatched
from services.reasoning.llm import Prompt, TokenUsage


class Explainer(Protocol):
    """Writes the approver's summary of a bill's exceptions from rules' facts. It holds no credentials."""

    model: str

    async def explain(self, prompt: Prompt, facts: BillMatched) -> tuple[str, TokenUsage]: ...


class InvoiceReader(Protocol):
    """Reads a vendor invoice's values from its text, each with the quote it was read from (unchecked)."""

    model: str

    async def read(self, prompt: Prompt, text: str) -> tuple[dict[str, Any], TokenUsage]: ...
