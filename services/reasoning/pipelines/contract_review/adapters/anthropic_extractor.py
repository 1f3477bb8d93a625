"""Contract terms through the one Messages request: one tool call per chunk (schema in this pipeline's domain)."""

from __future__ import annotations

from contracts.contract_review import ContractChunk
from services.reasoning.adapters.anthropic_messages import AnthropicMessages
from services.reasoning.llm import Prompt
from services.reasoning.pipelines.contract_review.domain import ChunkExtraction, chunk_prompt, terms_tool


class AnthropicExtractor:
    def __init__(self, messages: AnthropicMessages, max_tokens: int = 1500) -> None:
        self._messages = messages
        self.model = messages.model
        self._max_tokens = max_tokens
        self._tool = terms_tool()

    async def extract_terms(self, prompt: Prompt, chunk: ContractChunk) -> ChunkExtraction:
        call = await self._messages.call_tool(prompt.system, self._tool, chunk_prompt(chunk), self._max_tokens)
        return ChunkExtraction(values=call.input, usage=call.usage)
