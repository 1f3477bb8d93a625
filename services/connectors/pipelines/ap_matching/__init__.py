"""ap_matching in the connectors: a QuickBooks bill created or changed (webhook or catch-up) becomes a trigger; a
trigger fetches the bill with its purchase orders, vendor, the vendor's other bills and, where the tenant keeps a
receiving log, the goods received. A vendor invoice uploaded as a document (POST /intake/bills) goes to the
document topic; once read and extracted, the orders and vendor it names are fetched the same way and it goes on
as a draft bill."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from faststream.kafka import KafkaRouter
from prometheus_client import Counter

from contracts.ap_matching import (
    SPEC,
    ApMatching,
    BillDocumentExtracted,
    BillDocumentReceived,
    BillReceived,
    BillSource,
)
from contracts.envelope import Envelope
from services.connectors.bootstrap import ConnectorsDeps
from services.connectors.intuit.domain import IntuitEvent
from services.connectors.pipelines.ap_matching.adapters.receiving_log import HttpReceivingLog
from services.connectors.pipelines.ap_matching.documents import document_bill_id
from services.connectors.pipelines.ap_matching.domain import MATCHED_OPERATIONS, OtherRealm, trigger_ids
from services.connectors.pipelines.ap_matching.fetch import fetch_bill, fetch_document_bill
from services.connectors.pipelines.ap_matching.intake import Intake, build_intake_routes
from services.connectors.pipelines.ap_matching.ports import ReceivingLog
from services.connectors.pipelines.ap_matching.settings import ApConnectorsSettings
from services.connectors.ports import EventClaims
from shared.idempotency import RedisIdempotencyStore
from shared.metrics import PIPELINE_RUNS, RECORDS_FETCHED
from shared.parts import ServicePart
from shared.runtime import ServiceRuntime

BILL_CHANGES_IGNORED = Counter(
    "seamline_ap_bill_changes_ignored_total", "QuickBooks bill changes that start no match", ["operation"]
)


@dataclass
class ApMatchingPorts:
    settings: ApConnectorsSettings
    receiving_log: ReceivingLog | None
    """None when the tenant keeps no receiving log: the match is two-way."""
    document_claims: EventClaims
    """Which uploaded documents were published (by content), so the same file is read once."""


def build_ports(deps: ConnectorsDeps) -> ApMatchingPorts:
    settings = ApConnectorsSettings()
    claims = RedisIdempotencyStore(deps.kernel.redis(), "ap-documents", settings.bill_document_ttl_s)
    if settings.receiving_log_base_url is None:
        return ApMatchingPorts(settings, None, claims)
    token = settings.receiving_log_token
    client = httpx.AsyncClient(
        base_url=settings.receiving_log_base_url,
        headers={"Authorization": f"Bearer {token.get_secret_value()}"} if token else {},
        timeout=deps.settings.http_timeout_s,
    )
    return ApMatchingPorts(settings, HttpReceivingLog(client), claims)


def subscribe(router: KafkaRouter, deps: ConnectorsDeps, ports: ApMatchingPorts) -> None:
    kernel, qbo, realm_id = deps.kernel, deps.qbo, deps.settings.qbo_realm_id
    tenant = kernel.settings.tenant

    async def on_bill_changed(event: IntuitEvent) -> None:
        if event.operation not in MATCHED_OPERATIONS:
            BILL_CHANGES_IGNORED.labels(event.operation).inc()
            return
        received = BillReceived(
            realm_id=event.realm_id,
            bill_id=event.entity_id,
            source=BillSource(event.source.value),
            event_id=event.event_id,
            operation=event.operation,
        )
        await kernel.publisher.publish(ApMatching.TRIGGER, _trigger(tenant, received), key=received.bill_id)

    deps.intuit.on({"Bill"}, on_bill_changed)

    @router.subscriber(ApMatching.TRIGGER, **kernel.subscriber_options(SPEC.name))
    async def on_bill_received(msg: Envelope[BillReceived]) -> None:
        received = msg.payload
        if received.realm_id != realm_id:
            raise OtherRealm(f"bill {received.bill_id} is in company {received.realm_id}; connected to {realm_id}")
        PIPELINE_RUNS.labels(SPEC.name).inc()  # a run is one bill
        raw = await fetch_bill(qbo, ports.receiving_log, realm_id, received.bill_id, received.source)
        await kernel.publisher.publish(ApMatching.RAW, msg.follow(raw), key=received.bill_id)
        RECORDS_FETCHED.labels(SPEC.name, "qbo_bill").inc()
        receipts = "two-way" if raw.receipts is None else len(raw.receipts)
        await kernel.audit.write(
            msg, "fetch", f"orders:{len(raw.purchase_orders)}:vendor_bills:{len(raw.vendor_bills)}:receipts:{receipts}"
        )

    @router.subscriber(ApMatching.DOCUMENT_EXTRACTED, **kernel.subscriber_options(SPEC.name))
    async def on_bill_document_extracted(msg: Envelope[BillDocumentExtracted]) -> None:
        extracted = msg.payload
        if extracted.realm_id != realm_id:
            raise OtherRealm(f"document {extracted.document_id} is for company {extracted.realm_id}")
        raw = await fetch_document_bill(qbo, ports.receiving_log, realm_id, extracted, ports.settings)
        await kernel.publisher.publish(ApMatching.RAW, msg.follow(raw), key=raw.bill_id)
        RECORDS_FETCHED.labels(SPEC.name, "bill_document").inc()
        await kernel.audit.write(
            msg,
            "fetch",
            f"document:{extracted.document_id}:orders:{len(raw.purchase_orders)}:vendor:{raw.bill['VendorRef']['value']}",
        )


def _trigger(tenant: str, received: BillReceived) -> Envelope[BillReceived]:
    event_id, correlation_id = trigger_ids(tenant, received)
    now = datetime.now(UTC)
    return Envelope[BillReceived](
        event_id=event_id,
        event_type=type(received).__name__,
        occurred_at=now,
        run_started_at=now,
        correlation_id=correlation_id,
        pipeline=SPEC.name,
        tenant=tenant,
        payload=received,
    )


def attach(runtime: ServiceRuntime, deps: ConnectorsDeps, ports: ApMatchingPorts) -> None:
    settings, kernel = ports.settings, deps.kernel
    token = settings.bill_intake_token.get_secret_value() if settings.bill_intake_token else ""

    async def publish(received: BillDocumentReceived) -> None:
        PIPELINE_RUNS.labels(SPEC.name).inc()  # a run is one bill, here one document
        envelope = Envelope.start(received, pipeline=SPEC.name, tenant=kernel.settings.tenant)
        await kernel.publisher.publish(ApMatching.DOCUMENT, envelope, key=document_bill_id(received.document_id))

    runtime.routes.extend(
        build_intake_routes(
            Intake(token, deps.settings.qbo_realm_id, settings.bill_document_max_bytes, settings.bill_document_ttl_s),
            ports.document_claims,
            publish,
        )
    )


PART = ServicePart(build_ports, subscribe, attach)
