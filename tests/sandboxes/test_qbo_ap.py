"""The QuickBooks sandbox's accounts-payable side: seeded AP data, reads, writes under SyncToken, CDC, webhooks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
import pytest_asyncio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from infra.sandboxes import (
    BILL_OUTCOMES,
    HISTORY_BILLS,
    QboState,
    SeedParams,
    build_qbo_app,
    seed_ap,
    seed_company,
    sign_intuit,
)

from .conftest import AS_OF, REALM, bearer

VERIFIER = "qbo-webhook-verifier-token"
RECEIVING_AUTH = {"Authorization": "Bearer receiving-sandbox-token"}
# After every seeded timestamp (all at least a day before AS_OF), so CDC can tell seeded from written.
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def _d(value: Any) -> Decimal:
    return Decimal(str(value))


@pytest.fixture
def ap_state() -> QboState:
    state = QboState(now=lambda: NOW)
    seed_ap(state, AS_OF)
    return state


@pytest_asyncio.fixture
async def ap(ap_state: QboState) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_qbo_app(ap_state))
    async with httpx.AsyncClient(transport=transport, base_url="http://qbo.sandbox") as client:
        client.headers.update(await bearer(client))
        yield client


async def _query(client: httpx.AsyncClient, text: str) -> dict[str, Any]:
    response = await client.get(f"/v3/company/{REALM}/query", params={"query": text, "minorversion": "75"})
    assert response.status_code == 200, response.text
    return dict(response.json()["QueryResponse"])


async def _post(client: httpx.AsyncClient, entity: str, body: dict[str, Any], **params: str) -> httpx.Response:
    return await client.post(f"/v3/company/{REALM}/{entity}", json=body, params={"minorversion": "75", **params})


def _po_lines(state: QboState, po_id: str) -> dict[str, dict[str, Any]]:
    return {line["Id"]: line for line in state.purchase_orders[po_id]["Line"]}


def _billed(state: QboState, bill_ids: list[str]) -> dict[tuple[str, str], Decimal]:
    """Quantity billed per (PO, PO line) over the given bills."""
    out: dict[tuple[str, str], Decimal] = {}
    for bill_id in bill_ids:
        for line in state.bills[bill_id]["Line"]:
            for link in line.get("LinkedTxn", []):
                qty = _d(line.get("ItemBasedExpenseLineDetail", {}).get("Qty", 1))
                key = (link["TxnId"], link["TxnLineId"])
                out[key] = out.get(key, Decimal(0)) + qty
    return out


def _received(state: QboState, po_id: str) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for entry in state.receiving.receipts:
        if entry["PurchaseOrderId"] == po_id:
            line = entry["PurchaseOrderLineId"]
            out[line] = out.get(line, Decimal(0)) + _d(entry["Quantity"])
    return out


def test_ap_seed_holds_the_cases_each_outcome_needs(ap_state: QboState) -> None:
    bills, pos = ap_state.bills, ap_state.purchase_orders
    assert set(BILL_OUTCOMES) | set(HISTORY_BILLS) == set(bills)
    assert all(_d(bills[b]["Balance"]) == _d(bills[b]["TotalAmt"]) > 0 for b in BILL_OUTCOMES)
    for bill_id in HISTORY_BILLS:
        assert bills[bill_id]["Balance"] == 0
        assert any(t["TxnType"] == "BillPayment" for t in bills[bill_id]["LinkedTxn"])
    for bill in bills.values():
        lines = sum(_d(line["Amount"]) for line in bill["Line"])
        tax = _d(bill.get("TxnTaxDetail", {}).get("TotalTax", 0))
        assert lines + tax == _d(bill["TotalAmt"])

    def unit_prices(bill_id: str) -> list[tuple[Decimal, Decimal]]:
        """(bill unit price, PO unit price) per goods line."""
        out = []
        for line in bills[bill_id]["Line"]:
            link = line["LinkedTxn"][0]
            po_line = _po_lines(ap_state, link["TxnId"])[link["TxnLineId"]]
            out.append(
                (
                    _d(line["ItemBasedExpenseLineDetail"]["UnitPrice"]),
                    _d(po_line["ItemBasedExpenseLineDetail"]["UnitPrice"]),
                )
            )
        return out

    by_outcome = {bill_id: (o.outcome, o.exception) for bill_id, o in BILL_OUTCOMES.items()}
    exact = [b for b, o in by_outcome.items() if o == ("matched", None) and b != "2015"]
    assert all(p == q for b in exact if bills[b]["LinkedTxn"] for p, q in unit_prices(b))
    (tolerance,) = [b for b, o in by_outcome.items() if o[0] == "within_tolerance"]
    assert max(p / q - 1 for p, q in unit_prices(tolerance)) == Decimal("0.004")
    (price,) = [b for b, o in by_outcome.items() if o[1] == "price_variance"]
    assert max(p / q - 1 for p, q in unit_prices(price)) >= Decimal("0.05")

    (quantity,) = [b for b, o in by_outcome.items() if o[1] == "quantity_variance"]
    po_id = bills[quantity]["LinkedTxn"][0]["TxnId"]
    ordered = {k: _d(v["ItemBasedExpenseLineDetail"]["Qty"]) for k, v in _po_lines(ap_state, po_id).items()}
    billed = _billed(ap_state, [quantity])
    assert any(qty > ordered[line] for (_, line), qty in billed.items())
    assert all(qty <= _received(ap_state, po_id)[line] for (_, line), qty in billed.items())

    (over_received,) = [b for b, o in by_outcome.items() if o[1] == "billed_more_than_received"]
    po_id = bills[over_received]["LinkedTxn"][0]["TxnId"]
    assert any(q > _received(ap_state, po_id)[line] for (_, line), q in _billed(ap_state, [over_received]).items())

    partial = [b for b in BILL_OUTCOMES if bills[b]["LinkedTxn"] and bills[b]["LinkedTxn"][0]["TxnId"] == "1006"]
    assert len(partial) == 2
    assert sum(_d(bills[b]["TotalAmt"]) for b in partial) <= _d(pos["1006"]["TotalAmt"])
    (over_billed,) = [b for b, o in by_outcome.items() if o[1] == "billed_more_than_ordered"]
    po_id = bills[over_billed]["LinkedTxn"][0]["TxnId"]
    on_po = [b for b, bill in bills.items() if any(t["TxnId"] == po_id for t in bill["LinkedTxn"])]
    assert _d(bills[over_billed]["TotalAmt"]) <= _d(pos[po_id]["TotalAmt"])
    assert sum(_d(bills[b]["TotalAmt"]) for b in on_po) > _d(pos[po_id]["TotalAmt"])

    (duplicate,) = [b for b, o in by_outcome.items() if o[1] == "duplicate"]
    same_vendor = [b for b in bills if b != duplicate and bills[b]["VendorRef"] == bills[duplicate]["VendorRef"]]

    def normalised(doc: str) -> str:
        return re.sub(r"[^a-z0-9]", "", doc.lower())

    assert [normalised(bills[b]["DocNumber"]) for b in same_vendor] == [normalised(bills[duplicate]["DocNumber"])]
    assert bills[same_vendor[0]]["DocNumber"] != bills[duplicate]["DocNumber"]

    (no_po,) = [b for b, o in by_outcome.items() if o[1] == "no_purchase_order"]
    assert bills[no_po]["LinkedTxn"] == [] and all("LinkedTxn" not in line for line in bills[no_po]["Line"])
    assert any(line["DetailType"] == "AccountBasedExpenseLineDetail" for line in bills["2015"]["Line"])
    assert _d(bills["2015"]["TxnTaxDetail"]["TotalTax"]) > 0

    bank = ap_state.ap_summary["bank_change"]
    vendor = ap_state.vendors[bank["vendor_id"]]
    assert vendor["VendorPaymentBankDetail"] == bank["current"] != bank["previous"]
    paid = bills[bank["paid_with_previous"]]
    payment_day = next(
        ap_state.bill_payments[t["TxnId"]]["TxnDate"] for t in paid["LinkedTxn"] if t["TxnType"] == "BillPayment"
    )
    assert payment_day < bank["changed_on"] < bills["2013"]["TxnDate"]
    assert all(ap_state.vendors[b["VendorRef"]["value"]]["VendorPaymentBankDetail"] for b in bills.values())


def test_ap_seed_is_deterministic_and_leaves_the_invoices_alone() -> None:
    first, second = QboState(), QboState()
    seed_company(first, SeedParams(as_of=AS_OF))
    seed_company(second, SeedParams(as_of=AS_OF))
    invoices = json.dumps(first.invoices, sort_keys=True)
    seed_ap(first, AS_OF)
    seed_ap(second, AS_OF)
    assert json.dumps(first.invoices, sort_keys=True) == invoices
    assert (first.bills, first.vendors, first.receiving.receipts) == (
        second.bills,
        second.vendors,
        second.receiving.receipts,
    )
    seed_company(first, SeedParams(as_of=AS_OF, invoices=10, customers=3))
    assert first.bills == second.bills
    latest = max(datetime.fromisoformat(b["MetaData"]["LastUpdatedTime"]) for b in first.bills.values())
    assert latest.date() < AS_OF


async def test_reads_and_queries_of_the_ap_entities(ap: httpx.AsyncClient, ap_state: QboState) -> None:
    bill = (await ap.get(f"/v3/company/{REALM}/bill/2001")).json()["Bill"]
    assert bill == ap_state.bills["2001"]
    vendor = (await ap.get(f"/v3/company/{REALM}/vendor/106")).json()["Vendor"]
    assert (
        vendor["VendorPaymentBankDetail"]["BankAccountNumber"]
        == ap_state.ap_summary["bank_change"]["current"]["BankAccountNumber"]
    )
    payment = (await ap.get(f"/v3/company/{REALM}/billpayment/3001")).json()["BillPayment"]
    assert payment["Line"][0]["LinkedTxn"][0]["TxnType"] == "Bill"
    missing = await ap.get(f"/v3/company/{REALM}/purchaseorder/999")
    assert (missing.status_code, missing.json()["Fault"]["Error"][0]["code"]) == (400, "610")

    by_vendor = await _query(ap, "select * from Bill where VendorRef = '104'")
    expected = sorted(b["Id"] for b in ap_state.bills.values() if b["VendorRef"]["value"] == "104")
    assert sorted(b["Id"] for b in by_vendor["Bill"]) == expected and len(expected) > 1
    pos = await _query(ap, "SELECT * FROM PurchaseOrder WHERE Id IN ('1001', '1005')")
    assert [p["Id"] for p in pos["PurchaseOrder"]] == ["1001", "1005"]

    seen: list[str] = []
    for start in (1, 6, 11, 16):
        page = await _query(ap, f"select * from Bill STARTPOSITION {start} MAXRESULTS 5")
        seen += [b["Id"] for b in page.get("Bill", [])]
    assert seen == sorted(ap_state.bills, key=int)
    count = await _query(ap, "select count(*) from Vendor where Active = true")
    assert count == {"totalCount": len(ap_state.vendors)}


async def test_sparse_update_changes_only_what_it_sends_and_a_stale_token_changes_nothing(
    ap: httpx.AsyncClient, ap_state: QboState
) -> None:
    before = (await ap.get(f"/v3/company/{REALM}/bill/2001")).json()["Bill"]
    change = {
        "sparse": True,
        "Id": "2001",
        "SyncToken": before["SyncToken"],
        "VendorRef": before["VendorRef"],
        "PrivateNote": "Approved by Seamline",
    }
    updated = await _post(ap, "bill", change)
    assert updated.status_code == 200, updated.text
    after = updated.json()["Bill"]
    assert after["PrivateNote"] == "Approved by Seamline"
    assert int(after["SyncToken"]) == int(before["SyncToken"]) + 1
    assert datetime.fromisoformat(after["MetaData"]["LastUpdatedTime"]) == NOW
    untouched = {k: v for k, v in after.items() if k not in ("PrivateNote", "SyncToken", "MetaData")}
    assert untouched == {k: v for k, v in before.items() if k not in ("PrivateNote", "SyncToken", "MetaData")}

    stale = await _post(ap, "bill", {**change, "PrivateNote": "overwritten"})
    assert stale.status_code == 400
    error = stale.json()["Fault"]["Error"][0]
    assert (stale.json()["Fault"]["type"], error["code"], error["Message"]) == (
        "ValidationFault",
        "5010",
        "Stale Object Error",
    )
    assert ap_state.bills["2001"]["PrivateNote"] == "Approved by Seamline"

    no_vendor = await _post(ap, "bill", {"sparse": True, "Id": "2001", "SyncToken": after["SyncToken"]})
    assert (no_vendor.status_code, no_vendor.json()["Fault"]["Error"][0]["code"]) == (400, "2020")

    # A full update (no sparse flag) clears what it leaves out; QuickBooks recomputes the total from the lines.
    lines = [dict(before["Line"][0], Amount=700.0)]
    lines[0]["ItemBasedExpenseLineDetail"] = dict(lines[0]["ItemBasedExpenseLineDetail"], Qty=200, UnitPrice=3.5)
    full = await _post(
        ap, "bill", {"Id": "2001", "SyncToken": after["SyncToken"], "VendorRef": before["VendorRef"], "Line": lines}
    )
    assert "PrivateNote" not in full.json()["Bill"]
    assert (full.json()["Bill"]["TotalAmt"], full.json()["Bill"]["Balance"]) == (700.0, 700.0)


async def test_bill_payment_reduces_the_balance_once_per_request_id(ap: httpx.AsyncClient, ap_state: QboState) -> None:
    bill = ap_state.bills["2006"]
    total, vendor_balance = _d(bill["TotalAmt"]), _d(ap_state.vendors["104"]["Balance"])
    payment = {
        "VendorRef": {"value": "104"},
        "PayType": "Check",
        "CheckPayment": {"BankAccountRef": {"value": "35", "name": "Checking"}},
        "TotalAmt": 500.0,
        "Line": [{"Amount": 500.0, "LinkedTxn": [{"TxnId": "2006", "TxnType": "Bill"}]}],
    }
    first = await _post(ap, "billpayment", payment, requestid="pay-2006-1")
    again = await _post(ap, "billpayment", payment, requestid="pay-2006-1")
    assert first.status_code == 200, first.text
    assert first.json() == again.json()
    created = first.json()["BillPayment"]
    assert created["VendorRef"] == {"value": "104", "name": "Granite Fasteners Inc."}
    assert len(ap_state.bill_payments) == len(HISTORY_BILLS) + 1

    paid = (await ap.get(f"/v3/company/{REALM}/bill/2006")).json()["Bill"]
    assert _d(paid["Balance"]) == total - Decimal("500.00")
    assert {"TxnId": created["Id"], "TxnType": "BillPayment"} in paid["LinkedTxn"]
    assert paid["SyncToken"] == "1"
    assert _d(ap_state.vendors["104"]["Balance"]) == vendor_balance - Decimal("500.00")

    over = dict(
        payment, TotalAmt=5000.0, Line=[{"Amount": 5000.0, "LinkedTxn": [{"TxnId": "2006", "TxnType": "Bill"}]}]
    )
    refused = await _post(ap, "billpayment", over)
    assert (refused.status_code, refused.json()["Fault"]["Error"][0]["code"]) == (400, "6000")
    other_vendor = dict(payment, VendorRef={"value": "101"})
    assert (await _post(ap, "billpayment", other_vendor)).status_code == 400
    assert _d(ap_state.bills["2006"]["Balance"]) == total - Decimal("500.00")


async def test_cdc_returns_what_changed_since_a_time(ap: httpx.AsyncClient, ap_state: QboState) -> None:
    vendor = ap_state.vendors["101"]
    new_bank = dict(vendor["VendorPaymentBankDetail"], BankAccountNumber="000999888777")
    changed = await _post(
        ap,
        "vendor",
        {"sparse": True, "Id": "101", "SyncToken": vendor["SyncToken"], "VendorPaymentBankDetail": new_bank},
    )
    assert changed.json()["Vendor"]["VendorPaymentBankDetail"]["BankAccountNumber"] == "000999888777"
    assert changed.json()["Vendor"]["DisplayName"] == vendor["DisplayName"]

    url = f"/v3/company/{REALM}/cdc"
    since_write = (NOW - timedelta(minutes=5)).isoformat()
    response = await ap.get(url, params={"entities": "Bill,Vendor,PurchaseOrder", "changedSince": since_write})
    assert response.status_code == 200, response.text
    (cdc,) = response.json()["CDCResponse"]
    assert "time" in response.json()
    bills, vendors, pos = cdc["QueryResponse"]
    assert bills == {} and pos == {}
    assert [v["Id"] for v in vendors["Vendor"]] == ["101"]
    assert vendors["Vendor"][0]["VendorPaymentBankDetail"] == new_bank

    window = datetime.combine(AS_OF - timedelta(days=3), datetime.min.time(), UTC)
    recent = sorted(
        (
            b["Id"]
            for b in ap_state.bills.values()
            if datetime.fromisoformat(b["MetaData"]["LastUpdatedTime"]) >= window
        ),
        key=int,
    )
    since_seed = (await ap.get(url, params={"entities": "Bill", "changedSince": window.isoformat()})).json()
    assert [b["Id"] for b in since_seed["CDCResponse"][0]["QueryResponse"][0]["Bill"]] == recent
    assert 0 < len(recent) < len(ap_state.bills)

    missing = await ap.get(url, params={"entities": "Bill"})
    assert (missing.status_code, missing.json()["Fault"]["Error"][0]["code"]) == (400, "2020")


def _receiver(received: list[tuple[bytes, str | None]]) -> Starlette:
    """A webhook endpoint that checks intuit-signature itself, with nothing but the stdlib."""

    async def hook(request: Request) -> Response:
        body = await request.body()
        signature = request.headers.get("intuit-signature")
        received.append((body, signature))
        expected = base64.b64encode(hmac.new(VERIFIER.encode(), body, hashlib.sha256).digest()).decode()
        if signature is None or not hmac.compare_digest(signature, expected):
            return JSONResponse({"error": "bad signature"}, status_code=401)
        return Response(status_code=200)

    return Starlette(routes=[Route("/webhooks/intuit", hook, methods=["POST"])])


def test_intuit_signature_matches_a_known_vector() -> None:
    body = (
        b'{"eventNotifications":[{"realmId":"310687","dataChangeEvent":{"entities":[{"id":"1234",'
        b'"operation":"Create","name":"Account","lastUpdated":"2025-09-08T20:52:31.657Z"}]}}]}'
    )
    # Computed with `openssl dgst -sha256 -hmac qbo-webhook-verifier-token -binary | base64`.
    assert sign_intuit(VERIFIER, body) == "dfsPdImAVJSxtlZIaAQTXdJdTfyuKmiuyvGz6L5QSIw="


async def test_webhooks_fire_signed_in_both_shapes_twice_and_forged(ap: httpx.AsyncClient, ap_state: QboState) -> None:
    received: list[tuple[bytes, str | None]] = []
    ap_state.webhook_transport = httpx.ASGITransport(app=_receiver(received))
    target = "http://pipeline.test/webhooks/intuit"
    bill_time = datetime.fromisoformat(ap_state.bills["2003"]["MetaData"]["LastUpdatedTime"])

    legacy = await ap.post(
        "/_sandbox/webhooks/fire",
        json={"target_url": target, "format": "legacy", "entities": [{"name": "Bill", "id": "2003"}]},
    )
    assert legacy.json()["deliveries"] == [{"status_code": 200, "body": ""}]
    body = json.loads(received[-1][0])
    (notification,) = body["eventNotifications"]
    assert notification["realmId"] == REALM
    (entity,) = notification["dataChangeEvent"]["entities"]
    assert (entity["name"], entity["id"], entity["operation"]) == ("Bill", "2003", "Create")
    assert datetime.fromisoformat(entity["lastUpdated"]) == bill_time

    cloud = await ap.post(
        "/_sandbox/webhooks/fire",
        json={
            "target_url": target,
            "format": "cloudevents",
            "deliveries": 2,
            "entities": [{"name": "Bill", "id": "2003"}, {"name": "Vendor", "id": "106", "operation": "Update"}],
        },
    )
    assert [d["status_code"] for d in cloud.json()["deliveries"]] == [200, 200]
    assert received[-1] == received[-2]
    events = json.loads(received[-1][0])
    assert [e["type"] for e in events] == ["qbo.bill.created.v1", "qbo.vendor.updated.v1"]
    assert [e["id"] for e in events] == cloud.json()["event_ids"]
    assert len(set(cloud.json()["event_ids"])) == 2
    assert {e["specversion"] for e in events} == {"1.0"}
    assert {e["intuitaccountid"] for e in events} == {REALM}
    assert [e["intuitentityid"] for e in events] == ["2003", "106"]
    assert all(e["source"].startswith("intuit.") and e["datacontenttype"] == "application/json" for e in events)
    assert datetime.fromisoformat(events[0]["time"]) == bill_time

    forged = await ap.post(
        "/_sandbox/webhooks/fire",
        json={"target_url": target, "verifier_token": "not-the-app-token", "entities": [{"name": "Bill", "id": "1"}]},
    )
    assert forged.json()["deliveries"][0]["status_code"] == 401
    unsigned = await ap.post(
        "/_sandbox/webhooks/fire",
        json={"target_url": target, "unsigned": True, "entities": [{"name": "Bill", "id": "2003"}]},
    )
    assert unsigned.json()["deliveries"][0]["status_code"] == 401
    assert received[-1][1] is None
    refused = await ap.post("/_sandbox/webhooks/fire", json={"target_url": target, "entities": []})
    assert refused.status_code == 422


async def test_receiving_log_serves_receipts_per_purchase_order(ap: httpx.AsyncClient, ap_state: QboState) -> None:
    assert (
        await ap.get("/receipts", params={"po_ids": "1005"}, headers={"Authorization": "Bearer x"})
    ).status_code == (401)
    listed = await ap.get("/receipts", params={"po_ids": "1005,1001"}, headers=RECEIVING_AUTH)
    expected = [r for r in ap_state.receiving.receipts if r["PurchaseOrderId"] in ("1005", "1001")]
    assert listed.json() == expected and len(expected) > 2
    assert set(expected[0]) == {"ReceiptId", "PurchaseOrderId", "PurchaseOrderLineId", "Quantity", "ReceivedOn"}
    assert date.fromisoformat(expected[0]["ReceivedOn"]) < AS_OF

    added = await ap.post(
        "/_sandbox/receipts",
        json={"PurchaseOrderId": "1005", "PurchaseOrderLineId": "2", "Quantity": 10, "ReceivedOn": "2026-11-20"},
    )
    assert added.status_code == 201
    after = (await ap.get("/receipts", params={"po_ids": "1005"}, headers=RECEIVING_AUTH)).json()
    assert sum(r["Quantity"] for r in after if r["PurchaseOrderLineId"] == "2") == 50


async def test_ap_reseed_restores_the_seeded_company(ap: httpx.AsyncClient, ap_state: QboState) -> None:
    seeded = json.dumps(ap_state.bills, sort_keys=True)
    bill = ap_state.bills["2001"]
    await _post(
        ap, "bill", {"sparse": True, "Id": "2001", "SyncToken": "0", "VendorRef": bill["VendorRef"], "DocNumber": "X"}
    )
    assert ap_state.bills["2001"]["DocNumber"] == "X"
    summary = (await ap.post("/_sandbox/ap/seed", json={"as_of": AS_OF.isoformat()})).json()
    assert json.dumps(ap_state.bills, sort_keys=True) == seeded
    assert set(summary["bill_outcomes"]) == set(BILL_OUTCOMES)
    assert (await ap.get("/_sandbox/ap/summary")).json() == summary
