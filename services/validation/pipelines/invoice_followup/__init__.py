"""invoice_followup in the validation service: QuickBooks records in, a typed InvoiceValidated out."""

from __future__ import annotations

from faststream.kafka import KafkaRouter

from contracts.envelope import Envelope
from contracts.invoice_followup import SPEC, InvoiceFollowup, RawInvoiceFetched
from services.validation.bootstrap import ValidationDeps
from services.validation.pipelines.invoice_followup.domain import validate_invoice
from shared.parts import ServicePart


def build_ports(deps: ValidationDeps) -> None:
    """Validating an invoice needs nothing from outside."""


def subscribe(router: KafkaRouter, deps: ValidationDeps, _: None) -> None:
    kernel = deps.kernel

    @router.subscriber(InvoiceFollowup.RAW, **kernel.subscriber_options(SPEC.name))
    async def on_raw_invoice_fetched(msg: Envelope[RawInvoiceFetched]) -> None:
        validated = validate_invoice(msg.payload)
        await kernel.publisher.publish(InvoiceFollowup.VALIDATED, msg.follow(validated), key=validated.invoice_id)
        await kernel.audit.write(msg, "validate", "valid")


PART = ServicePart(build_ports, subscribe)
