from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from contracts.contract_review import ContractChunk
from services.reasoning.contract_domain import ChunkExtraction
from services.reasoning.domain import Draft, Prompt


class Drafter(Protocol):
    """Writes a follow-up email from the given facts. It holds no business-system credentials."""

    model: str

    async def draft_followup(self, prompt: Prompt, facts: Mapping[str, str | int | None]) -> Draft: ...


class TermExtractor(Protocol):
    """Reads contract terms from one chunk; answers in the extraction tool's shape, citations unchecked."""

    model: str

    async def extract_terms(self, prompt: Prompt, chunk: ContractChunk) -> ChunkExtraction: ...
