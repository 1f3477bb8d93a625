from __future__ import annotations

from collections.abc import Collection

from faststream.kafka import KafkaRouter

from contracts.contract_review import RawContractFetched
from contracts.envelope import Envelope, Pipeline
from contracts.invoice_followup import RawInvoiceFetched
from contracts.topics import ContractReview, InvoiceFollowup
from services.validation.bootstrap import ValidationDeps
from services.validation.contract_domain import DocumentLimits, validate_contract
from services.validation.domain import validate_invoice


def build_router(deps: ValidationDeps, pipelines: Collection[Pipeline]) -> KafkaRouter:
    router = KafkaRouter()
    kernel = deps.kernel
    if Pipeline.INVOICE_FOLLOWUP in pipelines:

        @router.subscriber(InvoiceFollowup.RAW, **kernel.subscriber_options(Pipeline.INVOICE_FOLLOWUP))
        async def on_raw_invoice_fetched(msg: Envelope[RawInvoiceFetched]) -> None:
            validated = validate_invoice(msg.payload)
            await kernel.publisher.publish(InvoiceFollowup.VALIDATED, msg.follow(validated), key=validated.invoice_id)
            await kernel.audit.write(msg, "validate", "valid")

    if Pipeline.CONTRACT_REVIEW in pipelines:
        limits = DocumentLimits(max_bytes=deps.max_document_bytes)

        @router.subscriber(ContractReview.RAW, **kernel.subscriber_options(Pipeline.CONTRACT_REVIEW))
        async def on_raw_contract_fetched(msg: Envelope[RawContractFetched]) -> None:
            validated = validate_contract(msg.payload, limits)
            await kernel.publisher.publish(ContractReview.VALIDATED, msg.follow(validated), key=validated.meta.deal_id)
            await kernel.audit.write(msg, "validate", f"valid:{validated.meta.kind.value}")

    return router
