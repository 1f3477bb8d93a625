"""Contract terms through the anthropic SDK: one tool call per chunk (schema in reasoning.contract_domain)."""

from __future__ import annotations

from typing import Any

import anthropic

from contracts.contract_review import ContractChunk
from services.reasoning.contract_domain import TERMS_TOOL_NAME, ChunkExtraction, chunk_prompt, terms_tool
from services.reasoning.domain import Prompt
from shared.errors import DraftRefused, RateLimited, UpstreamRejected, UpstreamUnavailable


class AnthropicExtractor:
    def __init__(self, client: anthropic.AsyncAnthropic, model: str, max_tokens: int = 1500) -> None:
        self._client = client
        self.model = model
        self._max_tokens = max_tokens
        self._tool = terms_tool()

    async def extract_terms(self, prompt: Prompt, chunk: ContractChunk) -> ChunkExtraction:
        try:
            request: dict[str, Any] = {
                "model": self.model,
                "max_tokens": self._max_tokens,
                "system": [{"type": "text", "text": prompt.system, "cache_control": {"type": "ephemeral"}}],
                "tools": [self._tool],
                "tool_choice": {"type": "tool", "name": TERMS_TOOL_NAME},
                "messages": [{"role": "user", "content": chunk_prompt(chunk)}],
            }
            response = await self._client.messages.create(**request)
        except anthropic.RateLimitError as exc:
            retry_after = exc.response.headers.get("retry-after")
            raise RateLimited("anthropic rate limit", float(retry_after) if retry_after else None) from exc
        except (
            anthropic.APITimeoutError,
            anthropic.APIConnectionError,
            anthropic.InternalServerError,
        ) as exc:
            raise UpstreamUnavailable(f"anthropic unavailable: {type(exc).__name__}") from exc
        except anthropic.APIStatusError as exc:
            if exc.status_code >= 500:
                raise UpstreamUnavailable(f"anthropic {exc.status_code}") from exc
            raise UpstreamRejected(f"anthropic refused the request: {exc.status_code}") from exc
        block = next((b for b in response.content if b.type == "tool_use" and b.name == TERMS_TOOL_NAME), None)
        if block is None or not isinstance(block.input, dict):
            raise DraftRefused(f"model did not call {TERMS_TOOL_NAME}")
        values: dict[str, Any] = block.input
        return ChunkExtraction(
            values=values,
            model=response.model,
            input_tokens=response.usage.input_tokens + (response.usage.cache_read_input_tokens or 0),
            output_tokens=response.usage.output_tokens,
        )
