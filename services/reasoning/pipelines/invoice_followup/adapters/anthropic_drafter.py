"""Claude writes the follow-up through the one Messages request (services.reasoning.adapters.anthropic_messages)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from services.reasoning.adapters.anthropic_messages import AnthropicMessages
from services.reasoning.llm import Prompt
from services.reasoning.pipelines.invoice_followup.domain import Draft
from shared.errors import DraftRefused

TOOL = {
    "name": "submit_followup_draft",
    "description": "Submit the follow-up email: a subject line and a plain-text body.",
    "input_schema": {
        "type": "object",
        "properties": {
            "subject": {"type": "string", "maxLength": 200},
            "body": {"type": "string", "maxLength": 4000},
        },
        "required": ["subject", "body"],
        "additionalProperties": False,
    },
}


class _DraftInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=4000)


def facts_turn(facts: Mapping[str, str | int | None]) -> str:
    """The user turn: the facts as JSON, fenced, and nothing else the model could take as a figure."""
    return f"<facts>{json.dumps(dict(facts), sort_keys=True)}</facts>\nWrite the follow-up email."


class AnthropicDrafter:
    def __init__(self, messages: AnthropicMessages, max_tokens: int = 800) -> None:
        self._messages = messages
        self.model = messages.model
        self._max_tokens = max_tokens

    async def draft_followup(self, prompt: Prompt, facts: Mapping[str, str | int | None]) -> Draft:
        call = await self._messages.call_tool(prompt.system, TOOL, facts_turn(facts), self._max_tokens)
        try:
            parsed = _DraftInput.model_validate(call.input)
        except ValidationError as exc:
            raise DraftRefused(f"draft does not match the tool schema: {exc.errors()[0]['msg']}") from exc
        return Draft.written(parsed.subject, parsed.body, call.usage)
