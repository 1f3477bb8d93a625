"""The two summarizers: the fixed template without an API key, Claude (one forced tool call) with one."""

from __future__ import annotations

import json
from typing import Final

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from contracts.cash_planning import CashAlertDecided
from services.reasoning.adapters.anthropic_messages import AnthropicMessages
from services.reasoning.llm import Prompt, TokenUsage
from services.reasoning.pipelines.cash_planning.domain import prompt_facts, template_summary
from shared.errors import DraftRefused

TOOL: Final = {
    "name": "submit_cash_summary",
    "description": "Submit the owner's summary of the cash projection, in plain text.",
    "input_schema": {
        "type": "object",
        "properties": {"summary": {"type": "string", "maxLength": 2000}},
        "required": ["summary"],
        "additionalProperties": False,
    },
}


class OfflineSummarizer:
    model = "offline-drafter"

    async def summarize(self, prompt: Prompt, decided: CashAlertDecided) -> tuple[str, TokenUsage]:
        return template_summary(decided), TokenUsage(self.model, 0, 0)


class _SummaryInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    summary: str = Field(min_length=1, max_length=2000)


class AnthropicSummarizer:
    def __init__(self, messages: AnthropicMessages, max_tokens: int = 600) -> None:
        self._messages = messages
        self.model = messages.model
        self._max_tokens = max_tokens

    async def summarize(self, prompt: Prompt, decided: CashAlertDecided) -> tuple[str, TokenUsage]:
        """The facts go in fenced as JSON; their text (names, descriptions) is data the prompt says not to obey."""
        user = f"<facts>{json.dumps(prompt_facts(decided), sort_keys=True)}</facts>\nSummarize the cash projection."
        call = await self._messages.call_tool(prompt.system, TOOL, user, self._max_tokens)
        try:
            parsed = _SummaryInput.model_validate(call.input)
        except ValidationError as exc:
            raise DraftRefused(f"summary does not match the tool schema: {exc.errors()[0]['msg']}") from exc
        return parsed.summary, call.usage
