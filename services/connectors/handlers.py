from __future__ import annotations

import asyncio
import time
from collections.abc import Collection

from faststream.kafka import KafkaRouter

from contracts.envelope import Envelope, Pipeline
from contracts.invoice_followup import FollowUpScanRequested, RawInvoiceFetched
from contracts.topics import InvoiceFollowup
from services.connectors.bootstrap import ConnectorsDeps
from services.connectors.domain import (
    customer_payments_query,
    customer_ref,
    overdue_invoices_query,
    settled_invoices_query,
)
from services.connectors.ports import JsonObject
from shared.metrics import PIPELINE_LAST_RUN, PIPELINE_RUNS, RECORDS_FETCHED


def build_router(deps: ConnectorsDeps, pipelines: Collection[Pipeline]) -> KafkaRouter:
    router = KafkaRouter()
    kernel = deps.kernel
    if Pipeline.INVOICE_FOLLOWUP in pipelines:
        pipeline = Pipeline.INVOICE_FOLLOWUP

        @router.subscriber(InvoiceFollowup.TRIGGER, **kernel.subscriber_options(pipeline))
        async def on_scan_requested(msg: Envelope[FollowUpScanRequested]) -> None:
            scan = msg.payload
            PIPELINE_RUNS.labels(pipeline.value).inc()
            PIPELINE_LAST_RUN.labels(pipeline.value).set(time.time())
            invoices = await deps.qbo.query_all(overdue_invoices_query(scan.as_of))
            history: dict[str, tuple[JsonObject | None, list[JsonObject], list[JsonObject]]] = {}
            for customer_id in sorted({c for inv in invoices if (c := customer_ref(inv))}):
                history[customer_id] = (
                    await deps.qbo.read("Customer", customer_id),
                    await deps.qbo.query_all(customer_payments_query(customer_id)),
                    await deps.qbo.query_all(settled_invoices_query(customer_id)),
                )
            gate = asyncio.Semaphore(deps.settings.publish_concurrency)

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
            RECORDS_FETCHED.labels(pipeline.value, "qbo_invoice").inc(len(invoices))
            await kernel.audit.write(msg, "fetch", f"published:{len(invoices)}")

    return router
