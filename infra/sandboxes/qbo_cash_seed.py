"""Bank accounts, and a company whose cash runs short, for cash planning: POST /_sandbox/cash/seed.

Accounts as the Account query answers them: two active bank accounts with their CurrentBalance, a closed (inactive)
one, and the Accounts Receivable account (not a bank account: a query for AccountType 'Bank' leaves it out).
Scenario `timing_gap` replaces the company's receivables and payables with one large open invoice of
`receivable` due `receivable_in_days` from `as_of`, from a customer who always paid on its due date (its history:
three paid invoices), so the invoice is expected on its due date and is not at risk. Scenario `accounts` only
replaces the accounts and adds that customer and invoice beside the data already there.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from infra.sandboxes.qbo_state import QboState

USD: Final = {"value": "USD", "name": "United States Dollar"}
CUSTOMER_ID: Final = "C-CASH-1"
CUSTOMER_NAME: Final = "Northwind Traders"
INVOICE_ID: Final = "9001"
INVOICE_NUMBER: Final = "CASH-9001"


class CashSeedRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    as_of: date = Field(default_factory=date.today)
    scenario: Literal["timing_gap", "accounts"] = "timing_gap"
    checking: Decimal = Decimal("22000.00")
    savings: Decimal = Decimal("8000.00")
    receivable: Decimal = Decimal("60000.00")
    receivable_in_days: int = Field(20, ge=0, le=365)


def _stamp(day: date) -> str:
    return f"{day.isoformat()}T09:00:00-08:00"


def account(
    account_id: str, name: str, kind: tuple[str, str], balance: Decimal, as_of: date, *, active: bool = True
) -> dict[str, Any]:
    """`kind`: the AccountType and AccountSubType."""
    return {
        "Id": account_id,
        "SyncToken": "0",
        "Name": name,
        "FullyQualifiedName": name,
        "SubAccount": False,
        "Active": active,
        "Classification": "Asset",
        "AccountType": kind[0],
        "AccountSubType": kind[1],
        "CurrentBalance": float(balance),
        "CurrentBalanceWithSubAccounts": float(balance),
        "CurrencyRef": dict(USD),
        "domain": "QBO",
        "sparse": False,
        "MetaData": {"CreateTime": _stamp(as_of - timedelta(days=400)), "LastUpdatedTime": _stamp(as_of)},
    }


def _invoice(invoice_id: str, number: str, due: date, total: Decimal, balance: Decimal) -> dict[str, Any]:
    return {
        "Id": invoice_id,
        "SyncToken": "0",
        "DocNumber": number,
        "TxnDate": (due - timedelta(days=30)).isoformat(),
        "DueDate": due.isoformat(),
        "TotalAmt": float(total),
        "Balance": float(balance),
        "CurrencyRef": dict(USD),
        "CustomerRef": {"value": CUSTOMER_ID, "name": CUSTOMER_NAME},
        "Line": [{"Id": "1", "LineNum": 1, "Amount": float(total), "DetailType": "SalesItemLineDetail"}],
        "LinkedTxn": [],
        "MetaData": {"CreateTime": _stamp(due - timedelta(days=30)), "LastUpdatedTime": _stamp(due - timedelta(30))},
    }


def seed_cash(state: QboState, request: CashSeedRequest) -> dict[str, Any]:
    as_of = request.as_of
    state.accounts.clear()
    for record in (
        account("35", "Checking", ("Bank", "Checking"), request.checking, as_of),
        account("36", "Savings", ("Bank", "Savings"), request.savings, as_of),
        account("37", "Old Checking", ("Bank", "Checking"), Decimal("0.00"), as_of, active=False),
        account("84", "Accounts Receivable (A/R)", ("Accounts Receivable", "AccountsReceivable"), Decimal(0), as_of),
    ):
        state.accounts[record["Id"]] = record
    if request.scenario == "timing_gap":
        for table in (state.invoices, state.customers, state.payments, state.bills, state.bill_payments):
            table.clear()
    state.customers[CUSTOMER_ID] = {
        "Id": CUSTOMER_ID, "SyncToken": "0", "DisplayName": CUSTOMER_NAME, "CompanyName": CUSTOMER_NAME,
        "PrimaryEmailAddr": {"Address": "ap@northwind.example"}, "Active": True, "Balance": float(request.receivable),
        "CurrencyRef": dict(USD),
    }  # fmt: skip
    for n in range(3):  # paid on the day they were due: the open invoice is expected on its due date
        due = as_of - timedelta(days=90 - 30 * n)
        paid = _invoice(str(9100 + n), f"CASH-{9100 + n}", due, Decimal("12000.00"), Decimal("0.00"))
        payment_id = str(9200 + n)
        paid["LinkedTxn"] = [{"TxnId": payment_id, "TxnType": "Payment"}]
        state.invoices[paid["Id"]] = paid
        state.payments[payment_id] = {
            "Id": payment_id, "SyncToken": "0", "TxnDate": due.isoformat(), "TotalAmt": 12000.0, "UnappliedAmt": 0.0,
            "CurrencyRef": dict(USD), "CustomerRef": {"value": CUSTOMER_ID, "name": CUSTOMER_NAME},
            "Line": [{"Amount": 12000.0, "LinkedTxn": [{"TxnId": paid["Id"], "TxnType": "Invoice"}]}],
            "MetaData": {"CreateTime": _stamp(due), "LastUpdatedTime": _stamp(due - timedelta(days=30))},
        }  # fmt: skip
    due = as_of + timedelta(days=request.receivable_in_days)
    state.invoices[INVOICE_ID] = _invoice(INVOICE_ID, INVOICE_NUMBER, due, request.receivable, request.receivable)
    return {
        "as_of": as_of.isoformat(),
        "scenario": request.scenario,
        "bank_balance": str(request.checking + request.savings),
        "receivable": {"invoice_id": INVOICE_ID, "doc_number": INVOICE_NUMBER, "due_date": due.isoformat(),
                       "amount": str(request.receivable)},
    }  # fmt: skip
