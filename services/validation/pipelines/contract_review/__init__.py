"""contract_review in the validation service: a deal and its document's bytes in, metadata and text out."""

from __future__ import annotations

from faststream.kafka import KafkaRouter

from contracts.contract_review import SPEC, ContractReview, RawContractFetched
from contracts.envelope import Envelope
from services.validation.bootstrap import ValidationDeps
from services.validation.documents import DocumentLimits
from services.validation.pipelines.contract_review.domain import validate_contract
from services.validation.pipelines.contract_review.settings import ContractValidationSettings
from shared.parts import ServicePart


def build_ports(deps: ValidationDeps) -> DocumentLimits:
    return DocumentLimits(max_bytes=ContractValidationSettings().max_document_bytes)


def subscribe(router: KafkaRouter, deps: ValidationDeps, limits: DocumentLimits) -> None:
    kernel = deps.kernel

    @router.subscriber(ContractReview.RAW, **kernel.subscriber_options(SPEC.name))
    async def on_raw_contract_fetched(msg: Envelope[RawContractFetched]) -> None:
        validated = validate_contract(msg.payload, limits)
        await kernel.publisher.publish(ContractReview.VALIDATED, msg.follow(validated), key=validated.meta.deal_id)
        await kernel.audit.write(msg, "validate", f"valid:{validated.meta.kind.value}")


PART = ServicePart(build_ports, subscribe)
