"""Offline drafter without an API key, Claude with one."""

from __future__ import annotations

from dataclasses import dataclass

import anthropic

from services.reasoning.adapters.anthropic_drafter import AnthropicDrafter
from services.reasoning.adapters.offline import OfflineDrafter
from services.reasoning.adapters.prompt_files import load_prompt
from services.reasoning.domain import Prompt
from services.reasoning.ports import Drafter
from services.reasoning.settings import ReasoningSettings
from shared.kernel import Kernel


@dataclass
class ReasoningDeps:
    kernel: Kernel
    drafter: Drafter
    followup_prompt: Prompt
    sender_name: str


def build_drafter(settings: ReasoningSettings) -> Drafter:
    if settings.anthropic_api_key is None:
        return OfflineDrafter()
    client = anthropic.AsyncAnthropic(
        api_key=settings.anthropic_api_key.get_secret_value(),
        base_url=settings.anthropic_base_url,
        timeout=settings.timeout_s,
        max_retries=1,
    )
    return AnthropicDrafter(client, settings.model)


def build_deps(kernel: Kernel, settings: ReasoningSettings, drafter: Drafter | None = None) -> ReasoningDeps:
    return ReasoningDeps(kernel, drafter or build_drafter(settings), load_prompt("followup_email.v1"), settings.sender_name)
