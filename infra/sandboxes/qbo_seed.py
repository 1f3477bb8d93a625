"""Deterministic QBO company data: customers with payment habits, invoices in every collection state.

Special invoices (per 200 invoices, scaled down for smaller companies):
disputed, promised (PromiseDate ahead), broken_promise (PromiseDate passed), paid_since (a Payment
covering the open balance dated after the invoice's LastUpdatedTime) and malformed records.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from infra.sandboxes.qbo_query import parse_query, run_query
from infra.sandboxes.qbo_state import QboState

USD = {"value": "USD", "name": "United States Dollar"}
SPECIAL_PER_200 = {"disputed": 5, "promised": 5, "broken_promise": 3, "paid_since": 5}
# Kinds of malformed invoice. The first four still match `Balance > '0' and DueDate < as_of`.
MALFORMED_KINDS = (
    "total_amt_not_numeric",
    "missing_customer_ref",
    "unknown_customer_ref",
    "balance_exceeds_total",
    "invalid_due_date",
    "balance_not_numeric",
)
PROFILES = {"prompt": (-5, 4), "average": (3, 25), "chronic_late": (30, 80)}
OVERDUE_BUCKETS = ((1, 7), (8, 30), (31, 60), (61, 90), (91, 120))
_NAMES_A = (
    "Acme",
    "Bluebird",
    "Cedar",
    "Delta",
    "Evergreen",
    "Falcon",
    "Granite",
    "Harbor",
    "Iron",
    "Juniper",
    "Keystone",
    "Lakeside",
    "Maple",
    "Northwind",
    "Oakridge",
    "Pioneer",
    "Quartz",
    "Redwood",
    "Summit",
    "Tidewater",
)
_NAMES_B = (
    "Logistics",
    "Dental Group",
    "Foods",
    "Builders",
    "Analytics",
    "Outfitters",
    "Marine",
    "Studios",
    "Health",
    "Supply Co.",
)
_ITEMS = (
    ("1", "Consulting"),
    ("2", "Hours"),
    ("3", "Installation"),
    ("4", "Maintenance"),
    ("5", "Hardware"),
    ("6", "Subscription"),
    ("7", "Training"),
)


@dataclass(frozen=True)
class SeedParams:
    as_of: date
    customers: int = 40
    invoices: int = 200
    seed: int = 42


def _money(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01")))


def _timestamp(day: date, hour: int = 10) -> str:
    return f"{day.isoformat()}T{hour:02d}:15:00-08:00"


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


class _Builder:
    def __init__(self, state: QboState, params: SeedParams) -> None:
        self.state = state
        self.params = params
        self.rng = random.Random(params.seed)  # noqa: S311 - reproducible fixtures, not security
        self.next_invoice = 1
        self.next_payment = 5001
        self.profiles: dict[str, str] = {}
        self.categories: dict[str, list[str]] = {}

    def overdue_due_date(self, index: int) -> date:
        """Spread overdue invoices evenly over the collection stages."""
        low, high = OVERDUE_BUCKETS[index % len(OVERDUE_BUCKETS)]
        return self.params.as_of - timedelta(days=self.rng.randint(low, high))

    def tag(self, category: str, invoice_id: str) -> None:
        self.categories.setdefault(category, []).append(invoice_id)

    def amount(self) -> Decimal:
        # Log-ish spread: many small invoices, a few large ones.
        low, high = self.rng.choice(((120, 900), (900, 4000), (900, 4000), (4000, 12000), (12000, 25000)))
        return Decimal(self.rng.randint(low * 100, high * 100)) / 100

    def customer(self, index: int) -> dict[str, Any]:
        name = f"{_NAMES_A[index % len(_NAMES_A)]} {_NAMES_B[(index // len(_NAMES_A) + index) % len(_NAMES_B)]}"
        if index >= len(_NAMES_A) * len(_NAMES_B):
            name = f"{name} {index}"
        customer_id = str(index + 1)
        self.profiles[customer_id] = self.rng.choices(list(PROFILES), weights=(40, 35, 25))[0]
        created = self.params.as_of - timedelta(days=400 + index)
        return {
            "Id": customer_id,
            "SyncToken": "0",
            "DisplayName": name,
            "CompanyName": name,
            "PrimaryEmailAddr": {"Address": f"ap@{_slug(name)}.example"},
            "Balance": 0.0,
            "BalanceWithJobs": 0.0,
            "Active": True,
            "Taxable": False,
            "Job": False,
            "CurrencyRef": dict(USD),
            "PreferredDeliveryMethod": "Email",
            "domain": "QBO",
            "sparse": False,
            "MetaData": {"CreateTime": _timestamp(created), "LastUpdatedTime": _timestamp(created)},
        }

    def lines(self, total: Decimal) -> list[dict[str, Any]]:
        count = self.rng.randint(1, 3)
        cents = int(total * 100)
        cuts = sorted(self.rng.sample(range(1, cents), count - 1)) if cents > count else []
        parts = [b - a for a, b in zip([0, *cuts], [*cuts, cents], strict=True)]
        lines: list[dict[str, Any]] = []
        for number, part in enumerate(parts, start=1):
            item_id, item_name = self.rng.choice(_ITEMS)
            amount = _money(Decimal(part) / 100)
            lines.append(
                {
                    "Id": str(number),
                    "LineNum": number,
                    "Description": f"{item_name} services",
                    "Amount": amount,
                    "DetailType": "SalesItemLineDetail",
                    "SalesItemLineDetail": {
                        "ItemRef": {"value": item_id, "name": item_name},
                        "UnitPrice": amount,
                        "Qty": 1,
                        "TaxCodeRef": {"value": "NON"},
                    },
                }
            )
        lines.append({"Amount": _money(total), "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}})
        return lines

    def invoice(self, customer: dict[str, Any], due: date, total: Decimal, balance: Decimal) -> dict[str, Any]:
        invoice_id = str(self.next_invoice)
        self.next_invoice += 1
        txn = due - timedelta(days=30)
        updated = min(txn + timedelta(days=1), self.params.as_of)
        record: dict[str, Any] = {
            "Id": invoice_id,
            "SyncToken": "0",
            "DocNumber": str(1000 + int(invoice_id)),
            "TxnDate": txn.isoformat(),
            "DueDate": due.isoformat(),
            "TotalAmt": _money(total),
            "Balance": _money(balance),
            "CurrencyRef": dict(USD),
            "CustomerRef": {"value": customer["Id"], "name": customer["DisplayName"]},
            "BillEmail": {"Address": customer["PrimaryEmailAddr"]["Address"]},
            "SalesTermRef": {"value": "3", "name": "Net 30"},
            "EmailStatus": "EmailSent",
            "PrintStatus": "NotSet",
            "Line": self.lines(total),
            "LinkedTxn": [],
            "domain": "QBO",
            "sparse": False,
            "MetaData": {"CreateTime": _timestamp(txn), "LastUpdatedTime": _timestamp(updated)},
        }
        self.state.invoices[invoice_id] = record
        return record

    def payment(self, invoice: dict[str, Any], paid_on: date, amount: Decimal) -> dict[str, Any]:
        payment_id = str(self.next_payment)
        self.next_payment += 1
        record = {
            "Id": payment_id,
            "SyncToken": "0",
            "TxnDate": paid_on.isoformat(),
            "TotalAmt": _money(amount),
            "UnappliedAmt": 0.0,
            "CurrencyRef": dict(USD),
            "CustomerRef": dict(invoice["CustomerRef"]),
            "Line": [{"Amount": _money(amount), "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}],
            "domain": "QBO",
            "sparse": False,
            "MetaData": {"CreateTime": _timestamp(paid_on, 14), "LastUpdatedTime": _timestamp(paid_on, 14)},
        }
        self.state.payments[payment_id] = record
        return record

    def pay(self, invoice: dict[str, Any], paid_on: date, amount: Decimal) -> None:
        payment = self.payment(invoice, paid_on, amount)
        invoice["LinkedTxn"].append({"TxnId": payment["Id"], "TxnType": "Payment"})
        invoice["MetaData"]["LastUpdatedTime"] = _timestamp(paid_on, 14)


def _custom_fields(status: str, promise: date | None) -> list[dict[str, Any]]:
    fields: list[dict[str, Any]] = [
        {"DefinitionId": "1", "Name": "CollectionStatus", "Type": "StringType", "StringValue": status}
    ]
    if promise is not None:
        fields.append(
            {
                "DefinitionId": "2",
                "Name": "PromiseDate",
                "Type": "StringType",
                "StringValue": promise.isoformat(),
            }
        )
    return fields


def _special_counts(invoices: int) -> dict[str, int]:
    scale = min(1.0, invoices / 200)
    counts = {name: round(n * scale) for name, n in SPECIAL_PER_200.items()}
    counts["malformed"] = len(MALFORMED_KINDS) if invoices >= 100 else round(len(MALFORMED_KINDS) * scale)
    return counts


def _malform(invoice: dict[str, Any], kind: str) -> None:
    total = Decimal(str(invoice["TotalAmt"]))
    breakages: dict[str, Callable[[], None]] = {
        "total_amt_not_numeric": lambda: invoice.update(TotalAmt="12x.50"),
        "missing_customer_ref": lambda: invoice.pop("CustomerRef"),
        "unknown_customer_ref": lambda: invoice.update(CustomerRef={"value": "99999", "name": "Deleted Customer"}),
        "balance_exceeds_total": lambda: invoice.update(Balance=_money(total * 3)),
        "invalid_due_date": lambda: invoice.update(DueDate="2026-13-45"),
        "balance_not_numeric": lambda: invoice.update(Balance="N/A"),
    }
    breakages[kind]()


def _seed_special(b: _Builder, counts: dict[str, int]) -> None:
    rng, as_of, customers = b.rng, b.params.as_of, list(b.state.customers.values())

    def open_invoice(due: date) -> dict[str, Any]:
        total = b.amount()
        return b.invoice(rng.choice(customers), due, total, total)

    for index in range(counts["disputed"]):
        inv = open_invoice(b.overdue_due_date(index))
        inv["CustomField"] = _custom_fields("disputed", None)
        b.tag("disputed", inv["Id"])
    for index in range(counts["promised"]):
        inv = open_invoice(b.overdue_due_date(index + 1))
        inv["CustomField"] = _custom_fields("promise_to_pay", as_of + timedelta(days=rng.randint(1, 14)))
        b.tag("promised", inv["Id"])
    for _ in range(counts["broken_promise"]):
        inv = open_invoice(as_of - timedelta(days=rng.randint(25, 90)))
        inv["CustomField"] = _custom_fields("promise_to_pay", as_of - timedelta(days=rng.randint(1, 20)))
        b.tag("broken_promise", inv["Id"])
    for index in range(counts["paid_since"]):
        inv = open_invoice(b.overdue_due_date(index + 2))
        updated = date.fromisoformat(inv["MetaData"]["LastUpdatedTime"][:10])
        # The invoice read is stale: the Payment landed after it was last updated.
        b.payment(inv, rng.choice([updated + timedelta(days=1), as_of]), Decimal(str(inv["Balance"])))
        b.tag("paid_since", inv["Id"])
    for kind in MALFORMED_KINDS[: counts["malformed"]]:
        inv = open_invoice(as_of - timedelta(days=rng.randint(10, 60)))
        _malform(inv, kind)
        b.tag("malformed", inv["Id"])
        b.tag(f"malformed:{kind}", inv["Id"])


def _seed_regular(b: _Builder, count: int) -> None:
    rng, as_of, customers = b.rng, b.params.as_of, list(b.state.customers.values())
    for index in range(count):
        customer = rng.choice(customers)
        roll = rng.random()
        total = b.amount()
        if roll < 0.35:
            low, high = PROFILES[b.profiles[customer["Id"]]]
            due = as_of - timedelta(days=rng.randint(high + 1, 330))
            inv = b.invoice(customer, due, total, Decimal(0))
            b.pay(inv, due + timedelta(days=rng.randint(low, high)), total)
            b.tag("paid", inv["Id"])
        elif roll < 0.50:
            inv = b.invoice(customer, as_of + timedelta(days=rng.randint(1, 30)), total, total)
            b.tag("not_yet_due", inv["Id"])
        elif rng.random() < 0.2:
            due = b.overdue_due_date(index)
            paid = (total * Decimal(rng.randint(20, 70)) / 100).quantize(Decimal("0.01"))
            inv = b.invoice(customer, due, total, total - paid)
            b.pay(inv, min(due + timedelta(days=rng.randint(1, 10)), as_of), paid)
            b.tag("partially_paid", inv["Id"])
            b.tag("overdue", inv["Id"])
        else:
            inv = b.invoice(customer, b.overdue_due_date(index), total, total)
            b.tag("overdue", inv["Id"])


def _roll_up_customer_balances(state: QboState) -> None:
    for inv in state.invoices.values():
        ref = inv.get("CustomerRef", {}).get("value")
        if ref in state.customers and isinstance(inv["Balance"], float):
            customer = state.customers[ref]
            customer["Balance"] = customer["BalanceWithJobs"] = _money(
                Decimal(str(customer["Balance"])) + Decimal(str(inv["Balance"]))
            )


def _summary(b: _Builder) -> dict[str, Any]:
    state, as_of = b.state, b.params.as_of
    # The sandbox's own query language, built from a date: no injection surface.
    overdue_text = f"select * from Invoice where Balance > '0' and DueDate < '{as_of.isoformat()}'"  # noqa: S608
    overdue = parse_query(overdue_text)
    return {
        "as_of": as_of.isoformat(),
        "seed": b.params.seed,
        "customers": len(state.customers),
        "invoices": len(state.invoices),
        "payments": len(state.payments),
        "counts": {name: len(ids) for name, ids in sorted(b.categories.items())},
        "customer_profiles": {f"{p}_payers": sum(1 for v in b.profiles.values() if v == p) for p in PROFILES},
        "invoice_ids": dict(sorted(b.categories.items())),
        "overdue_query_matches": run_query(overdue, state.records_in_id_order("Invoice")).total_count,
        "malformed_matching_overdue_query": sum(
            len(b.categories.get(f"malformed:{k}", [])) for k in MALFORMED_KINDS[:4]
        ),
    }


def seed_company(state: QboState, params: SeedParams) -> dict[str, Any]:
    """Replace the company's data with a deterministic data set; returns (and stores) its summary."""
    state.invoices.clear()
    state.customers.clear()
    state.payments.clear()
    b = _Builder(state, params)
    for index in range(params.customers):
        customer = b.customer(index)
        state.customers[customer["Id"]] = customer
    invoices = params.invoices if state.customers else 0
    counts = _special_counts(invoices)
    _seed_special(b, counts)
    _seed_regular(b, max(0, invoices - sum(counts.values())))
    _roll_up_customer_balances(state)
    state.summary = _summary(b)
    return state.summary
