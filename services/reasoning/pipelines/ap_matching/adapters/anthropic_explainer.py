"""Claude explains a bill's exceptions through the one Messages request (services.reasoning.adapters)."""

from __future__ import annotations

import json

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from contracts.ap_matching import BillMatched
from services.reasoning.adapters.anthropic_messages import AnthropicMessages
from services.reasoning.llm import Prompt, TokenUsage
from services.reasoning.pipelines.ap_matching.domain import prompt_facts
from shared.errors import DraftRefused

TOOL = {
    "name": "submit_bill_summary",
    "description": "Submit the approver's summary of the bill's exceptions, in plain text.",
    "input_schema": {
        "type": "object",
        "properties": {"summary": {"type": "string", "maxLength": 1500}},
        "required": ["summary"],
        "additionalProperties": False,
    },
}


class _SummaryInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    summary: str = Field(min_length=1, max_length=1500)


class AnthropicExplainer:
    def __init__(self, messages: AnthropicMessages, max_tokens: int = 500) -> None:
        self._messages = messages
        self.model = messages.model
        self._max_tokens = max_tokens

    async def explain(self, prompt: Prompt, facts: BillMatched) -> tuple[str, TokenUsage]:
        """The facts go in fenced as JSON; their text (line descriptions) is data the prompt says not to obey."""
        user = f"<facts>{json.dumps(prompt_facts(facts), sort_keys=True)}</facts>\nExplain the exceptions."
        call = await self._messages.call_tool(prompt.system, TOOL, user, self._max_tokens)
        try:
            parsed = _SummaryInput.model_validate(call.input)
        except ValidationError as exc:
            raise DraftRefused(f"summary does not match the tool schema: {exc.errors()[0]['msg']}") from exc
        return parsed.summary, call.usage
