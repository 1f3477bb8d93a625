"""The queries invoice follow-up runs against QuickBooks. Pure: dates in, query text out."""

from __future__ import annotations

from datetime import date

from services.connectors.safe_ids import checked, safe_id


def overdue_invoices_query(as_of: date) -> str:
    return f"select * from Invoice where Balance > '0' and DueDate < '{as_of.isoformat()}'"  # noqa: S608 - QBO query, ids checked


def customer_payments_query(customer_id: str) -> str:
    return f"select * from Payment where CustomerRef = '{checked(customer_id)}'"  # noqa: S608 - QBO query, ids checked


def settled_invoices_query(customer_id: str) -> str:
    return f"select * from Invoice where CustomerRef = '{checked(customer_id)}' and Balance = '0'"  # noqa: S608 - QBO query, ids checked


def customer_ref(invoice: dict[str, object]) -> str | None:
    """The customer id of a raw invoice, if it has a usable one (validation names what is wrong)."""
    ref = invoice.get("CustomerRef")
    value = ref.get("value") if isinstance(ref, dict) else None
    return safe_id(value)
