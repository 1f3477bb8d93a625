from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal

from faststream.kafka import KafkaRouter

from contracts.contract_review import ContractChunked, ContractTermsExtracted
from contracts.envelope import Envelope, Pipeline
from contracts.invoice_followup import FollowUpDrafted, FollowUpDue
from contracts.topics import ContractReview, InvoiceFollowup
from services.reasoning.bootstrap import ReasoningDeps
from services.reasoning.contract_domain import verify_and_merge
from services.reasoning.domain import TokenUsage, check_grounding, cost_usd, prompt_facts
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
            cost = cost_usd(draft.usage)
            await deps.budget.record(pipeline, cost)
            _count_llm_use(pipeline, draft.usage, cost)
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

    if Pipeline.CONTRACT_REVIEW in pipelines and deps.extractor is not None and deps.terms_prompt is not None:
        review, extractor, terms_prompt = Pipeline.CONTRACT_REVIEW, deps.extractor, deps.terms_prompt

        @router.subscriber(ContractReview.CHUNKED, **kernel.subscriber_options(review))
        async def on_contract_chunked(msg: Envelope[ContractChunked]) -> None:
            chunked = msg.payload
            await deps.budget.wait_for_budget(review)
            answers = [await extractor.extract_terms(terms_prompt, chunk) for chunk in chunked.chunks]
            terms, rejected = verify_and_merge(chunked.chunks, (a.values for a in answers))
            tokens_in, tokens_out = sum(a.input_tokens for a in answers), sum(a.output_tokens for a in answers)
            model = answers[0].model if answers else extractor.model
            usage = TokenUsage(model, tokens_in, tokens_out)
            cost = cost_usd(usage)
            await deps.budget.record(review, cost)
            _count_llm_use(review, usage, cost)
            extracted = ContractTermsExtracted(
                meta=chunked.meta,
                terms=terms,
                rejected=rejected,
                chunks=len(chunked.chunks),
                prompt_id=terms_prompt.prompt_id,
                prompt_version=terms_prompt.version,
                model=model,
                input_tokens=tokens_in,
                output_tokens=tokens_out,
                cost_usd=cost,
            )
            await kernel.publisher.publish(ContractReview.EXTRACTED, msg.follow(extracted), key=chunked.meta.deal_id)
            await kernel.audit.write(
                msg,
                "extract",
                f"extracted:{len(terms.model_dump(exclude_none=True))},rejected:{len(rejected)}",
                prompt_id=terms_prompt.prompt_id,
                prompt_version=terms_prompt.version,
                model=model,
                input_tokens=tokens_in,
                output_tokens=tokens_out,
                cost_usd=cost,
            )

    return router


def _count_llm_use(pipeline: Pipeline, usage: TokenUsage, cost: Decimal) -> None:
    """Tokens by kind, money, and the run's cost, as the dashboards and budget alerts read them."""
    for kind, count in (
        ("input", usage.input_tokens),
        ("output", usage.output_tokens),
        ("cache_read", usage.cache_read_tokens),
        ("cache_write", usage.cache_write_tokens),
    ):
        LLM_TOKENS.labels(pipeline.value, usage.model, kind).inc(count)
    LLM_COST.labels(pipeline.value, usage.model).inc(float(cost))
    RUN_COST.labels(pipeline.value).observe(float(cost))
