from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Collection

from faststream.kafka import KafkaRouter

from contracts.contract_review import DealClosedWon, RawContractFetched
from contracts.envelope import Envelope, Pipeline
from contracts.invoice_followup import FollowUpScanRequested, RawInvoiceFetched
from contracts.topics import ContractReview, InvoiceFollowup
from services.connectors.bootstrap import ConnectorsDeps
from services.connectors.domain import (
    contract_document_id,
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

    if Pipeline.CONTRACT_REVIEW in pipelines and deps.crm is not None and deps.documents is not None:
        review, crm, documents = Pipeline.CONTRACT_REVIEW, deps.crm, deps.documents

        @router.subscriber(ContractReview.TRIGGER, **kernel.subscriber_options(review))
        async def on_deal_closed_won(msg: Envelope[DealClosedWon]) -> None:
            event = msg.payload
            deal = await crm.deal(event.deal_id)
            document_id = contract_document_id(deal)
            fetched = await documents.fetch(document_id, deps.settings.max_document_bytes) if document_id else None
            raw = RawContractFetched(
                deal_id=event.deal_id,
                as_of=event.occurred_on,
                deal=deal,
                document_id=document_id,
                content_type=fetched.content_type if fetched else None,
                filename=fetched.filename if fetched else None,
                size_bytes=fetched.size_bytes if fetched else 0,
                content_b64=base64.b64encode(fetched.content).decode() if fetched and fetched.content else None,
            )
            await kernel.publisher.publish(ContractReview.RAW, msg.follow(raw), key=event.deal_id)
            RECORDS_FETCHED.labels(review.value, "crm_deal_contract").inc()
            await kernel.audit.write(msg, "fetch", f"document:{document_id or 'none'}:{raw.size_bytes}")

    return router
