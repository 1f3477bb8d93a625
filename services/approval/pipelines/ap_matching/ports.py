from __future__ import annotations

from decimal import Decimal
from typing import Any, Protocol

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

    async def create_from_document(self, draft: dict[str, Any], approved_total: Decimal, note: str) -> str:
        """Create the bill read from a document, once, with `note`; refuse if the vendor's bill of that number is
        already in QuickBooks (entered another way) or the draft does not add up to the approved total."""
        ...

    async def pay_created(self, draft: dict[str, Any], amount: Decimal, memo: str) -> str:
        """Pay the bill created from `draft`, as `pay` does."""
        ...


class BankRecords(Protocol):
    async def verified(self, record: BankDetailsVerified) -> str:
        """Record a person's verification of a vendor's bank details; returns where it was recorded."""
        ...
