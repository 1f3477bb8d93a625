"""Who reads a vendor invoice's values: Claude's tool use with a key, the offline reader without one. Both answer
candidates with quotes, checked afterwards by `invoice_reading.verify_bill`; neither holds credentials beyond the
Messages API's."""

from __future__ import annotations

from typing import Any

from services.reasoning.adapters.anthropic_messages import AnthropicMessages
from services.reasoning.llm import Prompt, TokenUsage
from services.reasoning.pipelines.ap_matching.invoice_patterns import read_candidates
from services.reasoning.pipelines.ap_matching.invoice_reading import bill_tool, document_prompt


class OfflineInvoiceReader:
    model = "offline-invoice-reader"

    async def read(self, prompt: Prompt, text: str) -> tuple[dict[str, Any], TokenUsage]:
        return read_candidates(text), TokenUsage(self.model, 0, 0)


class AnthropicInvoiceReader:
    def __init__(self, messages: AnthropicMessages, max_tokens: int = 3000) -> None:
        self._messages = messages
        self.model = messages.model
        self._max_tokens = max_tokens
        self._tool = bill_tool()

    async def read(self, prompt: Prompt, text: str) -> tuple[dict[str, Any], TokenUsage]:
        call = await self._messages.call_tool(prompt.system, self._tool, document_prompt(text), self._max_tokens)
        return call.input, call.usage
