"""ap_matching in the validation service: a QuickBooks bill with its orders, vendor and receipts in, typed out."""

from __future__ import annotations

from faststream.kafka import KafkaRouter

from contracts.ap_matching import SPEC, ApMatching, RawBillFetched
from contracts.envelope import Envelope
from services.validation.bootstrap import ValidationDeps
from services.validation.pipelines.ap_matching.domain import validate_bill
from shared.parts import ServicePart


def build_ports(deps: ValidationDeps) -> None:
    """Validating a bill needs nothing from outside."""


def subscribe(router: KafkaRouter, deps: ValidationDeps, _: None) -> None:
    kernel = deps.kernel

    @router.subscriber(ApMatching.RAW, **kernel.subscriber_options(SPEC.name))
    async def on_raw_bill_fetched(msg: Envelope[RawBillFetched]) -> None:
        validated = validate_bill(msg.payload)
        await kernel.publisher.publish(ApMatching.VALIDATED, msg.follow(validated), key=validated.bill.bill_id)
        await kernel.audit.write(msg, "validate", "valid")


PART = ServicePart(build_ports, subscribe)
