"""A third-party client (python-quickbooks with Intuit's intuit-oauth) reads and writes the running QBO sandbox.

intuit-oauth reads its endpoints from a discovery document and takes any `environment` other than
sandbox/production as that document's URL; python-quickbooks then uses its `api_url_v3` attribute, and
requests-oauthlib allows plain http on loopback with its documented OAUTHLIB_INSECURE_TRANSPORT switch.
Skipped where python-quickbooks is not installed (it is not a project dependency).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from infra.sandboxes import SandboxConfig, running_sandboxes

from .conftest import AS_OF, REALM

pytest.importorskip("quickbooks")


def _client(base_url: str) -> Any:
    from intuitlib.client import AuthClient
    from quickbooks import QuickBooks

    auth = AuthClient(
        "sandbox-client-id",
        "sandbox-client-secret",
        "http://127.0.0.1/callback",
        f"{base_url}/.well-known/openid_sandbox_configuration",
        refresh_token="sandbox-refresh-token",
    )
    client = QuickBooks(auth_client=auth, refresh_token="sandbox-refresh-token", company_id=REALM, minorversion=75)
    client.api_url_v3 = f"{base_url}/v3"
    return client


def _read_and_approve(base_url: str) -> dict[str, Any]:
    from quickbooks.exceptions import QuickbooksException
    from quickbooks.objects.bill import Bill
    from quickbooks.objects.vendor import Vendor

    client = _client(base_url)
    bill = Bill.get(2001, qb=client)
    vendor = Vendor.get(bill.VendorRef.value, qb=client)
    vendor_bills = Bill.filter(VendorRef=bill.VendorRef.value, qb=client)

    bill.sparse = True
    bill.PrivateNote = "Approved by Seamline"
    saved = bill.save(qb=client)

    stale = Bill.get(2001, qb=client)
    stale.SyncToken = bill.SyncToken
    stale.sparse, stale.PrivateNote = True, "written over a newer version"
    try:
        stale.save(qb=client)
        stale_code = None
    except QuickbooksException as exc:
        stale_code = exc.error_code
    return {"bill": bill, "vendor": vendor, "vendor_bills": vendor_bills, "saved": saved, "stale_code": stale_code}


async def test_python_quickbooks_reads_a_bill_and_vendor_and_writes_a_sparse_update(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    config = SandboxConfig(only=frozenset({"qbo"}), qbo_port=0, as_of=AS_OF, invoices=20, customers=5)
    async with running_sandboxes(config) as running:
        state = running.states.qbo
        seeded = dict(state.bills["2001"])
        result = await asyncio.to_thread(_read_and_approve, running.urls["qbo"])

        bill, vendor, saved = result["bill"], result["vendor"], result["saved"]
        assert (bill.DocNumber, bill.TotalAmt) == (seeded["DocNumber"], seeded["TotalAmt"])
        assert [line.Amount for line in bill.Line] == [line["Amount"] for line in seeded["Line"]]
        assert vendor.DisplayName == state.vendors[seeded["VendorRef"]["value"]]["DisplayName"]
        assert vendor.VendorPaymentBankDetail == state.vendors[vendor.Id]["VendorPaymentBankDetail"]
        assert sorted(b.Id for b in result["vendor_bills"]) == sorted(
            b["Id"] for b in state.bills.values() if b["VendorRef"] == seeded["VendorRef"]
        )

        assert saved.PrivateNote == "Approved by Seamline"
        assert int(saved.SyncToken) == int(seeded["SyncToken"]) + 1
        stored = state.bills["2001"]
        assert (stored["PrivateNote"], stored["TotalAmt"], stored["Balance"]) == (
            "Approved by Seamline",
            seeded["TotalAmt"],
            seeded["Balance"],
        )
        assert [line["LinkedTxn"] for line in stored["Line"]] == [line["LinkedTxn"] for line in seeded["Line"]]
        assert result["stale_code"] == 5010
