from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from contracts.ap_matching import BankDetailsVerified


class Bills(Protocol):
    async def record_approval(
        self, bill_id: str, approved_sync_token: str, approved_total: Decimal, note: str, mark: str
    ) -> str:
        """Write `note` on the bill once (found again by `mark`); refuse if the bill's total changed since it was
        approved. Returns what QuickBooks answered (the bill's new SyncToken)."""
        ...

    async def pay(self, bill_id: str, amount: Decimal, memo: str) -> str:
        """Pay the bill's open balance once, if it is still `amount`; returns the BillPayment's id."""
        ...


class BankRecords(Protocol):
    async def verified(self, record: BankDetailsVerified) -> str:
        """Record a person's verification of a vendor's bank details; returns where it was recorded."""
        ...
