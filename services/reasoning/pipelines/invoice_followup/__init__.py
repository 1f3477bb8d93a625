"""invoice_followup in the reasoning service: the follow-up email drafted from the facts, grounded, and costed."""

from __future__ import annotations

from dataclasses import dataclass

from faststream.kafka import KafkaRouter

from contracts.envelope import Envelope
from contracts.invoice_followup import SPEC, FollowUpDrafted, FollowUpDue, InvoiceFollowup
from services.reasoning.adapters.prompt_files import load_prompt
from services.reasoning.bootstrap import ReasoningDeps
from services.reasoning.llm import Prompt
from services.reasoning.pipelines.invoice_followup.adapters.anthropic_drafter import AnthropicDrafter
from services.reasoning.pipelines.invoice_followup.adapters.offline import OfflineDrafter
from services.reasoning.pipelines.invoice_followup.domain import check_grounding, prompt_facts
from services.reasoning.pipelines.invoice_followup.ports import Drafter
from services.reasoning.pipelines.invoice_followup.settings import FollowUpReasoningSettings
from shared.errors import DraftRefused
from shared.parts import ServicePart

PROMPT = "followup_email.v1"


@dataclass
class FollowUpReasoningPorts:
    drafter: Drafter
    prompt: Prompt
    sender_name: str


def build_ports(deps: ReasoningDeps) -> FollowUpReasoningPorts:
    drafter: Drafter = OfflineDrafter() if deps.claude is None else AnthropicDrafter(deps.claude)
    return FollowUpReasoningPorts(drafter, load_prompt(__name__, PROMPT), FollowUpReasoningSettings().sender_name)


def subscribe(router: KafkaRouter, deps: ReasoningDeps, ports: FollowUpReasoningPorts) -> None:
    kernel, prompt = deps.kernel, ports.prompt

    @router.subscriber(InvoiceFollowup.DECIDED, **kernel.subscriber_options(SPEC.name))
    async def on_follow_up_due(msg: Envelope[FollowUpDue]) -> None:
        await deps.budget.wait_for_budget(SPEC.name)
        draft = await ports.drafter.draft_followup(prompt, prompt_facts(msg.payload, ports.sender_name))
        cost = await deps.budget.charge(SPEC.name, draft.usage)
        audit = {
            "prompt_id": prompt.prompt_id,
            "prompt_version": prompt.version,
            "model": draft.model,
            "input_tokens": draft.input_tokens,
            "output_tokens": draft.output_tokens,
            "cost_usd": cost,
        }
        try:
            check_grounding(f"{draft.subject}\n{draft.body}", msg.payload, ports.sender_name)
        except DraftRefused:
            await kernel.audit.write(msg, "draft", "refused:ungrounded", **audit)
            raise
        drafted = FollowUpDrafted(
            facts=msg.payload,
            subject=draft.subject,
            body=draft.body,
            prompt_id=prompt.prompt_id,
            prompt_version=prompt.version,
            model=draft.model,
            input_tokens=draft.input_tokens,
            output_tokens=draft.output_tokens,
            cache_read_tokens=draft.cache_read_tokens,
            cache_write_tokens=draft.cache_write_tokens,
            cost_usd=cost,
        )
        await kernel.publisher.publish(InvoiceFollowup.DRAFTED, msg.follow(drafted), key=msg.payload.invoice_id)
        await kernel.audit.write(msg, "draft", "drafted", **audit)


PART = ServicePart(build_ports, subscribe)
