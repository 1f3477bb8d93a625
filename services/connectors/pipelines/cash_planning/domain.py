"""The queries a cash check runs against QuickBooks, and the tenant's cash planning file. Pure but for the file read."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any, Final

import yaml

from shared.errors import PolicyRefused

TENANT_FILE: Final = "cash_planning.yaml"
WATCHED: Final = frozenset({"Invoice", "Payment", "Bill", "BillPayment"})
"""QuickBooks changes that can move the projection: each one may start a check."""

BANK_ACCOUNTS_QUERY: Final = "select * from Account where AccountType = 'Bank'"
OPEN_INVOICES_QUERY: Final = "select * from Invoice where Balance > '0'"
OPEN_BILLS_QUERY: Final = "select * from Bill where Balance > '0'"


def history_start(as_of: date, history_days: int) -> date:
    return as_of - timedelta(days=history_days)


def paid_invoices_query(since: date) -> str:
    return f"select * from Invoice where Balance = '0' and DueDate >= '{since.isoformat()}'"  # noqa: S608 - a date


def payments_query(since: date) -> str:
    return f"select * from Payment where TxnDate >= '{since.isoformat()}'"  # noqa: S608 - a date


def read_tenant_file(directory: Path, tenant: str) -> dict[str, Any]:
    """The tenant's file as written (validation checks it); a tenant without one has no cash planning."""
    path = directory / tenant / TENANT_FILE
    if not path.is_file():
        raise PolicyRefused(f"no {TENANT_FILE} on file for tenant {tenant!r}")
    loaded = yaml.safe_load(path.read_text())
    if not isinstance(loaded, dict):
        raise PolicyRefused(f"{tenant}/{TENANT_FILE} is not a mapping")
    return loaded


def history_days(tenant_file: dict[str, Any], default: int) -> int:
    value = tenant_file.get("history_days", default)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default
