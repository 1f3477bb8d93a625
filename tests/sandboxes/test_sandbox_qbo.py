from __future__ import annotations

import asyncio
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx
import pytest

from infra.sandboxes import QboState, SeedParams, seed_company

from .conftest import AS_OF, REALM, bearer, refresh

OVERDUE = f"select * from Invoice where Balance > '0' and DueDate < '{AS_OF.isoformat()}'"


def _number(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _expected_overdue_ids(state: QboState) -> set[str]:
    ids = set()
    for invoice in state.invoices.values():
        balance = _number(invoice.get("Balance"))
        try:
            due = date.fromisoformat(invoice.get("DueDate", ""))
        except ValueError:
            continue
        if balance is not None and balance > 0 and due < AS_OF:
            ids.add(invoice["Id"])
    return ids


@pytest.mark.asyncio
async def test_refresh_rotates_tokens_and_keeps_old_ones_valid(qbo: httpx.AsyncClient) -> None:
    first = await refresh(qbo)
    assert first.status_code == 200
    body = first.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert body["x_refresh_token_expires_in"] == 8726400
    assert body["refresh_token"] != "sandbox-refresh-token"

    second = await refresh(qbo, body["refresh_token"])
    assert second.status_code == 200
    assert second.json()["refresh_token"] not in (body["refresh_token"], "sandbox-refresh-token")
    assert (await refresh(qbo, "sandbox-refresh-token")).status_code == 200

    bad_grant = await refresh(qbo, "never-issued")
    assert (bad_grant.status_code, bad_grant.json()) == (400, {"error": "invalid_grant"})
    bad_client = await qbo.post(
        "/oauth2/v1/tokens/bearer",
        auth=("sandbox-client-id", "wrong"),
        data={"grant_type": "refresh_token", "refresh_token": "sandbox-refresh-token"},
    )
    assert (bad_client.status_code, bad_client.json()) == (401, {"error": "invalid_client"})


@pytest.mark.asyncio
async def test_api_needs_an_unexpired_bearer_token(qbo: httpx.AsyncClient, qbo_state: QboState) -> None:
    url = f"/v3/company/{REALM}/invoice/1"
    missing = await qbo.get(url)
    assert missing.status_code == 401
    assert missing.json()["Fault"]["type"] == "AUTHENTICATION"
    assert missing.json()["Fault"]["Error"][0]["code"] == "3200"

    qbo_state.tokens.access_token_ttl = 0
    expired = await qbo.get(url, headers=await bearer(qbo))
    assert expired.status_code == 401

    qbo_state.tokens.access_token_ttl = 3600
    fresh = await qbo.get(url, params={"minorversion": "75"}, headers=await bearer(qbo))
    assert fresh.status_code == 200
    assert fresh.json()["Invoice"]["Id"] == "1"


@pytest.mark.asyncio
async def test_paging_returns_every_overdue_invoice_exactly_once(qbo: httpx.AsyncClient, qbo_state: QboState) -> None:
    headers = await bearer(qbo)
    seen: list[str] = []
    start, page_size = 1, 7
    while True:
        query = f"{OVERDUE} STARTPOSITION {start} MAXRESULTS {page_size}"
        response = await qbo.get(
            f"/v3/company/{REALM}/query", params={"query": query, "minorversion": "75"}, headers=headers
        )
        assert response.status_code == 200
        page = response.json()["QueryResponse"]
        invoices = page.get("Invoice", [])
        if invoices:
            assert page["startPosition"] == start
            assert page["maxResults"] == len(invoices)
        seen += [invoice["Id"] for invoice in invoices]
        if len(invoices) < page_size:
            break
        start += page_size

    assert len(seen) == len(set(seen))
    assert set(seen) == _expected_overdue_ids(qbo_state)
    count = await qbo.get(
        f"/v3/company/{REALM}/query",
        params={"query": OVERDUE.replace("select *", "select count(*)")},
        headers=headers,
    )
    assert count.json()["QueryResponse"] == {"totalCount": len(seen)}
    malformed = set(qbo_state.summary["invoice_ids"]["malformed"])
    assert len(malformed & set(seen)) >= 3


@pytest.mark.asyncio
async def test_query_errors_and_empty_results(qbo: httpx.AsyncClient) -> None:
    headers = await bearer(qbo)
    bad = await qbo.get(f"/v3/company/{REALM}/query", params={"query": "select from where"}, headers=headers)
    assert bad.status_code == 400
    assert bad.json()["Fault"]["Error"][0]["code"] == "4000"
    assert bad.json()["Fault"]["type"] == "ValidationFault"

    empty = await qbo.get(
        f"/v3/company/{REALM}/query",
        params={"query": "select * from Customer where DisplayName = 'Nobody'"},
        headers=headers,
    )
    assert empty.json()["QueryResponse"] == {}

    in_list = await qbo.get(
        f"/v3/company/{REALM}/query",
        params={"query": "SELECT * FROM Invoice WHERE Id IN ('1', '2') ORDERBY Id DESC"},
        headers=headers,
    )
    assert [i["Id"] for i in in_list.json()["QueryResponse"]["Invoice"]] == ["2", "1"]

    missing = await qbo.get(f"/v3/company/{REALM}/invoice/999999", headers=headers)
    assert (missing.status_code, missing.json()["Fault"]["Error"][0]["code"]) == (400, "610")
    other_realm = await qbo.get("/v3/company/123/invoice/1", headers=headers)
    assert other_realm.status_code == 403


@pytest.mark.asyncio
async def test_throttle_fault_sends_retry_after_then_recovers(qbo: httpx.AsyncClient) -> None:
    headers = await bearer(qbo)
    await qbo.post("/_sandbox/faults", json={"mode": "429", "count": 2, "retry_after": 3})
    url, params = f"/v3/company/{REALM}/query", {"query": "select count(*) from Invoice"}

    for _ in range(2):
        throttled = await qbo.get(url, params=params, headers=headers)
        assert throttled.status_code == 429
        assert throttled.headers["Retry-After"] == "3"
        assert throttled.json()["Fault"]["Error"][0]["code"] == "3001"
    assert (await qbo.get(url, params=params, headers=headers)).status_code == 200

    counters = (await qbo.get("/_sandbox/requests")).json()
    assert counters["by_kind_status"]["query:429"] == 2
    assert counters["by_kind_status"]["query:200"] == 1
    assert counters["by_kind"]["token"] == 1


def test_seed_contains_every_collection_case(qbo_state: QboState) -> None:
    counts = qbo_state.summary["counts"]
    assert counts["disputed"] >= 5
    assert counts["promised"] >= 5
    assert counts["broken_promise"] >= 3
    assert counts["paid_since"] >= 5
    assert counts["malformed"] >= 4
    ids = qbo_state.summary["invoice_ids"]

    def custom(invoice_id: str, name: str) -> str:
        fields = qbo_state.invoices[invoice_id]["CustomField"]
        return str(next(f["StringValue"] for f in fields if f["Name"] == name))

    assert all(custom(i, "CollectionStatus") == "disputed" for i in ids["disputed"])
    assert all(date.fromisoformat(custom(i, "PromiseDate")) > AS_OF for i in ids["promised"])
    assert all(date.fromisoformat(custom(i, "PromiseDate")) < AS_OF for i in ids["broken_promise"])

    for invoice_id in ids["paid_since"]:
        invoice = qbo_state.invoices[invoice_id]
        updated = datetime.fromisoformat(invoice["MetaData"]["LastUpdatedTime"]).date()
        payments = [
            p
            for p in qbo_state.payments.values()
            if any(t["TxnId"] == invoice_id for line in p["Line"] for t in line["LinkedTxn"])
        ]
        assert invoice["Balance"] > 0
        assert any(date.fromisoformat(p["TxnDate"]) > updated and p["TotalAmt"] >= invoice["Balance"] for p in payments)

    lateness: dict[str, list[int]] = {}
    for payment in qbo_state.payments.values():
        invoice = qbo_state.invoices[payment["Line"][0]["LinkedTxn"][0]["TxnId"]]
        if invoice["Balance"] == 0:
            days = (date.fromisoformat(payment["TxnDate"]) - date.fromisoformat(invoice["DueDate"])).days
            lateness.setdefault(payment["CustomerRef"]["value"], []).append(days)
    averages = [sum(d) / len(d) for d in lateness.values()]
    assert min(averages) <= 5
    assert max(averages) >= 30


def test_seed_is_deterministic_and_can_be_empty() -> None:
    first, second = QboState(), QboState()
    seed_company(first, SeedParams(as_of=AS_OF, seed=7))
    seed_company(second, SeedParams(as_of=AS_OF, seed=7))
    assert first.invoices == second.invoices
    assert first.payments == second.payments

    empty = QboState()
    assert seed_company(empty, SeedParams(as_of=AS_OF, invoices=0))["invoices"] == 0


@pytest.mark.asyncio
async def test_control_endpoints_reseed_and_insert(qbo: httpx.AsyncClient) -> None:
    summary = (await qbo.post("/_sandbox/seed", json={"as_of": "2026-01-31", "customers": 5, "invoices": 0})).json()
    assert (summary["customers"], summary["invoices"]) == (5, 0)
    created = await qbo.post("/_sandbox/invoices", json={"DocNumber": "X-1", "Balance": 10.0, "TotalAmt": 10.0})
    invoice_id = created.json()["Invoice"]["Id"]
    read = await qbo.get(f"/v3/company/{REALM}/invoice/{invoice_id}", headers=await bearer(qbo))
    assert read.json()["Invoice"]["DocNumber"] == "X-1"


@pytest.mark.asyncio
async def test_server_error_and_slow_response_faults(qbo: httpx.AsyncClient) -> None:
    headers = await bearer(qbo)
    url = f"/v3/company/{REALM}/invoice/1"
    await qbo.post("/_sandbox/faults", json={"mode": "500", "count": 1})
    assert (await qbo.get(url, headers=headers)).status_code == 500
    await qbo.post("/_sandbox/faults", json={"mode": "timeout", "count": 1, "delay": 0.5})
    with pytest.raises(TimeoutError):
        # ASGITransport ignores httpx timeouts, so a deadline stands in for the client's read timeout.
        async with asyncio.timeout(0.1):
            await qbo.get(url, headers=headers)
    assert (await qbo.get(url, headers=headers)).status_code == 200
