from __future__ import annotations

from typing import Protocol

from contracts.contract_review import ContractChunk
from services.reasoning.llm import Prompt
from services.reasoning.pipelines.contract_review.domain import ChunkExtraction


class TermExtractor(Protocol):
    """Reads contract terms from one chunk; answers in the extraction tool's shape, citations unchecked."""

    model: str

    async def extract_terms(self, prompt: Prompt, chunk: ContractChunk) -> ChunkExtraction: ...
