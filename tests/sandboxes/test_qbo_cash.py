"""The QuickBooks sandbox's bank accounts and cash scenario: the Account query answers bank accounts with their
CurrentBalance (not the A/R account), an account reads by id, and the timing-gap scenario leaves one open
receivable from a customer whose payments show the dates they were made."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from infra.sandboxes.qbo_cash_seed import INVOICE_ID, INVOICE_NUMBER

from .conftest import AS_OF, REALM, bearer


async def _query(qbo: httpx.AsyncClient, text: str) -> dict[str, Any]:
    answer = await qbo.get(f"/v3/company/{REALM}/query", params={"query": text}, headers=await bearer(qbo))
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()["QueryResponse"]
    return found


async def test_bank_accounts_are_served_with_their_current_balance(qbo: httpx.AsyncClient) -> None:
    seeded = await qbo.post("/_sandbox/cash/seed", json={"as_of": AS_OF.isoformat(), "checking": "21000.50"})
    assert seeded.status_code == 200 and seeded.json()["bank_balance"] == "29000.50"
    found = await _query(qbo, "select * from Account where AccountType = 'Bank'")
    accounts = {a["Id"]: a for a in found["Account"]}
    assert set(accounts) == {"35", "36", "37"}, "the A/R account is not a bank account"
    assert (accounts["35"]["Name"], accounts["35"]["CurrentBalance"]) == ("Checking", 21000.5)
    assert accounts["37"]["Active"] is False
    read = await qbo.get(f"/v3/company/{REALM}/account/36", headers=await bearer(qbo))
    assert read.json()["Account"]["CurrentBalance"] == 8000.0
    inserted = await qbo.post(
        "/_sandbox/accounts", json={"Name": "Payroll", "AccountType": "Bank", "CurrentBalance": 1500.0}
    )
    assert inserted.status_code == 201
    assert len((await _query(qbo, "select * from Account where AccountType = 'Bank'"))["Account"]) == 4


async def test_the_timing_gap_scenario_leaves_one_open_receivable_and_its_customers_history(
    qbo: httpx.AsyncClient,
) -> None:
    await qbo.post("/_sandbox/cash/seed", json={"as_of": AS_OF.isoformat(), "receivable_in_days": 20})
    [open_invoice] = (await _query(qbo, "select * from Invoice where Balance > '0'"))["Invoice"]
    assert (open_invoice["Id"], open_invoice["DocNumber"]) == (INVOICE_ID, INVOICE_NUMBER)
    assert open_invoice["DueDate"] == (AS_OF + timedelta(days=20)).isoformat()
    since = (AS_OF - timedelta(days=365)).isoformat()
    paid = (await _query(qbo, f"select * from Invoice where Balance = '0' and DueDate >= '{since}'"))["Invoice"]
    payments = (await _query(qbo, f"select * from Payment where TxnDate >= '{since}'"))["Payment"]
    assert len(paid) == 3 and len(payments) == 3
    paid_on = {line["LinkedTxn"][0]["TxnId"]: p["TxnDate"] for p in payments for line in p["Line"]}
    assert all(paid_on[i["Id"]] == i["DueDate"] for i in paid), "each paid on its due date"
    assert await _query(qbo, "select * from Bill where Balance > '0'") == {}, "no payables left"
