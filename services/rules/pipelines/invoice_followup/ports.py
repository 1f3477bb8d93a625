"""Side effects the rules service needs: remembering when a customer was last contacted."""

from __future__ import annotations

from datetime import date
from typing import Protocol


class ContactLog(Protocol):
    async def last_contacted(self, tenant: str, invoice_id: str) -> date | None: ...

    async def record_contact(self, tenant: str, invoice_id: str, on: date) -> None: ...
