"""The queries invoice follow-up runs against QuickBooks. Pure: dates in, query text out."""

from __future__ import annotations

import re
from datetime import date

_SAFE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def overdue_invoices_query(as_of: date) -> str:
    return f"select * from Invoice where Balance > '0' and DueDate < '{as_of.isoformat()}'"  # noqa: S608 - QBO query, ids checked


def customer_payments_query(customer_id: str) -> str:
    return f"select * from Payment where CustomerRef = '{_checked(customer_id)}'"  # noqa: S608 - QBO query, ids checked


def settled_invoices_query(customer_id: str) -> str:
    return f"select * from Invoice where CustomerRef = '{_checked(customer_id)}' and Balance = '0'"  # noqa: S608 - QBO query, ids checked


def customer_ref(invoice: dict[str, object]) -> str | None:
    """The customer id of a raw invoice, if it has a usable one (validation names what is wrong)."""
    ref = invoice.get("CustomerRef")
    value = ref.get("value") if isinstance(ref, dict) else None
    return value if isinstance(value, str) and _SAFE_ID.fullmatch(value) else None


def _checked(entity_id: str) -> str:
    if not _SAFE_ID.fullmatch(entity_id):
        raise ValueError(f"unsafe id in a QBO query: {entity_id!r}")
    return entity_id
