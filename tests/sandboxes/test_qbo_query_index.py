"""The QuickBooks sandbox answers Id and VendorRef/CustomerRef queries from an index: the same answers as a scan of
the whole table (order, paging, counts), and still right after writes change the company."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import pytest_asyncio

from infra.sandboxes import QboState, SeedParams, build_qbo_app, seed_ap, seed_company
from infra.sandboxes.qbo_ap_seed import BulkParams, seed_ap_bulk
from infra.sandboxes.qbo_query import QueryResult, parse_query, query_table, run_query

from .conftest import AS_OF, REALM, bearer

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def _scanned(state: QboState, text: str) -> QueryResult:
    query = parse_query(text)
    return run_query(query, state.records_in_id_order(query.entity))


def _indexed(state: QboState, text: str) -> QueryResult:
    query = parse_query(text)
    return query_table(query, state.table(query.entity))


def _assert_same_answers(state: QboState, queries: list[str]) -> None:
    for text in queries:
        indexed, scanned = _indexed(state, text), _scanned(state, text)
        assert [r["Id"] for r in indexed.records] == [r["Id"] for r in scanned.records], text
        assert indexed.records == scanned.records, text
        assert indexed.total_count == scanned.total_count, text


def _queries(state: QboState) -> list[str]:
    vendors = sorted({b["VendorRef"]["value"] for b in state.bills.values() if isinstance(b.get("VendorRef"), dict)})
    bills = sorted(state.bills, key=lambda k: (not k.isdigit(), k))
    v1, v2 = vendors[0], vendors[-1]
    customer = next(iter(state.customers), "1")
    return [
        *(f"select * from Bill where VendorRef = '{v}'" for v in vendors[:5]),
        f"select count(*) from Bill where VendorRef = '{v1}'",
        f"select * from Bill where vendorref in ('{v1}', '{v2}', 'nobody') orderby TotalAmt desc "
        "startposition 3 maxresults 7",
        f"select * from Bill where VendorRef = '{v2}' orderby TxnDate startposition 2 maxresults 3",
        f"select * from Bill where Id in ('{bills[3]}', '{bills[0]}', 'B-1', 'nope')",
        f"select * from Bill where VendorRef = '{v1}' and Id in ('{bills[0]}', '{bills[1]}', '{bills[-1]}')",
        "select * from Bill where Id = 'B-1'",
        "select * from Bill where VendorRef = '7'",  # numerically equal to the stored '007'
        "select * from Bill where VendorRef = '007.0'",
        "select * from Bill where VendorRef = '2026-01-05'",
        f"select * from Bill where VendorRef != '{v1}' maxresults 1000",  # not indexed: scanned
        f"select * from Invoice where CustomerRef = '{customer}' and Balance = '0'",
        f"select * from Payment where CustomerRef = '{customer}'",
        "select * from PurchaseOrder where Id in ('1', '2', '3')",
    ]


def test_indexed_queries_answer_as_a_full_scan_does() -> None:
    state = QboState(now=lambda: NOW)
    seed_company(state, SeedParams(as_of=AS_OF, customers=10, invoices=60))
    seed_ap_bulk(state, BulkParams(AS_OF, bills=300, vendors=12))
    # Edge cases of the literal rules: a non-numeric Id, a zero-padded reference, a date-looking one, none at all.
    state.insert("Bill", {"Id": "B-1", "VendorRef": {"value": "007"}, "TotalAmt": 5})
    state.insert("Bill", {"VendorRef": "2026-01-05", "TotalAmt": 6})
    state.insert("Bill", {"TotalAmt": 7})
    queries = _queries(state)

    _assert_same_answers(state, queries)
    assert {"id", "vendorref"} <= set(state.bills.indexes) and "customerref" in state.invoices.indexes

    # A reseed clears and refills the tables under the indexes already built.
    seed_ap_bulk(state, BulkParams(AS_OF, bills=120, vendors=5, seed=3))
    state.bills.pop(sorted(state.bills)[0])
    del state.bills[sorted(state.bills)[0]]
    _assert_same_answers(state, [*queries, *_queries(state)])


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
    response = await client.get(f"/v3/company/{REALM}/query", params={"query": text})
    assert response.status_code == 200, response.text
    return dict(response.json()["QueryResponse"])


async def _ids(client: httpx.AsyncClient, text: str) -> list[str]:
    return [record["Id"] for record in (await _query(client, text)).get("Bill", [])]


async def _write(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(f"/v3/company/{REALM}/bill", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json()["Bill"])


async def test_a_bill_moved_to_another_vendor_is_found_under_the_new_one_only(
    ap: httpx.AsyncClient, ap_state: QboState
) -> None:
    old = sorted(await _ids(ap, "select * from Bill where VendorRef = '104'"), key=int)
    new = sorted(await _ids(ap, "select * from Bill where VendorRef = '101'"), key=int)
    assert len(old) == 4 and len(new) == 3  # the indexes are built now
    moved = ap_state.bills[old[1]]

    updated = await _write(
        ap, {"sparse": True, "Id": moved["Id"], "SyncToken": moved["SyncToken"], "VendorRef": {"value": "101"}}
    )

    assert await _ids(ap, "select * from Bill where VendorRef = '104'") == [i for i in old if i != moved["Id"]]
    assert await _ids(ap, "select * from Bill where VendorRef = '101'") == sorted([*new, moved["Id"]], key=int)
    assert await _query(ap, "select count(*) from Bill where VendorRef = '104'") == {"totalCount": 3}
    by_id = (await _query(ap, f"select * from Bill where Id in ('{moved['Id']}')"))["Bill"]
    assert by_id == [updated] and updated["SyncToken"] == "1" and updated["VendorRef"]["value"] == "101"
    _assert_same_answers(ap_state, _queries(ap_state))


async def test_a_created_bill_is_found_by_its_vendor_and_its_id(ap: httpx.AsyncClient, ap_state: QboState) -> None:
    before = await _ids(ap, "select * from Bill where VendorRef = '108'")
    assert len(before) == 1
    next_id = str(max(int(k) for k in ap_state.bills) + 1)
    assert await _ids(ap, f"select * from Bill where Id = '{next_id}'") == []

    line = {
        "DetailType": "AccountBasedExpenseLineDetail",
        "Amount": 125.0,
        "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "7"}},
    }
    created = await _write(ap, {"VendorRef": {"value": "108"}, "Line": [line]})

    assert created["Id"] == next_id
    assert await _ids(ap, "select * from Bill where VendorRef = '108'") == [*before, next_id]
    assert await _ids(ap, f"select * from Bill where Id = '{next_id}'") == [next_id]
    page = await _query(ap, "select * from Bill where VendorRef in ('108') startposition 2 maxresults 1")
    assert [b["Id"] for b in page["Bill"]] == [next_id] and page["startPosition"] == 2
    _assert_same_answers(ap_state, _queries(ap_state))
