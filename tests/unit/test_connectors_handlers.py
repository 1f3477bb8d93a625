"""The connectors' handlers, webhook and schedule through their bootstrap, on TestKafkaBroker, with a fake for
every outside system: QuickBooks, the CRM's deals, the document store and the webhook's dedupe claims."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import httpx
from pydantic import SecretStr

from contracts.contract_review import SPEC as REVIEW
from contracts.contract_review import ContractReview, DealClosedWon
from contracts.envelope import Envelope
from contracts.invoice_followup import SPEC as FOLLOWUP
from contracts.invoice_followup import FollowUpScanRequested, InvoiceFollowup
from infra.sandboxes.crm import sign_hubspot_v3
from services.connectors.bootstrap import ConnectorsDeps, build_deps, build_parts
from services.connectors.handlers import build_router
from services.connectors.pipelines.contract_review import ContractReviewPorts
from services.connectors.pipelines.contract_review.ports import FetchedDocument
from services.connectors.pipelines.contract_review.settings import ContractReviewConnectorsSettings
from services.connectors.pipelines.contract_review.web import WEBHOOK_PATH
from services.connectors.pipelines.invoice_followup.domain import (
    customer_payments_query,
    overdue_invoices_query,
    settled_invoices_query,
)
from services.connectors.pipelines.invoice_followup.settings import FollowUpConnectorsSettings
from services.connectors.settings import ConnectorsSettings
from shared.kernel import Kernel
from shared.metrics import PIPELINE_SCHEDULE_INTERVAL
from shared.parts import PipelineParts
from shared.runtime import ServiceRuntime
from tests.unit import factories
from tests.unit.harness import kernel_for, running

SECRET = "crm-webhook-secret"
JsonObject = dict[str, Any]


class FakeQuickBooks:
    """Answers the queries it was given rows for ([] for any other) and reads records by (entity, id)."""

    def __init__(self, rows: dict[str, list[JsonObject]], records: dict[tuple[str, str], JsonObject]) -> None:
        self.rows = rows
        self.records = records
        self.asked: list[str] = []

    async def query_all(self, query: str) -> list[JsonObject]:
        self.asked.append(query)
        return self.rows.get(query, [])

    async def read(self, entity: str, entity_id: str) -> JsonObject | None:
        self.asked.append(f"read {entity} {entity_id}")
        return self.records.get((entity, entity_id))


class FakeCrmDeals:
    def __init__(self, deals: dict[str, JsonObject]) -> None:
        self.deals = deals

    async def deal(self, deal_id: str) -> JsonObject:
        return self.deals[deal_id]


class FakeDocumentStore:
    def __init__(self, documents: dict[str, tuple[str, bytes]]) -> None:
        self.documents = documents
        self.fetched: list[tuple[str, int]] = []

    async def fetch(self, document_id: str, max_bytes: int) -> FetchedDocument:
        self.fetched.append((document_id, max_bytes))
        content_type, data = self.documents[document_id]
        return FetchedDocument(
            content_type=content_type,
            filename=f"{document_id}.pdf",
            size_bytes=len(data),
            content=data if len(data) <= max_bytes else None,
        )


class FakeDedupe:
    def __init__(self) -> None:
        self.claimed: set[str] = set()

    async def claim(self, tenant: str, event_id: str) -> bool:
        if f"{tenant}:{event_id}" in self.claimed:
            return False
        self.claimed.add(f"{tenant}:{event_id}")
        return True

    async def release(self, tenant: str, event_id: str) -> None:
        self.claimed.discard(f"{tenant}:{event_id}")

    async def claim_request(self, tenant: str, signature: str, ttl_s: int) -> bool:
        return await self.claim(tenant, f"request:{signature}")

    async def release_request(self, tenant: str, signature: str) -> None:
        await self.release(tenant, f"request:{signature}")


def _connectors(
    qbo: FakeQuickBooks, ports: dict[str, Any] | None = None, specs: tuple[Any, ...] = (FOLLOWUP, REVIEW)
) -> tuple[Kernel, ConnectorsDeps, PipelineParts[ConnectorsDeps]]:
    kernel = kernel_for("connectors")
    settings = ConnectorsSettings(qbo_client_id="x", qbo_client_secret=SecretStr("x"), qbo_refresh_token=SecretStr("x"))
    deps = build_deps(kernel, settings, qbo=qbo)
    given = {FOLLOWUP.name: FollowUpConnectorsSettings(scan_interval_s=0), REVIEW.name: _review_ports()}
    given.update(ports or {})
    return kernel, deps, build_parts(deps, specs, ports={s.name: given[s.name] for s in specs})


def _review_ports(
    deals: dict[str, JsonObject] | None = None,
    documents: dict[str, tuple[str, bytes]] | None = None,
    max_document_bytes: int = 512_000,
) -> ContractReviewPorts:
    settings = ContractReviewConnectorsSettings(
        crm_webhook_secret=SecretStr(SECRET), max_document_bytes=max_document_bytes
    )
    return ContractReviewPorts(settings, FakeCrmDeals(deals or {}), FakeDocumentStore(documents or {}), FakeDedupe())


def _closed_won(event_id: str, deal_id: str) -> Envelope[DealClosedWon]:
    won = DealClosedWon(
        event_id=event_id, portal_id="62515", deal_id=deal_id, stage="closedwon", occurred_on=factories.AS_OF
    )
    return Envelope.start(won, pipeline=REVIEW.name, tenant="demo-co")


def _scan() -> Envelope[FollowUpScanRequested]:
    scan = FollowUpScanRequested(realm_id=factories.REALM, as_of=factories.AS_OF, requested_by="cli")
    return Envelope.start(scan, pipeline=FOLLOWUP.name, tenant="demo-co")


async def test_a_scan_publishes_one_raw_record_per_overdue_invoice_with_its_customer_and_payments() -> None:
    harbor, lakeside = factories.qbo_customer(), factories.qbo_customer(Id="40", DisplayName="Lakeside Dental")
    invoices = [
        factories.qbo_invoice(Id="131"),
        factories.qbo_invoice(Id="132", DocNumber="1132"),
        factories.qbo_invoice(Id="140", CustomerRef={"value": "40", "name": "Lakeside Dental"}),
    ]
    payment = factories.qbo_payment("5001", "131", 250.0, "2026-11-01")
    settled = factories.qbo_invoice(Id="90", Balance=0.0)
    qbo = FakeQuickBooks(
        rows={
            overdue_invoices_query(factories.AS_OF): invoices,
            customer_payments_query("12"): [payment],
            settled_invoices_query("12"): [settled],
        },
        records={("Customer", "12"): harbor, ("Customer", "40"): lakeside},
    )
    kernel, deps, parts = _connectors(qbo)
    async with running(kernel, build_router(deps, parts), [FOLLOWUP, REVIEW]) as captured:
        await kernel.publisher.publish(InvoiceFollowup.TRIGGER, _scan(), key=factories.REALM)
    raw = {m.payload.invoice_id: m.payload for m in captured.of(InvoiceFollowup.RAW)}
    assert sorted(raw) == ["131", "132", "140"]
    assert {i: r.customer["DisplayName"] for i, r in raw.items() if r.customer} == {
        "131": "Harbor Marine",
        "132": "Harbor Marine",
        "140": "Lakeside Dental",
    }
    assert raw["131"].payments == [payment]
    assert raw["131"].settled_invoices == [settled]
    assert (raw["140"].payments, raw["140"].settled_invoices) == ([], [])
    assert {r.as_of for r in raw.values()} == {factories.AS_OF}
    assert qbo.asked.count("read Customer 12") == 1, "each customer is read once per scan, not once per invoice"
    assert [(a.payload.step, a.payload.outcome) for a in captured.of(FOLLOWUP.audit)] == [("fetch", "published:3")]


async def test_an_invoice_with_an_unsafe_customer_ref_is_passed_on_without_querying_with_it() -> None:
    injection = "1' or '1'='1"
    invoice = factories.qbo_invoice(Id="150", CustomerRef={"value": injection})
    qbo = FakeQuickBooks(rows={overdue_invoices_query(factories.AS_OF): [invoice]}, records={})
    kernel, deps, parts = _connectors(qbo)
    async with running(kernel, build_router(deps, parts), [FOLLOWUP]) as captured:
        await kernel.publisher.publish(InvoiceFollowup.TRIGGER, _scan(), key=factories.REALM)
    [raw] = captured.of(InvoiceFollowup.RAW)
    assert (raw.payload.invoice_id, raw.payload.customer) == ("150", None)
    assert qbo.asked == [overdue_invoices_query(factories.AS_OF)]


async def test_a_closed_won_trigger_publishes_the_raw_contract_with_its_document_bytes() -> None:
    pdf = b"%PDF-1.7 the signed contract"
    deal = {"id": "5001", "properties": {"dealname": "Harbor Marine renewal", "contract_document_id": "doc-5001"}}
    documents = {"doc-5001": ("application/pdf", pdf)}
    ports = _review_ports(deals={"5001": deal}, documents=documents, max_document_bytes=4096)
    kernel, deps, parts = _connectors(FakeQuickBooks({}, {}), ports={REVIEW.name: ports})
    async with running(kernel, build_router(deps, parts), [FOLLOWUP, REVIEW]) as captured:
        await kernel.publisher.publish(ContractReview.TRIGGER, _closed_won("100", "5001"), key="5001")
    [raw] = captured.of(ContractReview.RAW)
    contract = raw.payload
    assert (contract.deal_id, contract.deal, contract.document_id) == ("5001", deal, "doc-5001")
    assert (contract.content_type, contract.size_bytes) == ("application/pdf", len(pdf))
    assert base64.b64decode(contract.content_b64 or "") == pdf
    assert isinstance(ports.documents, FakeDocumentStore)
    assert ports.documents.fetched == [("doc-5001", 4096)], "fetched under the configured size cap"
    assert [(a.payload.step, a.payload.outcome) for a in captured.of(REVIEW.audit)] == [
        ("fetch", f"document:doc-5001:{len(pdf)}")
    ]
    assert captured.of(InvoiceFollowup.RAW) == []


async def test_a_deal_naming_no_document_is_passed_on_without_a_fetch() -> None:
    deal = {"id": "5002", "properties": {"dealname": "No paperwork"}}
    ports = _review_ports(deals={"5002": deal})
    kernel, deps, parts = _connectors(FakeQuickBooks({}, {}), ports={REVIEW.name: ports}, specs=(REVIEW,))
    async with running(kernel, build_router(deps, parts), [REVIEW]) as captured:
        await kernel.publisher.publish(ContractReview.TRIGGER, _closed_won("101", "5002"), key="5002")
    [raw] = captured.of(ContractReview.RAW)
    assert (raw.payload.document_id, raw.payload.content_b64, raw.payload.size_bytes) == (None, None, 0)
    assert isinstance(ports.documents, FakeDocumentStore)
    assert ports.documents.fetched == []


def _signed_closed_won(event_id: int, deal_id: int, later_ms: int = 0) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        [
            {
                "eventId": event_id,
                "subscriptionType": "deal.propertyChange",
                "portalId": 62515,
                "objectId": deal_id,
                "occurredAt": 1_790_000_000_000,
                "propertyName": "dealstage",
                "propertyValue": "closedwon",
            }
        ]
    ).encode()
    timestamp = int(time.time() * 1000) + later_ms
    signature = sign_hubspot_v3(SECRET, "POST", f"http://connectors.test{WEBHOOK_PATH}", body, timestamp)
    return body, {
        "content-type": "application/json",
        "X-HubSpot-Request-Timestamp": str(timestamp),
        "X-HubSpot-Signature-v3": signature,
    }


async def test_a_signed_closed_won_webhook_starts_one_review_that_fetches_the_contract() -> None:
    deal = {"id": "5004", "properties": {"contract_document_id": "doc-5004"}}
    ports = _review_ports(deals={"5004": deal}, documents={"doc-5004": ("application/pdf", b"%PDF signed")})
    kernel, deps, parts = _connectors(FakeQuickBooks({}, {}), ports={REVIEW.name: ports}, specs=(REVIEW,))
    runtime = ServiceRuntime("connectors", kernel.broker, 0)
    parts.attach(runtime, deps)
    transport = httpx.ASGITransport(app=runtime.http_app())
    async with (
        running(kernel, build_router(deps, parts), [REVIEW]) as captured,
        httpx.AsyncClient(transport=transport, base_url="http://connectors.test") as client,
    ):
        body, headers = _signed_closed_won(event_id=100, deal_id=5004)
        first = await client.post(WEBHOOK_PATH, content=body, headers=headers)
        replayed = await client.post(WEBHOOK_PATH, content=body, headers=headers)
        again, again_headers = _signed_closed_won(100, 5004, later_ms=1000)  # the CRM's retry is signed anew
        redelivered = await client.post(WEBHOOK_PATH, content=again, headers=again_headers)
        unsigned = await client.post(WEBHOOK_PATH, content=body, headers={"content-type": "application/json"})
    assert (first.status_code, first.json()) == (200, {"received": 1, "published": 1, "duplicates": 0})
    assert (replayed.status_code, replayed.json()) == (401, {"error": "replayed request"})
    assert redelivered.json() == {"received": 1, "published": 0, "duplicates": 1}
    assert unsigned.status_code == 401
    [raw] = captured.of(ContractReview.RAW)
    assert (raw.payload.deal_id, base64.b64decode(raw.payload.content_b64 or "")) == ("5004", b"%PDF signed")
    assert (raw.pipeline, raw.tenant) == (REVIEW.name, kernel.settings.tenant)


async def test_the_schedule_runs_only_with_a_scan_interval() -> None:
    qbo = FakeQuickBooks({}, {})
    for interval, hooks in ((0, 0), (3600, 1)):
        kernel, deps, parts = _connectors(
            qbo, ports={FOLLOWUP.name: FollowUpConnectorsSettings(scan_interval_s=interval)}, specs=(FOLLOWUP,)
        )
        runtime = ServiceRuntime("connectors", kernel.broker, 0)
        parts.attach(runtime, deps)
        assert (len(runtime.on_start), len(runtime.on_stop)) == (hooks, hooks), interval
        assert runtime.routes == [], "no webhook without contract review"
    for start in runtime.on_start:
        await start()
    try:
        assert PIPELINE_SCHEDULE_INTERVAL.labels(FOLLOWUP.name)._value.get() == 3600
    finally:
        for stop in runtime.on_stop:
            await stop()
