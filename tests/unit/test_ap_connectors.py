"""AP matching's part of the connectors, through the service's bootstrap on TestKafkaBroker with a fake QuickBooks
and receiving log: a bill change (webhook or catch-up) becomes one trigger keyed by the bill; a trigger fetches the
bill and what its match needs in four QuickBooks calls; a bill QuickBooks no longer has is dead-lettered by name.

Needs ap_matching in contracts/registry.py (its envelopes name a registered pipeline)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from faststream.kafka import KafkaMessage
from pydantic import SecretStr

from contracts import deadletter as dl
from contracts.ap_matching import SPEC as AP
from contracts.ap_matching import ApMatching, BillReceived, BillSource
from contracts.envelope import Envelope
from services.connectors.bootstrap import ConnectorsDeps, attach_intuit, build_deps, build_parts
from services.connectors.handlers import build_router
from services.connectors.intuit.cdc import CdcCatchUp
from services.connectors.intuit.web import WEBHOOK_PATH
from services.connectors.pipelines.ap_matching import BILL_CHANGES_IGNORED, ApMatchingPorts
from services.connectors.pipelines.ap_matching.domain import purchase_orders_query, vendor_bills_query
from services.connectors.pipelines.ap_matching.settings import ApConnectorsSettings
from services.connectors.settings import ConnectorsSettings
from shared.kernel import Kernel
from shared.runtime import ServiceRuntime
from tests.unit.harness import Captured, kernel_for, running
from tests.unit.test_intuit_cdc import FakePositions
from tests.unit.test_intuit_webhook import FakeClaims, cloud_body, legacy_body, sign

TOKEN = "qbo-webhook-verifier-token"
INTAKE_TOKEN = "intake-token-for-tests"
REALM = "9341453000000000"
JsonObject = dict[str, Any]


def qbo_bill(**overrides: Any) -> JsonObject:
    bill: JsonObject = {
        "Id": "145", "SyncToken": "2", "DocNumber": "HS-4471", "TxnDate": "2026-11-18", "DueDate": "2026-12-18",
        "VendorRef": {"value": "56", "name": "Harbor Supply"}, "CurrencyRef": {"value": "USD"}, "TotalAmt": 1250.0,
        "LinkedTxn": [{"TxnId": "1001", "TxnType": "PurchaseOrder"}],
        "Line": [
            {"Id": "1", "Amount": 1000.0, "DetailType": "ItemBasedExpenseLineDetail",
             "ItemBasedExpenseLineDetail": {"ItemRef": {"value": "7", "name": "Rope"}, "UnitPrice": 10, "Qty": 100},
             "LinkedTxn": [{"TxnId": "1001", "TxnType": "PurchaseOrder", "TxnLineId": "1"}]},
            {"Id": "2", "Amount": 250.0, "DetailType": "AccountBasedExpenseLineDetail",
             "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "80", "name": "Freight"}},
             "LinkedTxn": [{"TxnId": "1002", "TxnType": "PurchaseOrder", "TxnLineId": "3"}]},
        ],
        "MetaData": {"CreateTime": "2026-11-20T07:04:05-08:00", "LastUpdatedTime": "2026-11-20T07:04:05-08:00"},
    }  # fmt: skip
    bill.update(overrides)
    return bill


ORDERS = [{"Id": "1001", "DocNumber": "PO-1001", "POStatus": "Open"}, {"Id": "1002", "DocNumber": "PO-1002"}]
BANK = {
    "BankAccountName": "Harbor Supply LLC",
    "BankBranchIdentifier": "021000021",
    "BankAccountNumber": "000123456789",
}
VENDOR = {"Id": "56", "DisplayName": "Harbor Supply", "VendorPaymentBankDetail": BANK}
EARLIER = {"Id": "120", "DocNumber": "HS-4400", "VendorRef": {"value": "56"}}


class FakeQuickBooks:
    """Reads records by (entity, id) and answers the queries it has rows for; counts every call."""

    def __init__(self, records: dict[tuple[str, str], JsonObject], rows: dict[str, list[JsonObject]]) -> None:
        self.records = records
        self.rows = rows
        self.calls: list[str] = []

    async def read(self, entity: str, entity_id: str) -> JsonObject | None:
        self.calls.append(f"read {entity} {entity_id}")
        return self.records.get((entity, entity_id))

    async def query_all(self, query: str) -> list[JsonObject]:
        self.calls.append(query)
        return self.rows.get(query, [])

    async def changed_since(self, entities: Sequence[str], since: datetime) -> JsonObject:
        self.calls.append(f"cdc {','.join(entities)}")
        bill = self.records[("Bill", "145")]
        return {"CDCResponse": [{"QueryResponse": [{"Bill": [bill]}]}], "time": "2026-11-21T09:00:00-08:00"}


def harbor_quickbooks(bill: JsonObject | None = None) -> FakeQuickBooks:
    bill = bill or qbo_bill()
    return FakeQuickBooks(
        records={("Bill", bill["Id"]): bill, ("Vendor", "56"): VENDOR},
        rows={
            purchase_orders_query(["1001", "1002"]): ORDERS,
            vendor_bills_query("56"): [EARLIER, bill],
        },
    )


class FakeReceivingLog:
    def __init__(self, receipts: list[JsonObject]) -> None:
        self.stored = receipts
        self.asked: list[tuple[str, ...]] = []

    async def receipts(self, po_ids: Sequence[str]) -> list[JsonObject]:
        self.asked.append(tuple(po_ids))
        return [r for r in self.stored if r["PurchaseOrderId"] in po_ids]


@dataclass
class Running:
    kernel: Kernel
    deps: ConnectorsDeps
    captured: Captured
    client: httpx.AsyncClient
    triggers: list[tuple[bytes, Envelope[BillReceived]]] = field(default_factory=list)
    dead_letters: list[dict[str, str]] = field(default_factory=list)

    def raw(self) -> list[Any]:
        return [m.payload for m in self.captured.of(ApMatching.RAW)]

    async def post(self, body: bytes) -> httpx.Response:
        return await self.client.post(WEBHOOK_PATH, content=body, headers={"intuit-signature": sign(body)})


@asynccontextmanager
async def connectors(qbo: FakeQuickBooks, receiving_log: FakeReceivingLog | None = None) -> AsyncIterator[Running]:
    kernel = kernel_for("connectors")
    settings = ConnectorsSettings(
        qbo_client_id="x",
        qbo_client_secret=SecretStr("x"),
        qbo_refresh_token=SecretStr("x"),
        qbo_realm_id=REALM,
        qbo_webhook_verifier=SecretStr(TOKEN),
        qbo_cdc_interval_s=0,
    )
    deps = build_deps(kernel, settings, qbo=qbo)
    ap_settings = ApConnectorsSettings(bill_intake_token=SecretStr(INTAKE_TOKEN), bill_expense_account_id="70")
    parts = build_parts(deps, (AP,), ports={AP.name: ApMatchingPorts(ap_settings, receiving_log, FakeClaims())})
    router = build_router(deps, parts)
    triggers: list[tuple[bytes, Envelope[BillReceived]]] = []
    dead_letters: list[dict[str, str]] = []

    @kernel.broker.subscriber(ApMatching.TRIGGER, group_id="test.triggers")
    async def catch_trigger(message: KafkaMessage) -> None:
        triggers.append((message.raw_message.key, Envelope[BillReceived].model_validate_json(message.body)))

    @kernel.broker.subscriber(AP.dead_letter, group_id="test.dead_letters")
    async def catch_dead_letter(message: KafkaMessage) -> None:
        dead_letters.append(dict(message.headers))

    runtime = ServiceRuntime("connectors", kernel.broker, 0)
    parts.attach(runtime, deps)
    attach_intuit(runtime, deps, claims=FakeClaims())
    transport = httpx.ASGITransport(app=runtime.http_app())
    async with (
        running(kernel, router, [AP]) as captured,
        httpx.AsyncClient(transport=transport, base_url="http://connectors.test") as client,
    ):
        yield Running(kernel, deps, captured, client, triggers, dead_letters)


def _trigger(bill_id: str = "145", realm: str = REALM) -> Envelope[BillReceived]:
    received = BillReceived(realm_id=realm, bill_id=bill_id, source=BillSource.COMMAND, event_id=f"cmd-{bill_id}")
    return Envelope.start(received, pipeline=AP.name, tenant="demo-co")


async def test_a_signed_bill_webhook_publishes_one_trigger_keyed_by_the_bill_and_its_fetch() -> None:
    qbo = harbor_quickbooks()
    ignored = BILL_CHANGES_IGNORED.labels("Delete")._value.get()
    async with connectors(qbo) as app:
        created = legacy_body(("Bill", "145", "Create"), ("Bill", "146", "Delete"), ("Invoice", "9", "Create"))
        first = await app.post(created)
        again = await app.post(created)
    assert first.json() == {"received": 3, "delivered": 2, "duplicates": 0, "unwanted": 1, "other_realm": 0}
    assert again.json()["delivered"] == 0
    [(key, trigger)] = app.triggers
    assert key == b"145"
    assert trigger.payload == BillReceived(
        realm_id=REALM,
        bill_id="145",
        source=BillSource.WEBHOOK,
        event_id=f"{REALM}:Bill:145:Create:2026-11-20T15:04:05Z",
        operation="Create",
    )
    assert (trigger.pipeline, trigger.tenant) == (AP.name, app.kernel.settings.tenant)
    assert BILL_CHANGES_IGNORED.labels("Delete")._value.get() == ignored + 1, "a deleted bill starts no match"
    assert [r.bill_id for r in app.raw()] == ["145"]


async def test_a_cloudevent_and_the_catch_up_start_matches_with_their_source() -> None:
    qbo = harbor_quickbooks()
    async with connectors(qbo) as app:
        await app.post(cloud_body(("ev-9", "qbo.bill.updated.v1", "145"), at="2026-11-21T10:00:00Z"))
        positions = FakePositions()
        catch_up = CdcCatchUp(
            qbo,
            app.deps.intuit,
            attach_intuit(ServiceRuntime("connectors", app.kernel.broker, 0), app.deps, FakeClaims(), positions),
            positions,
            realm_id=REALM,
            lookback=timedelta(hours=1),
            now=lambda: datetime(2026, 11, 21, 17, tzinfo=UTC),
        )
        await catch_up.run()
    assert [(t.payload.source, t.payload.event_id, t.payload.operation) for _, t in app.triggers] == [
        (BillSource.WEBHOOK, "ev-9", "Update"),
        (BillSource.CDC, f"{REALM}:Bill:145:Create:2026-11-20T15:04:05Z", "Create"),
    ]
    assert "cdc Bill" in qbo.calls, "the catch-up asks about the entities parts registered for"


async def test_a_trigger_fetches_the_bill_and_what_its_match_needs_in_four_quickbooks_calls() -> None:
    qbo = harbor_quickbooks()
    async with connectors(qbo) as app:
        await app.kernel.publisher.publish(ApMatching.TRIGGER, _trigger(), key="145")
    [raw] = app.raw()
    assert (raw.realm_id, raw.bill_id, raw.bill) == (REALM, "145", qbo_bill())
    assert raw.purchase_orders == ORDERS
    assert raw.vendor == VENDOR, "with its VendorPaymentBankDetail"
    assert raw.vendor_bills == [EARLIER], "the vendor's other bills, not this one"
    assert raw.receipts is None, "no receiving log: a two-way match"
    assert sorted(qbo.calls) == sorted(
        [
            "read Bill 145",
            "select * from PurchaseOrder where Id in ('1001', '1002')",
            "read Vendor 56",
            "select * from Bill where VendorRef = '56'",
        ]
    )
    assert qbo.calls[0] == "read Bill 145"
    [audit] = app.captured.of(AP.audit)
    assert (audit.payload.step, audit.payload.outcome) == ("fetch", "orders:2:vendor_bills:1:receipts:two-way")


async def test_receipts_come_from_the_receiving_log_for_the_bills_orders() -> None:
    receipts = [
        {
            "ReceiptId": f"R-{po}",
            "PurchaseOrderId": po,
            "PurchaseOrderLineId": "1",
            "Quantity": 60,
            "ReceivedOn": "2026-11-15",
        }
        for po in ("1001", "2002")
    ]
    log = FakeReceivingLog(receipts)
    async with connectors(harbor_quickbooks(), log) as app:
        await app.kernel.publisher.publish(ApMatching.TRIGGER, _trigger(), key="145")
    [raw] = app.raw()
    assert raw.receipts == receipts[:1]
    assert log.asked == [("1001", "1002")]


async def test_a_bill_naming_no_order_or_vendor_costs_one_call_and_no_receipt_lookup() -> None:
    bare = qbo_bill(Id="150", LinkedTxn=[], VendorRef=None, Line=[{"Id": "1", "Amount": 10.0}])
    qbo = FakeQuickBooks(records={("Bill", "150"): bare}, rows={})
    log = FakeReceivingLog([])
    async with connectors(qbo, log) as app:
        await app.kernel.publisher.publish(ApMatching.TRIGGER, _trigger("150"), key="150")
    [raw] = app.raw()
    assert (raw.purchase_orders, raw.vendor, raw.vendor_bills, raw.receipts) == ([], None, [], [])
    assert qbo.calls == ["read Bill 150"]
    assert log.asked == []


async def test_an_unsafe_order_id_never_reaches_a_query() -> None:
    bill = qbo_bill(LinkedTxn=[{"TxnId": "1' or '1'='1", "TxnType": "PurchaseOrder"}], Line=[])
    qbo = harbor_quickbooks(bill)
    async with connectors(qbo) as app:
        await app.kernel.publisher.publish(ApMatching.TRIGGER, _trigger(), key="145")
    [raw] = app.raw()
    assert raw.purchase_orders == []
    assert not any("PurchaseOrder" in call for call in qbo.calls)


async def test_a_bill_quickbooks_no_longer_has_is_dead_lettered_by_name() -> None:
    qbo = FakeQuickBooks(records={}, rows={})
    async with connectors(qbo) as app:
        await app.kernel.publisher.publish(ApMatching.TRIGGER, _trigger("404"), key="404")
        await app.kernel.publisher.publish(ApMatching.TRIGGER, _trigger("145", realm="1234"), key="145")
    assert app.raw() == []
    assert [(h[dl.ERROR_TYPE], h[dl.SOURCE_TOPIC]) for h in app.dead_letters] == [
        ("BillNotFound", ApMatching.TRIGGER),
        ("OtherRealm", ApMatching.TRIGGER),
    ]
    assert "404" in app.dead_letters[0][dl.ERROR_MESSAGE]
    assert qbo.calls == ["read Bill 404"], "another company's bill is never read"
