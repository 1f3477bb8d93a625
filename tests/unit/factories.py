"""Valid records and contracts for unit tests; each test overrides only the fields it is about."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from contracts.approval import ActionExecuted
from contracts.invoice_followup import (
    DunningStage,
    FollowUpDrafted,
    FollowUpDue,
    InvoiceValidated,
    PaymentRecord,
    RawInvoiceFetched,
)

AS_OF = date(2026, 11, 21)
NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
REALM = "9341453000000000"
DEMO_POLICY = Path(__file__).resolve().parents[2] / "infra" / "tenants" / "demo-co" / "policy.yaml"


# QuickBooks JSON, in the shapes infra/sandboxes/qbo_seed.py serves.


def qbo_customer(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "Id": "12",
        "SyncToken": "0",
        "DisplayName": "Harbor Marine",
        "CompanyName": "Harbor Marine",
        "PrimaryEmailAddr": {"Address": "ap@harbor-marine.example"},
        "Balance": 1250.0,
        "Active": True,
        "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
    }
    record.update(overrides)
    return record


def qbo_invoice(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "Id": "131",
        "SyncToken": "0",
        "DocNumber": "1131",
        "TxnDate": "2026-09-20",
        "DueDate": "2026-10-20",
        "TotalAmt": 1250.0,
        "Balance": 1250.0,
        "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
        "CustomerRef": {"value": "12", "name": "Harbor Marine"},
        "BillEmail": {"Address": "billing@harbor-marine.example"},
        "SalesTermRef": {"value": "3", "name": "Net 30"},
        "Line": [{"Amount": 1250.0, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}}],
        "LinkedTxn": [],
        "MetaData": {
            "CreateTime": "2026-09-20T10:15:00-08:00",
            "LastUpdatedTime": "2026-09-21T10:15:00-08:00",
        },
    }
    record.update(overrides)
    return record


def qbo_payment(payment_id: str, invoice_id: str, amount: float, paid_on: str) -> dict[str, Any]:
    return {
        "Id": payment_id,
        "SyncToken": "0",
        "TxnDate": paid_on,
        "TotalAmt": amount,
        "UnappliedAmt": 0.0,
        "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
        "CustomerRef": {"value": "12", "name": "Harbor Marine"},
        "Line": [{"Amount": amount, "LinkedTxn": [{"TxnId": invoice_id, "TxnType": "Invoice"}]}],
    }


def collection_fields(status: str, promise: str | None = None) -> list[dict[str, Any]]:
    fields: list[dict[str, Any]] = [
        {"DefinitionId": "1", "Name": "CollectionStatus", "Type": "StringType", "StringValue": status}
    ]
    if promise is not None:
        fields.append({"DefinitionId": "2", "Name": "PromiseDate", "Type": "StringType", "StringValue": promise})
    return fields


def raw_fetched(
    invoice: dict[str, Any] | None = None,
    customer: dict[str, Any] | None = None,
    payments: list[dict[str, Any]] | None = None,
    settled: list[dict[str, Any]] | None = None,
    *,
    no_customer: bool = False,
) -> RawInvoiceFetched:
    invoice = invoice if invoice is not None else qbo_invoice()
    return RawInvoiceFetched(
        realm_id=REALM,
        as_of=AS_OF,
        invoice_id=str(invoice.get("Id", "?")),
        invoice=invoice,
        customer=None if no_customer else (customer if customer is not None else qbo_customer()),
        payments=payments or [],
        settled_invoices=settled or [],
    )


# Contracts.


def invoice_validated(**overrides: Any) -> InvoiceValidated:
    fields: dict[str, Any] = {
        "realm_id": REALM,
        "as_of": AS_OF,
        "invoice_id": "131",
        "invoice_number": "1131",
        "customer_id": "12",
        "customer_name": "Harbor Marine",
        "customer_email": "billing@harbor-marine.example",
        "currency": "USD",
        "total_amount": Decimal("1250.00"),
        "balance": Decimal("1250.00"),
        "issued_on": date(2026, 9, 20),
        "due_date": date(2026, 10, 20),
    }
    fields.update(overrides)
    return InvoiceValidated(**fields)


def payment(amount: str, paid_on: date = date(2026, 11, 1), payment_id: str = "5001") -> PaymentRecord:
    return PaymentRecord(payment_id=payment_id, paid_on=paid_on, amount=Decimal(amount), invoice_ids=("131",))


def follow_up_due(**overrides: Any) -> FollowUpDue:
    fields: dict[str, Any] = {
        "invoice_id": "131",
        "invoice_number": "1131",
        "customer_id": "12",
        "customer_name": "Harbor Marine",
        "customer_email": "billing@harbor-marine.example",
        "currency": "USD",
        "amount_due": Decimal("1250.00"),
        "due_date": date(2026, 10, 20),
        "as_of": AS_OF,
        "days_overdue": 32,
        "stage": DunningStage.FINAL,
        "average_days_to_pay": Decimal("12.5"),
        "late_invoices_paid": 3,
    }
    fields.update(overrides)
    return FollowUpDue(**fields)


def follow_up_drafted(facts: FollowUpDue | None = None, **overrides: Any) -> FollowUpDrafted:
    facts = facts or follow_up_due()
    fields: dict[str, Any] = {
        "facts": facts,
        "subject": f"Final reminder: invoice {facts.invoice_number}",
        "body": (
            f"Dear {facts.customer_name},\n\nInvoice {facts.invoice_number} for {facts.currency} "
            f"{facts.amount_due} has been outstanding since {facts.due_date.isoformat()}.\n\n"
            "Thank you,\nDana Whitfield"
        ),
        "prompt_id": "followup_email",
        "prompt_version": "1",
        "model": "offline-drafter",
        "input_tokens": 0,
        "output_tokens": 0,
    }
    fields.update(overrides)
    return FollowUpDrafted(**fields)


def action_executed(**overrides: Any) -> ActionExecuted:
    fields: dict[str, Any] = {
        "request_id": "req-1",
        "action": "send_followup_email",
        "entity_id": "131",
        "status": "executed",
        "idempotency_key": "key-1",
        "detail": "<message-id@sandbox>",
        "executed_at": NOW,
    }
    fields.update(overrides)
    return ActionExecuted.model_validate(fields)
