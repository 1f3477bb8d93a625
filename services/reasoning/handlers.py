from __future__ import annotations

from collections.abc import Collection

from faststream.kafka import KafkaRouter

from contracts.envelope import Envelope, Pipeline
from contracts.invoice_followup import FollowUpDrafted, FollowUpDue
from contracts.topics import InvoiceFollowup
from services.reasoning.bootstrap import ReasoningDeps
from services.reasoning.domain import check_grounding, cost_usd, prompt_facts
from shared.errors import DraftRefused
from shared.metrics import LLM_COST, LLM_TOKENS, RUN_COST


def build_router(deps: ReasoningDeps, pipelines: Collection[Pipeline]) -> KafkaRouter:
    router = KafkaRouter()
    kernel = deps.kernel
    if Pipeline.INVOICE_FOLLOWUP in pipelines:
        pipeline = Pipeline.INVOICE_FOLLOWUP

        @router.subscriber(InvoiceFollowup.DECIDED, **kernel.subscriber_options(pipeline))
        async def on_follow_up_due(msg: Envelope[FollowUpDue]) -> None:
            prompt = deps.followup_prompt
            await deps.budget.wait_for_budget(pipeline)
            draft = await deps.drafter.draft_followup(prompt, prompt_facts(msg.payload, deps.sender_name))
            cost = cost_usd(draft)
            await deps.budget.record(pipeline, cost)
            for kind, count in (
                ("input", draft.input_tokens),
                ("output", draft.output_tokens),
                ("cache_read", draft.cache_read_tokens),
                ("cache_write", draft.cache_write_tokens),
            ):
                LLM_TOKENS.labels(pipeline.value, draft.model, kind).inc(count)
            LLM_COST.labels(pipeline.value, draft.model).inc(float(cost))
            RUN_COST.labels(pipeline.value).observe(float(cost))
            audit = {
                "prompt_id": prompt.prompt_id,
                "prompt_version": prompt.version,
                "model": draft.model,
                "input_tokens": draft.input_tokens,
                "output_tokens": draft.output_tokens,
                "cost_usd": cost,
            }
            try:
                check_grounding(f"{draft.subject}\n{draft.body}", msg.payload, deps.sender_name)
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

    return router
