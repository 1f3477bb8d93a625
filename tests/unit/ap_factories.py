"""Rules' verdicts on bills, for the AP tests of approval, reasoning and the notifier."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from contracts.ap_matching import (
    BankChange,
    BillExplained,
    BillMatched,
    ExceptionKind,
    LineMatch,
    MatchException,
    MatchOutcome,
)


def bill_matched(total: str = "1200.00", outcome: MatchOutcome = MatchOutcome.MATCHED, **overrides: Any) -> BillMatched:
    fields: dict[str, Any] = {
        "realm_id": "9341453000000000",
        "bill_id": "301",
        "doc_number": "INV-1001",
        "vendor_id": "56",
        "vendor_name": "Northwind Supplies",
        "currency": "USD",
        "total": Decimal(total),
        "txn_date": date(2026, 11, 20),
        "due_date": date(2026, 12, 20),
        "sync_token": "0",
        "po_numbers": ("PO-1001",),
        "three_way": True,
        "outcome": outcome,
        "lines": (LineMatch(bill_line_id="1", po_id="201", po_line_id="1", matched_by="item"),),
    }
    if outcome is MatchOutcome.EXCEPTIONS and "exceptions" not in overrides:
        fields["exceptions"] = (
            MatchException(
                kind=ExceptionKind.PRICE_VARIANCE,
                detail="unit price above the order",
                line_id="1",
                expected=Decimal("12.00"),
                found=Decimal("12.50"),
                variance=Decimal("0.50"),
            ),
        )
    fields.update(overrides)
    return BillMatched(**fields)


def bank_changed(total: str = "300.00") -> BillMatched:
    change = BankChange(
        vendor_id="56",
        vendor_name="Northwind Supplies",
        previous="Northwind Operating, routing …0021, account …4417",
        current="Northwind Ops, routing …0456, account …9001",
        fingerprint="f" * 64,
    )
    exception = MatchException(kind=ExceptionKind.BANK_CHANGE, detail="bank details changed since last approved")
    return bill_matched(total, MatchOutcome.EXCEPTIONS, bank_change=change, exceptions=(exception,))


def explained(facts: BillMatched, summary: str = "") -> BillExplained:
    return BillExplained(
        facts=facts,
        summary=summary or f"Bill {facts.doc_number} for {facts.currency} {facts.total}.",
        prompt_id="bill_exceptions",
        prompt_version="1",
        model="offline-explainer",
    )


class FakeBills:
    """QuickBooks bills as the approval service writes them: each note recorded once per mark."""

    def __init__(self) -> None:
        self.notes: dict[str, list[str]] = {}

    async def record_approval(
        self, bill_id: str, approved_sync_token: str, approved_total: Decimal, note: str, mark: str
    ) -> str:
        written = self.notes.setdefault(bill_id, [])
        if not any(mark in n for n in written):
            written.append(note)
        return f"bill {bill_id} noted"

    async def pay(self, bill_id: str, amount: Decimal, memo: str) -> str:
        self.paid = getattr(self, "paid", {})
        self.paid.setdefault(bill_id, amount)
        return f"bill {bill_id} paid"


class FakeBankRecords:
    def __init__(self) -> None:
        self.verified_records: list[Any] = []

    async def verified(self, record: Any) -> str:
        self.verified_records.append(record)
        return f"vendor {record.vendor_id} verified"


def ap_flow_ports(deps: Any) -> dict[str, Any]:
    """The AP flow with fake QuickBooks and bank-record ports, by pipeline name, for `build_parts(ports=...)`."""
    from services.approval.pipelines.ap_matching import build_flow

    return {"ap_matching": build_flow(deps, (FakeBills(), FakeBankRecords()))}
