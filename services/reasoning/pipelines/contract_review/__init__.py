"""contract_review in the reasoning service: each chunk's terms read with citations, verified, merged, costed."""

from __future__ import annotations

from dataclasses import dataclass

from faststream.kafka import KafkaRouter

from contracts.contract_review import SPEC, ContractChunked, ContractReview, ContractTermsExtracted
from contracts.envelope import Envelope
from services.reasoning.adapters.prompt_files import load_prompt
from services.reasoning.bootstrap import ReasoningDeps
from services.reasoning.llm import Prompt, TokenUsage
from services.reasoning.pipelines.contract_review.adapters.anthropic_extractor import AnthropicExtractor
from services.reasoning.pipelines.contract_review.adapters.pattern_extractor import PatternExtractor
from services.reasoning.pipelines.contract_review.domain import verify_and_merge
from services.reasoning.pipelines.contract_review.ports import TermExtractor
from shared.parts import ServicePart

PROMPT = "contract_terms.v1"


@dataclass
class ContractReasoningPorts:
    extractor: TermExtractor
    prompt: Prompt


def build_ports(deps: ReasoningDeps) -> ContractReasoningPorts:
    extractor: TermExtractor = PatternExtractor() if deps.claude is None else AnthropicExtractor(deps.claude)
    return ContractReasoningPorts(extractor, load_prompt(__name__, PROMPT))


def subscribe(router: KafkaRouter, deps: ReasoningDeps, ports: ContractReasoningPorts) -> None:
    kernel, extractor, prompt = deps.kernel, ports.extractor, ports.prompt

    @router.subscriber(ContractReview.CHUNKED, **kernel.subscriber_options(SPEC.name))
    async def on_contract_chunked(msg: Envelope[ContractChunked]) -> None:
        chunked = msg.payload
        await deps.budget.wait_for_budget(SPEC.name)
        answers = [await extractor.extract_terms(prompt, chunk) for chunk in chunked.chunks]
        terms, rejected = verify_and_merge(chunked.chunks, (a.values for a in answers))
        model = answers[0].usage.model if answers else extractor.model
        usage = TokenUsage.total(model, (a.usage for a in answers))
        cost = await deps.budget.charge(SPEC.name, usage)
        extracted = ContractTermsExtracted(
            meta=chunked.meta,
            terms=terms,
            rejected=rejected,
            chunks=len(chunked.chunks),
            prompt_id=prompt.prompt_id,
            prompt_version=prompt.version,
            model=model,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cache_read_tokens=usage.cache_read_tokens,
            cache_write_tokens=usage.cache_write_tokens,
            cost_usd=cost,
        )
        await kernel.publisher.publish(ContractReview.EXTRACTED, msg.follow(extracted), key=chunked.meta.deal_id)
        await kernel.audit.write(
            msg,
            "extract",
            f"extracted:{len(terms.model_dump(exclude_none=True))},rejected:{len(rejected)}",
            prompt_id=prompt.prompt_id,
            prompt_version=prompt.version,
            model=model,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cost_usd=cost,
        )


PART = ServicePart(build_ports, subscribe)
