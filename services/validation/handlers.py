from __future__ import annotations

from collections.abc import Collection

from faststream.kafka import KafkaRouter

from contracts.envelope import Envelope, Pipeline
from contracts.invoice_followup import RawInvoiceFetched
from contracts.topics import InvoiceFollowup
from services.validation.bootstrap import ValidationDeps
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

    return router
