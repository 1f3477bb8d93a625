"""The size of what the reasoning service sends the model per item, built the way its adapters build it."""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from contracts.invoice_followup import FollowUpDue
from services.reasoning.adapters.prompt_files import load_prompt
from services.reasoning.pipelines import invoice_followup
from services.reasoning.pipelines.invoice_followup.adapters.anthropic_drafter import TOOL
from services.reasoning.pipelines.invoice_followup.domain import prompt_facts
from services.reasoning.pipelines.invoice_followup.settings import FollowUpReasoningSettings


@dataclass(frozen=True)
class PromptSize:
    name: str
    system_chars: int
    tool_chars: int
    user_chars: tuple[int, ...]  # one per item measured
    fields: tuple[str, ...]
    note: str = ""

    @property
    def median_total(self) -> float:
        return self.system_chars + self.tool_chars + statistics.median(self.user_chars)


def followup_prompt(decided: Sequence[FollowUpDue]) -> PromptSize:
    """System prompt + tool schema + the user turn with prompt_facts, as AnthropicDrafter sends them."""
    prompt = load_prompt(invoice_followup.__name__, "followup_email.v1")
    sender = FollowUpReasoningSettings.model_fields["sender_name"].default
    users = [
        len(f"<facts>{json.dumps(prompt_facts(due, sender), sort_keys=True)}</facts>\nWrite the follow-up email.")
        for due in decided
    ]
    fields = tuple(prompt_facts(decided[0], sender)) if decided else ()
    return PromptSize("followup_email.v1", len(prompt.system), len(json.dumps(TOOL)), tuple(users), fields)


def contract_prompt() -> PromptSize | None:
    """The contract-terms prompt when services/reasoning has one: the fixed part plus the chunk wrapper."""
    try:
        # Imported here: contract review is newer than this bench and the bench must run without it.
        from contracts.contract_review import ContractChunk
        from services.reasoning.pipelines import contract_review
        from services.reasoning.pipelines.contract_review.domain import chunk_prompt, terms_tool
    except ImportError:
        return None
    prompt = load_prompt(contract_review.__name__, "contract_terms.v1")
    tool = terms_tool()
    wrapper = len(chunk_prompt(ContractChunk(chunk_id="c1", heading="", start=0, end=0, text="")))
    fields = tuple(tool.get("input_schema", {}).get("properties", {}))
    return PromptSize(
        "contract_terms.v1", len(prompt.system), len(json.dumps(tool)), (wrapper,), fields,
        note="user turn = the chunk's own text plus this wrapper, once per section",
    )  # fmt: skip
