"""Approving a bill read from a document creates it in QuickBooks, through the approval service's QuickBooks
adapter against the QuickBooks sandbox (OAuth, query, create under requestid, BillPayment): once, never beside the
same invoice entered another way, never with lines that do not add up to the approved total."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
import pytest_asyncio

from contracts.ap_matching import DOCUMENT_MARK
from infra.sandboxes import QboState, build_qbo_app, seed_ap
from services.approval.pipelines.ap_matching.adapters import QboBills
from shared.errors import PolicyRefused
from shared.qbo_oauth import QboOAuth

from .conftest import AS_OF, BASIC_AUTH, REALM

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


class MemoryTokens:
    def __init__(self) -> None:
        self.token: str | None = None

    async def load(self) -> str | None:
        return self.token

    async def save(self, token: str) -> None:
        self.token = token


def draft(doc_number: str = "HOP-7702", document_id: str = "0123456789abcdef", **overrides: Any) -> dict[str, Any]:
    """The draft connectors build for hop-7702.pdf against PO-1013 (infra/sandboxes/ap_documents_seed.py)."""
    body: dict[str, Any] = {
        "Id": f"doc-{document_id}", "SyncToken": "0", "DocNumber": doc_number, "TxnDate": "2026-11-18",
        "DueDate": "2026-12-18", "VendorRef": {"value": "105", "name": "Harbor Office Products"},
        "TotalAmt": 734.0, "CurrencyRef": {"value": "USD"},
        "LinkedTxn": [{"TxnId": "1013", "TxnType": "PurchaseOrder"}],
        "PrivateNote": f"Read from hop-7702.pdf [{DOCUMENT_MARK}{document_id}]",
        "Line": [
            {"Id": "1", "Amount": 420.0, "Description": "Copy paper (case)", "DetailType": "ItemBasedExpenseLineDetail",
             "ItemBasedExpenseLineDetail": {"ItemRef": {"value": "30"}, "Qty": 10.0, "UnitPrice": 42.0},
             "LinkedTxn": [{"TxnId": "1013", "TxnType": "PurchaseOrder", "TxnLineId": "1"}]},
            {"Id": "2", "Amount": 314.0, "Description": "Toner cartridge", "DetailType": "ItemBasedExpenseLineDetail",
             "ItemBasedExpenseLineDetail": {"ItemRef": {"value": "31"}, "Qty": 4.0, "UnitPrice": 78.5},
             "LinkedTxn": [{"TxnId": "1013", "TxnType": "PurchaseOrder", "TxnLineId": "2"}]},
        ],
    }  # fmt: skip
    return body | overrides


@pytest.fixture
def state() -> QboState:
    state = QboState(now=lambda: NOW)
    seed_ap(state, AS_OF)
    return state


@pytest_asyncio.fixture
async def bills(state: QboState) -> AsyncIterator[QboBills]:
    transport = httpx.ASGITransport(app=build_qbo_app(state))
    async with httpx.AsyncClient(transport=transport, base_url="http://qbo.sandbox") as client:
        oauth = QboOAuth(client, "/oauth2/v1/tokens/bearer", *BASIC_AUTH, "sandbox-refresh-token", MemoryTokens())
        yield QboBills(client, oauth, REALM, pay_from="35")


def _created(state: QboState, doc_number: str = "HOP-7702") -> list[dict[str, Any]]:
    return [b for b in state.bills.values() if b.get("DocNumber") == doc_number]


async def test_an_approved_document_bill_is_created_once_with_the_approval_on_it(
    bills: QboBills, state: QboState
) -> None:
    note = "Approved by bookkeeper@demo-co.example in Seamline [seamline:k1]"
    first = await bills.create_from_document(draft(), Decimal("734.00"), note)
    again = await bills.create_from_document(draft(), Decimal("734.00"), note)
    [created] = _created(state)
    assert first.startswith(f"bill {created['Id']} created") and "already created" in again
    assert Decimal(str(created["TotalAmt"])) == Decimal("734.00"), "QuickBooks computed the approved total"
    assert note in created["PrivateNote"] and f"{DOCUMENT_MARK}0123456789abcdef" in created["PrivateNote"]
    assert [line["LinkedTxn"][0]["TxnLineId"] for line in created["Line"]] == ["1", "2"]
    assert not created["Id"].startswith("doc-"), "QuickBooks gave it its own id"


async def test_paying_a_document_bill_pays_the_bill_it_became_once(bills: QboBills, state: QboState) -> None:
    await bills.create_from_document(draft(), Decimal("734.00"), "approved [seamline:k1]")
    paid = await bills.pay_created(draft(), Decimal("734.00"), "Paid on approval [seamline:k2]")
    again = await bills.pay_created(draft(), Decimal("734.00"), "Paid on approval [seamline:k2]")
    [created] = _created(state)
    assert "paid: BillPayment" in paid and "already paid" in again
    assert Decimal(str(created["Balance"])) == 0
    payments = [p for p in state.bill_payments.values() if p["Line"][0]["LinkedTxn"][0]["TxnId"] == created["Id"]]
    assert len(payments) == 1


async def test_an_invoice_already_entered_in_quickbooks_is_not_created_twice(bills: QboBills, state: QboState) -> None:
    northwind = draft(doc_number="nw 58211", VendorRef={"value": "101"}, document_id="fedcba9876543210")
    with pytest.raises(PolicyRefused, match="already in QuickBooks as bill 2001"):
        await bills.create_from_document(northwind, Decimal("734.00"), "approved")
    assert _created(state, "nw 58211") == []


async def test_lines_that_do_not_add_up_to_the_approved_total_are_not_written(bills: QboBills, state: QboState) -> None:
    with pytest.raises(PolicyRefused, match=r"add up to 734\.00, not its total 7\.34"):
        await bills.create_from_document(draft(), Decimal("7.34"), "approved")
    assert _created(state) == []


async def test_nothing_is_paid_for_a_document_that_was_never_created(bills: QboBills) -> None:
    with pytest.raises(PolicyRefused, match="no bill was created"):
        await bills.pay_created(draft(), Decimal("734.00"), "paid")
