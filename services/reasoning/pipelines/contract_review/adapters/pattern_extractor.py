"""The extractor used when no ANTHROPIC_API_KEY is set: regular expressions, deterministic, free."""

from __future__ import annotations

from contracts.contract_review import ContractChunk
from services.reasoning.llm import Prompt, TokenUsage
from services.reasoning.pipelines.contract_review.domain import ChunkExtraction
from services.reasoning.pipelines.contract_review.patterns import extract_chunk


class PatternExtractor:
    model = "pattern-extractor"

    async def extract_terms(self, prompt: Prompt, chunk: ContractChunk) -> ChunkExtraction:
        return ChunkExtraction(values=extract_chunk(chunk.chunk_id, chunk.text), usage=TokenUsage(self.model, 0, 0))
