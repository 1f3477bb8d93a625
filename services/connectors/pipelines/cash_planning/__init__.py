"""cash_planning in the connectors: a check request fetches the company's bank balances, open invoices, the paid
invoices and payments of its history window and its open bills from QuickBooks, with the tenant's cash planning
file; a daily schedule and QuickBooks changes (invoices, payments, bills, bill payments) request checks, changes
at most one per tenant per debounce window."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from faststream.kafka import KafkaRouter

from contracts.cash_planning import SPEC, CashCheckRequested, CashCheckSource, CashPlanning, RawCashFetched
from contracts.envelope import Envelope
from services.connectors.bootstrap import ConnectorsDeps
from services.connectors.intuit.domain import IntuitEvent
from services.connectors.pipelines.cash_planning.domain import (
    BANK_ACCOUNTS_QUERY,
    OPEN_BILLS_QUERY,
    OPEN_INVOICES_QUERY,
    WATCHED,
    history_days,
    history_start,
    paid_invoices_query,
    payments_query,
    read_tenant_file,
)
from services.connectors.pipelines.cash_planning.settings import CashConnectorsSettings
from services.connectors.ports import EventClaims
from shared.errors import ContractInvalid
from shared.idempotency import RedisIdempotencyStore, idempotency_key
from shared.metrics import PIPELINE_LAST_RUN, PIPELINE_RUNS, PIPELINE_SCHEDULE_INTERVAL, RECORDS_FETCHED
from shared.parts import ServicePart
from shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)


@dataclass
class CashConnectorsPorts:
    settings: CashConnectorsSettings
    debounce: EventClaims
    """One claim per tenant and window: QuickBooks changes in a burst start one check."""


def build_ports(deps: ConnectorsDeps) -> CashConnectorsPorts:
    settings = CashConnectorsSettings()
    return CashConnectorsPorts(settings, RedisIdempotencyStore(deps.kernel.redis(), "cash-debounce"))


def check_requested(
    realm_id: str, source: CashCheckSource, requested_by: str, tenant: str, as_of: datetime | None = None
) -> Envelope[CashCheckRequested]:
    day = (as_of or datetime.now(UTC)).date()
    command = CashCheckRequested(realm_id=realm_id, as_of=day, source=source, requested_by=requested_by)
    return Envelope.start(command, pipeline=SPEC.name, tenant=tenant)


def subscribe(router: KafkaRouter, deps: ConnectorsDeps, ports: CashConnectorsPorts) -> None:
    kernel, qbo, realm_id, settings = deps.kernel, deps.qbo, deps.settings.qbo_realm_id, ports.settings
    tenant = kernel.settings.tenant

    async def on_change(event: IntuitEvent) -> None:
        window = int(time.time()) // max(1, settings.debounce_s)
        key = idempotency_key(tenant, event.realm_id, str(window))
        if not await ports.debounce.claim(key, event.event_id, max(1, settings.debounce_s)):
            return  # a check of this window is already on its way; the daily check catches what it misses
        by = f"{event.entity}:{event.entity_id}:{event.operation}"
        command = check_requested(event.realm_id, CashCheckSource.WEBHOOK, by, tenant)
        await kernel.publisher.publish(CashPlanning.TRIGGER, command, key=event.realm_id)

    deps.intuit.on(WATCHED, on_change)

    @router.subscriber(CashPlanning.TRIGGER, **kernel.subscriber_options(SPEC.name))
    async def on_cash_check_requested(msg: Envelope[CashCheckRequested]) -> None:
        check = msg.payload
        if check.realm_id != realm_id:
            raise ContractInvalid(f"company {check.realm_id}; connected to {realm_id}", field="realm_id")
        PIPELINE_RUNS.labels(SPEC.name).inc()
        PIPELINE_LAST_RUN.labels(SPEC.name).set(time.time())
        tenant_file = read_tenant_file(settings.tenants_dir, msg.tenant)
        since = history_start(check.as_of, history_days(tenant_file, settings.history_days_default))
        accounts, open_invoices, paid, payments, bills = await asyncio.gather(
            qbo.query_all(BANK_ACCOUNTS_QUERY),
            qbo.query_all(OPEN_INVOICES_QUERY),
            qbo.query_all(paid_invoices_query(since)),
            qbo.query_all(payments_query(since)),
            qbo.query_all(OPEN_BILLS_QUERY),
        )
        raw = RawCashFetched(
            realm_id=realm_id,
            as_of=check.as_of,
            accounts=accounts,
            open_invoices=open_invoices,
            paid_invoices=paid,
            payments=payments,
            open_bills=bills,
            tenant_file=tenant_file,
        )
        await kernel.publisher.publish(CashPlanning.RAW, msg.follow(raw), key=realm_id)
        for kind, records in (("qbo_account", accounts), ("qbo_invoice", open_invoices), ("qbo_bill", bills)):
            RECORDS_FETCHED.labels(SPEC.name, kind).inc(len(records))
        await kernel.audit.write(
            msg,
            "fetch",
            f"source:{check.source.value}:accounts:{len(accounts)}:invoices:{len(open_invoices)}:"
            f"history:{len(paid)}:bills:{len(bills)}",
        )


def attach(runtime: ServiceRuntime, deps: ConnectorsDeps, ports: CashConnectorsPorts) -> None:
    """The daily check, unless turned off (check_interval_s = 0); a Redis lock per window makes one instance ask."""
    interval = ports.settings.check_interval_s
    if interval <= 0:
        return
    kernel, realm_id = deps.kernel, deps.settings.qbo_realm_id
    tenant, redis = kernel.settings.tenant, kernel.redis()
    scheduler = AsyncIOScheduler(timezone="UTC")

    async def tick() -> None:
        window = int(time.time()) // interval
        if await redis.set(f"lock:cash:{tenant}:{realm_id}:{window}", "1", nx=True, ex=interval):
            command = check_requested(realm_id, CashCheckSource.SCHEDULE, "schedule", tenant)
            await kernel.publisher.publish(CashPlanning.TRIGGER, command, key=realm_id)
            log.info("scheduled cash check", extra={"fields": {"correlation_id": str(command.correlation_id)}})

    scheduler.add_job(tick, "interval", seconds=interval, id=f"{SPEC.name}_check", max_instances=1)

    async def start() -> None:
        PIPELINE_SCHEDULE_INTERVAL.labels(SPEC.name).set(interval)
        scheduler.start()

    async def stop() -> None:
        scheduler.shutdown(wait=False)

    runtime.on_start.append(start)
    runtime.on_stop.append(stop)


PART = ServicePart(build_ports, subscribe, attach)
