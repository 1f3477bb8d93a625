"""cash_planning in the validation service: QuickBooks records and the tenant's cash planning file in, the typed
snapshot a projection is computed from out."""

from __future__ import annotations

from faststream.kafka import KafkaRouter

from contracts.cash_planning import SPEC, CashPlanning, RawCashFetched
from contracts.envelope import Envelope
from services.validation.bootstrap import ValidationDeps
from services.validation.pipelines.cash_planning.domain import validate_cash
from shared.parts import ServicePart


def build_ports(deps: ValidationDeps) -> None:
    """Validating a snapshot needs nothing from outside."""


def subscribe(router: KafkaRouter, deps: ValidationDeps, ports: None) -> None:
    kernel = deps.kernel

    @router.subscriber(CashPlanning.RAW, **kernel.subscriber_options(SPEC.name))
    async def on_raw_cash_fetched(msg: Envelope[RawCashFetched]) -> None:
        validated = validate_cash(msg.payload)
        snapshot = validated.snapshot
        await kernel.publisher.publish(CashPlanning.VALIDATED, msg.follow(validated), key=snapshot.realm_id)
        await kernel.audit.write(
            msg, "validate", f"accounts:{len(snapshot.balances)}:invoices:{len(snapshot.invoices)}:"
            f"bills:{len(snapshot.bills)}:payroll:{len(snapshot.payroll)}",
        )  # fmt: skip


PART = ServicePart(build_ports, subscribe)
