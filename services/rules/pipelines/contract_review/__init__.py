"""contract_review in the rules service: sections chunked, terms compared with the tenant's baseline."""

from __future__ import annotations

from faststream.kafka import KafkaRouter

from contracts.contract_review import (
    SPEC,
    ContractChunked,
    ContractDocumentValidated,
    ContractReview,
    ContractTermsExtracted,
)
from contracts.envelope import Envelope
from services.rules.bootstrap import RulesDeps
from services.rules.pipelines.contract_review.adapters import BaselineBook
from services.rules.pipelines.contract_review.domain import chunk_contract, review_contract
from shared.parts import ServicePart


def build_ports(deps: RulesDeps) -> BaselineBook:
    return BaselineBook.load(deps.settings.tenants_dir)


def subscribe(router: KafkaRouter, deps: RulesDeps, baselines: BaselineBook) -> None:
    kernel = deps.kernel

    @router.subscriber(ContractReview.VALIDATED, **kernel.subscriber_options(SPEC.name))
    async def on_contract_validated(msg: Envelope[ContractDocumentValidated]) -> None:
        document = msg.payload
        chunked = ContractChunked(meta=document.meta, chunks=chunk_contract(document.text))
        await kernel.publisher.publish(ContractReview.CHUNKED, msg.follow(chunked), key=document.meta.deal_id)
        await kernel.audit.write(msg, "chunk", f"chunks:{len(chunked.chunks)}")

    @router.subscriber(ContractReview.EXTRACTED, **kernel.subscriber_options(SPEC.name, "baseline"))
    async def on_contract_terms_extracted(msg: Envelope[ContractTermsExtracted]) -> None:
        extracted = msg.payload
        reviewed = review_contract(extracted, baselines.for_tenant(msg.tenant))
        await kernel.publisher.publish(ContractReview.REVIEWED, msg.follow(reviewed), key=extracted.meta.deal_id)
        await kernel.audit.write(msg, "compare", f"anomalies:{len(reviewed.anomalies)}")


PART = ServicePart(build_ports, subscribe)
