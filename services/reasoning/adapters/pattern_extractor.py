"""The extractor used when no ANTHROPIC_API_KEY is set: regular expressions, deterministic, free."""

from __future__ import annotations

from contracts.contract_review import ContractChunk
from services.reasoning.contract_domain import ChunkExtraction
from services.reasoning.contract_patterns import extract_chunk
from services.reasoning.domain import Prompt


class PatternExtractor:
    model = "pattern-extractor"

    async def extract_terms(self, prompt: Prompt, chunk: ContractChunk) -> ChunkExtraction:
        return ChunkExtraction(values=extract_chunk(chunk.chunk_id, chunk.text), model=self.model)
