"""Claude through the anthropic SDK: tool use for structured output, the system prompt cached."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import anthropic
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from services.reasoning.domain import Draft, Prompt
from shared.errors import DraftRefused, RateLimited, UpstreamRejected, UpstreamUnavailable

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


class AnthropicDrafter:
    def __init__(self, client: anthropic.AsyncAnthropic, model: str, max_tokens: int = 800) -> None:
        self._client = client
        self.model = model
        self._max_tokens = max_tokens

    async def draft_followup(self, prompt: Prompt, facts: Mapping[str, str | int | None]) -> Draft:
        user = f"<facts>{json.dumps(dict(facts), sort_keys=True)}</facts>\nWrite the follow-up email."
        try:
            request: dict[str, Any] = {
                "model": self.model,
                "max_tokens": self._max_tokens,
                "system": [{"type": "text", "text": prompt.system, "cache_control": {"type": "ephemeral"}}],
                "tools": [TOOL],
                "tool_choice": {"type": "tool", "name": TOOL["name"]},
                "messages": [{"role": "user", "content": user}],
            }
            response = await self._client.messages.create(**request)
        except anthropic.RateLimitError as exc:
            retry_after = exc.response.headers.get("retry-after")
            raise RateLimited("anthropic rate limit", float(retry_after) if retry_after else None) from exc
        except (anthropic.APITimeoutError, anthropic.APIConnectionError, anthropic.InternalServerError) as exc:
            raise UpstreamUnavailable(f"anthropic unavailable: {type(exc).__name__}") from exc
        except anthropic.APIStatusError as exc:
            if exc.status_code >= 500:
                raise UpstreamUnavailable(f"anthropic {exc.status_code}") from exc
            raise UpstreamRejected(f"anthropic refused the request: {exc.status_code}") from exc
        block = next((b for b in response.content if b.type == "tool_use" and b.name == TOOL["name"]), None)
        if block is None:
            raise DraftRefused("model did not call submit_followup_draft")
        try:
            parsed = _DraftInput.model_validate(block.input)
        except ValidationError as exc:
            raise DraftRefused(f"draft does not match the tool schema: {exc.errors()[0]['msg']}") from exc
        usage = response.usage
        return Draft(
            subject=parsed.subject,
            body=parsed.body,
            model=response.model,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cache_read_tokens=usage.cache_read_input_tokens or 0,
            cache_write_tokens=usage.cache_creation_input_tokens or 0,
        )
