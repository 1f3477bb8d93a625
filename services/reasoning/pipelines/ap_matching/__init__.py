"""ap_matching in the reasoning service: the approver's summary of a bill's match. Only bills with exceptions
are explained by the LLM, from rules' facts, and the summary is grounded; the rest get a fixed sentence. A vendor
invoice uploaded as a document is read here: each value with its quote, kept only where the text supports it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from faststream.kafka import KafkaRouter

from contracts.ap_matching import (
    SPEC,
    ApMatching,
    BillDocumentExtracted,
    BillDocumentRead,
    BillExplained,
    BillMatched,
    ExtractedBill,
)
from contracts.envelope import Envelope
from services.reasoning.adapters.prompt_files import load_prompt
from services.reasoning.bootstrap import ReasoningDeps
from services.reasoning.llm import Prompt, TokenUsage
from services.reasoning.pipelines.ap_matching.adapters.anthropic_explainer import AnthropicExplainer
from services.reasoning.pipelines.ap_matching.adapters.invoice_readers import (
    AnthropicInvoiceReader,
    OfflineInvoiceReader,
)
from services.reasoning.pipelines.ap_matching.adapters.offline import OfflineExplainer
from services.reasoning.pipelines.ap_matching.domain import check_grounding, fixed_summary, needs_llm
from services.reasoning.pipelines.ap_matching.invoice_reading import verify_bill
from services.reasoning.pipelines.ap_matching.ports import Explainer, InvoiceReader
from shared.errors import DraftRefused
from shared.parts import ServicePart

PROMPT = "bill_exceptions.v1"
DOCUMENT_PROMPT = "bill_document.v1"


@dataclass
class ApReasoningPorts:
    explainer: Explainer
    prompt: Prompt
    reader: InvoiceReader
    document_prompt: Prompt


def build_ports(deps: ReasoningDeps) -> ApReasoningPorts:
    explainer: Explainer = OfflineExplainer() if deps.claude is None else AnthropicExplainer(deps.claude)
    reader: InvoiceReader = OfflineInvoiceReader() if deps.claude is None else AnthropicInvoiceReader(deps.claude)
    return ApReasoningPorts(explainer, load_prompt(__name__, PROMPT), reader, load_prompt(__name__, DOCUMENT_PROMPT))


def subscribe(router: KafkaRouter, deps: ReasoningDeps, ports: ApReasoningPorts) -> None:
    kernel, prompt = deps.kernel, ports.prompt

    @router.subscriber(ApMatching.MATCHED, **kernel.subscriber_options(SPEC.name))
    async def on_bill_matched(msg: Envelope[BillMatched]) -> None:
        facts = msg.payload
        if needs_llm(facts):
            await deps.budget.wait_for_budget(SPEC.name)
            summary, usage = await ports.explainer.explain(prompt, facts)
            cost = await deps.budget.charge(SPEC.name, usage)
        else:
            summary, usage, cost = fixed_summary(facts), TokenUsage("none", 0, 0), Decimal("0")
        audit = {"prompt_id": prompt.prompt_id, "model": usage.model, "cost_usd": cost}
        try:
            check_grounding(summary, facts)
        except DraftRefused:
            await kernel.audit.write(msg, "explain", "refused:ungrounded", **audit)
            raise
        explained = BillExplained(
            facts=facts,
            summary=summary,
            prompt_id=prompt.prompt_id,
            prompt_version=prompt.version,
            model=usage.model,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cost_usd=cost,
        )
        await kernel.publisher.publish(ApMatching.EXPLAINED, msg.follow(explained), key=facts.bill_id)
        await kernel.audit.write(msg, "explain", "explained", **audit)

    @router.subscriber(ApMatching.DOCUMENT_READ, **kernel.subscriber_options(SPEC.name))
    async def on_bill_document_read(msg: Envelope[BillDocumentRead]) -> None:
        document = msg.payload
        reading = ports.document_prompt
        await deps.budget.wait_for_budget(SPEC.name)
        candidates, usage = await ports.reader.read(reading, document.text)
        cost = await deps.budget.charge(SPEC.name, usage)
        extracted, rejected = verify_bill(document.text, candidates)
        result = BillDocumentExtracted(
            realm_id=document.realm_id,
            document_id=document.document_id,
            filename=document.filename,
            sha256=document.sha256,
            extracted=extracted,
            rejected=rejected,
            model=usage.model,
            prompt_id=reading.prompt_id,
            prompt_version=reading.version,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cost_usd=cost,
        )
        key = f"doc-{document.document_id}"
        await kernel.publisher.publish(ApMatching.DOCUMENT_EXTRACTED, msg.follow(result), key=key)
        await kernel.audit.write(
            msg, "read_invoice", f"values:{_count(extracted)}:rejected:{len(rejected)}",
            prompt_id=reading.prompt_id, model=usage.model, cost_usd=cost,
        )  # fmt: skip


def _count(extracted: ExtractedBill) -> int:
    header = sum(1 for name in type(extracted).model_fields if name not in ("lines", "po_numbers")
                 and getattr(extracted, name) is not None)  # fmt: skip
    return header + len(extracted.po_numbers) + len(extracted.lines)


PART = ServicePart(build_ports, subscribe)
