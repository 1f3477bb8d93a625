"""Every LLM call, whichever pipeline makes it, is one Messages request built here: the system prompt cached, one
tool forced, anthropic's errors mapped to ours by class, and the usage read from the API's own fields.

    anthropic.RateLimitError                                       -> RateLimited (retry-after kept)
    APITimeoutError | APIConnectionError | InternalServerError     -> UpstreamUnavailable
    APIStatusError >= 500 (529 overloaded)                         -> UpstreamUnavailable
    any other APIStatusError (400, 401, 413, ...)                  -> UpstreamRejected
    an answer without the forced tool's call                       -> DraftRefused
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import anthropic
from anthropic.types import Message

from services.reasoning.llm import TokenUsage
from shared.errors import DraftRefused, RateLimited, UpstreamRejected, UpstreamUnavailable


@dataclass(frozen=True)
class ToolCall:
    """The forced tool's input, unchecked (each pipeline validates its own shape), and what the call used."""

    input: dict[str, Any]
    usage: TokenUsage


class AnthropicMessages:
    def __init__(self, client: anthropic.AsyncAnthropic, model: str) -> None:
        self._client = client
        self.model = model

    async def call_tool(self, system: str, tool: Mapping[str, Any], user: str, max_tokens: int) -> ToolCall:
        name = tool["name"]
        request: dict[str, Any] = {
            "model": self.model,
            "max_tokens": max_tokens,
            "system": [{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}],
            "tools": [dict(tool)],
            "tool_choice": {"type": "tool", "name": name},
            "messages": [{"role": "user", "content": user}],
        }
        try:
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
        block = next((b for b in response.content if b.type == "tool_use" and b.name == name), None)
        if block is None or not isinstance(block.input, dict):
            raise DraftRefused(f"model did not call {name}")
        return ToolCall(block.input, usage_of(response))


def usage_of(response: Message) -> TokenUsage:
    """The API's usage block as it is: `input_tokens` excludes the cached prefix, which is counted as
    `cache_read_input_tokens` (a hit) or `cache_creation_input_tokens` (a write); either may be absent."""
    usage = response.usage
    return TokenUsage(
        model=response.model,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cache_read_tokens=usage.cache_read_input_tokens or 0,
        cache_write_tokens=usage.cache_creation_input_tokens or 0,
    )
