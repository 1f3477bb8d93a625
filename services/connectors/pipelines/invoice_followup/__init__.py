"""invoice_followup in the connectors: a scan request fetches every overdue invoice from QuickBooks with its
customer, payments and settled history; a schedule requests the scans."""

from __future__ import annotations

import asyncio
import time

from faststream.kafka import KafkaRouter

from contracts.envelope import Envelope
from contracts.invoice_followup import SPEC, FollowUpScanRequested, InvoiceFollowup, RawInvoiceFetched
from services.connectors.bootstrap import ConnectorsDeps
from services.connectors.pipelines.invoice_followup.domain import (
    customer_payments_query,
    customer_ref,
    overdue_invoices_query,
    settled_invoices_query,
)
from services.connectors.pipelines.invoice_followup.scheduler import build_scheduler
from services.connectors.pipelines.invoice_followup.settings import FollowUpConnectorsSettings
from services.connectors.ports import JsonObject
from shared.metrics import PIPELINE_LAST_RUN, PIPELINE_RUNS, PIPELINE_SCHEDULE_INTERVAL, RECORDS_FETCHED
from shared.parts import ServicePart
from shared.runtime import ServiceRuntime


def build_ports(deps: ConnectorsDeps) -> FollowUpConnectorsSettings:
    """QuickBooks is the service's own client (deps.qbo); this pipeline adds only its scan settings."""
    return FollowUpConnectorsSettings()


def subscribe(router: KafkaRouter, deps: ConnectorsDeps, settings: FollowUpConnectorsSettings) -> None:
    kernel, qbo = deps.kernel, deps.qbo

    @router.subscriber(InvoiceFollowup.TRIGGER, **kernel.subscriber_options(SPEC.name))
    async def on_scan_requested(msg: Envelope[FollowUpScanRequested]) -> None:
        scan = msg.payload
        PIPELINE_RUNS.labels(SPEC.name).inc()
        PIPELINE_LAST_RUN.labels(SPEC.name).set(time.time())
        invoices = await qbo.query_all(overdue_invoices_query(scan.as_of))
        history: dict[str, tuple[JsonObject | None, list[JsonObject], list[JsonObject]]] = {}
        for customer_id in sorted({c for inv in invoices if (c := customer_ref(inv))}):
            history[customer_id] = (
                await qbo.read("Customer", customer_id),
                await qbo.query_all(customer_payments_query(customer_id)),
                await qbo.query_all(settled_invoices_query(customer_id)),
            )
        gate = asyncio.Semaphore(settings.publish_concurrency)

        async def publish(index: int, invoice: JsonObject) -> None:
            customer, payments, settled = history.get(customer_ref(invoice) or "", (None, [], []))
            invoice_id = str(invoice.get("Id") or f"unidentified-{index}")
            raw = RawInvoiceFetched(
                realm_id=scan.realm_id,
                as_of=scan.as_of,
                invoice_id=invoice_id,
                invoice=invoice,
                customer=customer,
                payments=payments,
                settled_invoices=settled,
            )
            async with gate:
                await kernel.publisher.publish(InvoiceFollowup.RAW, msg.follow(raw), key=invoice_id)

        await asyncio.gather(*(publish(i, inv) for i, inv in enumerate(invoices)))
        RECORDS_FETCHED.labels(SPEC.name, "qbo_invoice").inc(len(invoices))
        await kernel.audit.write(msg, "fetch", f"published:{len(invoices)}")


def attach(runtime: ServiceRuntime, deps: ConnectorsDeps, settings: FollowUpConnectorsSettings) -> None:
    """The schedule trigger, unless scans are only requested by hand (scan_interval_s = 0)."""
    if settings.scan_interval_s <= 0:
        return
    kernel = deps.kernel
    scheduler = build_scheduler(
        kernel.publisher, kernel.redis(), kernel.settings.tenant, deps.settings.qbo_realm_id, settings.scan_interval_s
    )

    async def start() -> None:
        PIPELINE_SCHEDULE_INTERVAL.labels(SPEC.name).set(settings.scan_interval_s)
        scheduler.start()

    async def stop() -> None:
        scheduler.shutdown(wait=False)

    runtime.on_start.append(start)
    runtime.on_stop.append(stop)


PART = ServicePart(build_ports, subscribe, attach)
