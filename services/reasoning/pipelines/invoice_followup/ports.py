from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from services.reasoning.llm import Prompt
from services.reasoning.pipelines.invoice_followup.domain import Draft


class Drafter(Protocol):
    """Writes a follow-up email from the given facts. It holds no business-system credentials."""

    model: str

    async def draft_followup(self, prompt: Prompt, facts: Mapping[str, str | int | None]) -> Draft: ...
