"""AP matching rules: a validated bill against its purchase orders, receipts and the vendor's other bills. Pure.

Tolerance: a variance is within tolerance when its size is at most the absolute band AND at most the percentage
band of the expected value (so the stricter of the two decides); zero variance always matches and both bounds
are inclusive, to the cent. Bands per kind: unit price and line amount use the price bands, quantities the
quantity bands, the bill total, freight and billing beyond an order the total bands.

Billing less than ordered is partial billing (normal over several bills), not a variance; billing more, or at
another price, is. Money the rules produce is rounded to the cent, half up; nothing else is rounded.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.ap_matching import (
    BankChange,
    BankDetails,
    Bill,
    BillLine,
    BillMatched,
    BillValidated,
    EarlierBill,
    ExceptionKind,
    LineKind,
    LineMatch,
    MatchException,
    MatchOutcome,
    PoLine,
    PurchaseOrder,
    ReceiptLine,
)

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal(0)
UNKNOWN_PREVIOUS = "last approved details"


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class Tolerance(BaseModel):
    """A tenant's bands (infra/tenants/<tenant>/ap_matching.yaml). Percentages are percent: 0.5 is 0.5%."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    price_pct: Decimal = Field(ge=0)
    price_abs: Decimal = Field(ge=0)
    quantity_pct: Decimal = Field(ge=0)
    quantity_abs: Decimal = Field(ge=0)
    total_pct: Decimal = Field(ge=0)
    total_abs: Decimal = Field(ge=0)
    duplicate_window_days: int = Field(ge=0)


def parse_tolerance(data: dict[str, Any]) -> Tolerance:
    """The tolerance file's bands; `tenant` and `version` label the file, any other unknown key is refused."""
    return Tolerance.model_validate({k: v for k, v in data.items() if k not in ("tenant", "version")})


def within(variance: Decimal, expected: Decimal, pct: Decimal, absolute: Decimal) -> bool:
    size = abs(variance)
    return size == 0 or (size <= absolute and size <= abs(expected) * pct / HUNDRED)


def _bank_part(text: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", text.upper())


def bank_fingerprint(bank: BankDetails) -> str:
    """sha256 of the routing and account numbers, without spaces or punctuation; the account name is left out."""
    return hashlib.sha256(f"{_bank_part(bank.routing_number)}|{_bank_part(bank.account_number)}".encode()).hexdigest()


def normalise_doc_number(text: str) -> str:
    """Case, whitespace, dashes and the leading zeros of each run of digits ignored: `INV-0042` is `inv 42`."""
    squeezed = re.sub(r"[\s\-\u2010-\u2015_]", "", text.casefold())
    return re.sub(r"(?<!\d)0+(?=\d)", "", squeezed)


def _natural(text: str) -> tuple[int, int, str]:
    return (0, int(text), text) if text.isdigit() else (1, 0, text)


def _words(text: str) -> str:
    return " ".join(text.casefold().split())


# Line matching: bill line <-> purchase order line.

MatchedBy = Literal["item", "account", "description", "none", "charge"]


@dataclass(frozen=True)
class _OrderLine:
    po: PurchaseOrder
    line: PoLine

    @property
    def key(self) -> str:
        return f"{self.po.po_id}:{self.line.line_id}"


def _same_item(b: BillLine, p: PoLine) -> bool:
    return b.item_id is not None and b.item_id == p.item_id


def _same_account(b: BillLine, p: PoLine) -> bool:
    return b.account_id is not None and b.account_id == p.account_id and _words(b.description) == _words(p.description)


def _same_description(b: BillLine, p: PoLine) -> bool:
    return bool(_words(b.description)) and _words(b.description) == _words(p.description)


def _any_charge(b: BillLine, p: PoLine) -> bool:
    return True


_PASSES: tuple[tuple[MatchedBy, Callable[[BillLine, PoLine], bool], frozenset[LineKind]], ...] = (
    ("item", _same_item, frozenset({LineKind.GOODS, LineKind.FREIGHT})),
    ("account", _same_account, frozenset({LineKind.GOODS, LineKind.FREIGHT})),
    ("description", _same_description, frozenset({LineKind.GOODS, LineKind.FREIGHT})),
    ("charge", _any_charge, frozenset({LineKind.FREIGHT})),  # freight is freight, however each side words it
)


def _content_key(line: BillLine) -> tuple[Any, ...]:
    """Bill lines are matched in an order set by their content, so the order they arrive in changes nothing."""
    return (
        line.kind.value,
        line.item_id or "",
        line.account_id or "",
        _words(line.description),
        line.quantity if line.quantity is not None else ZERO,
        line.unit_price if line.unit_price is not None else ZERO,
        line.amount,
        _natural(line.line_id),
    )


def _closeness(b: BillLine, o: _OrderLine) -> tuple[Any, ...]:
    """Among equally eligible order lines, the one nearest the bill line; ties by order and line id."""
    price = (
        abs(b.unit_price - o.line.unit_price) if b.unit_price is not None and o.line.unit_price is not None else ZERO
    )
    quantity = abs(b.quantity - o.line.quantity) if b.quantity is not None and o.line.quantity is not None else ZERO
    return (abs(b.amount - o.line.amount), price, quantity, _natural(o.po.po_id), _natural(o.line.line_id))


def match_lines(bill: Bill, orders: Iterable[PurchaseOrder]) -> dict[str, tuple[_OrderLine, MatchedBy]]:
    """Each goods and freight line of the bill to at most one order line of its kind (each used once per bill): by
    item, then account and description, then description; freight left over takes any unused freight line.
    A line linked to an order (LinkedTxn) is matched within that order only."""
    pool = [_OrderLine(po, line) for po in orders for line in po.lines]
    used: set[str] = set()
    found: dict[str, tuple[_OrderLine, MatchedBy]] = {}
    lines = sorted((line for line in bill.lines if line.kind is not LineKind.TAX), key=_content_key)
    for how, same, kinds in _PASSES:
        for line in lines:
            if line.line_id in found or line.kind not in kinds:
                continue
            eligible = [
                o
                for o in pool
                if o.key not in used
                and o.line.kind is line.kind
                and (line.po_id is None or o.po.po_id == line.po_id)
                and same(line, o.line)
            ]
            if eligible:
                chosen = min(eligible, key=partial(_closeness, line))
                used.add(chosen.key)
                found[line.line_id] = (chosen, how)
    return found


# Findings: exceptions and whether any variance was found.


@dataclass
class _Findings:
    tolerance: Tolerance
    exceptions: list[MatchException] = field(default_factory=list)
    varied: bool = False

    def check(
        self,
        kind: ExceptionKind,
        detail: str,
        *,
        expected: Decimal,
        found: Decimal,
        variance: Decimal,
        band: tuple[Decimal, Decimal],
        base: Decimal | None = None,
        line_id: str | None = None,
    ) -> bool:
        """True when `variance` is within `band` (pct, abs) of `base` (default: `expected`); else an exception."""
        if variance == 0:
            return True
        self.varied = True
        pct, absolute = band
        if within(variance, expected if base is None else base, pct, absolute):
            return True
        self.flag(kind, detail, line_id=line_id, expected=expected, found=found, variance=variance)
        return False

    def flag(self, kind: ExceptionKind, detail: str, **figures: Any) -> None:
        self.exceptions.append(MatchException(kind=kind, detail=detail, **figures))


@dataclass(frozen=True)
class _Checked:
    match: LineMatch
    expected: Decimal
    """What the order prices this line at (the bill's amount for a line that is an exception on its own)."""
    po_id: str | None


def _goods_line(line: BillLine, order: _OrderLine, how: MatchedBy, earlier_qty: Decimal, f: _Findings) -> _Checked:
    t, po_line, before = f.tolerance, order.line, len(f.exceptions)
    quantity_var = ZERO
    if line.quantity is not None and po_line.quantity is not None:
        remaining = max(po_line.quantity - earlier_qty, ZERO)
        quantity_var = max(line.quantity - remaining, ZERO)
        f.check(
            ExceptionKind.QUANTITY_VARIANCE,
            f"line {line.line_id}: quantity billed beyond what remains on purchase order {order.po.doc_number} line "
            f"{po_line.line_id}",
            expected=remaining,
            found=line.quantity,
            variance=quantity_var,
            band=(t.quantity_pct, t.quantity_abs),
            line_id=line.line_id,
        )
    price_var = ZERO
    price_ok = True
    if line.unit_price is not None and po_line.unit_price is not None:
        price_var = line.unit_price - po_line.unit_price
        price_ok = f.check(
            ExceptionKind.PRICE_VARIANCE,
            f"line {line.line_id}: unit price differs from purchase order {order.po.doc_number} line {po_line.line_id}",
            expected=po_line.unit_price,
            found=line.unit_price,
            variance=price_var,
            band=(t.price_pct, t.price_abs),
            line_id=line.line_id,
        )
    if line.quantity is not None and po_line.unit_price is not None:
        expected = money(line.quantity * po_line.unit_price)
    else:
        expected = min(line.amount, po_line.amount)  # less than the order line is partial billing
    amount_var = money(line.amount - expected)
    if price_ok:
        f.check(
            ExceptionKind.PRICE_VARIANCE,
            f"line {line.line_id}: line amount differs from purchase order {order.po.doc_number} line "
            f"{po_line.line_id} at the ordered price",
            expected=expected,
            found=line.amount,
            variance=amount_var,
            band=(t.price_pct, t.price_abs),
            line_id=line.line_id,
        )
    elif amount_var:
        f.varied = True
    match = LineMatch(
        bill_line_id=line.line_id,
        po_id=order.po.po_id,
        po_line_id=po_line.line_id,
        matched_by=how,
        quantity_variance=quantity_var,
        price_variance=price_var,
        amount_variance=amount_var,
        within_tolerance=len(f.exceptions) == before,
    )
    return _Checked(match, line.amount - amount_var, order.po.po_id)


def _freight_line(
    line: BillLine, matched: tuple[_OrderLine, MatchedBy] | None, base: Decimal, f: _Findings
) -> _Checked:
    """Freight against the order's freight (none on the order: all of it is a variance), in the total band of
    what the order prices the bill at."""
    t = f.tolerance
    order, how = matched if matched else (None, "none")
    ordered = order.line.amount if order else ZERO
    over = money(max(line.amount - ordered, ZERO))
    if order:
        kind, detail = (
            ExceptionKind.PRICE_VARIANCE,
            f"line {line.line_id}: freight above the freight on purchase order {order.po.doc_number}",
        )
    else:
        kind, detail = ExceptionKind.UNMATCHED_LINE, f"line {line.line_id}: freight the purchase order does not carry"
    ok = f.check(
        kind,
        detail,
        expected=ordered,
        found=line.amount,
        variance=over,
        band=(t.total_pct, t.total_abs),
        base=base,
        line_id=line.line_id,
    )
    match = LineMatch(
        bill_line_id=line.line_id,
        po_id=order.po.po_id if order else None,
        po_line_id=order.line.line_id if order else None,
        matched_by=how,
        amount_variance=over,
        within_tolerance=ok,
    )
    return _Checked(match, line.amount - over, order.po.po_id if order else line.po_id)


def _unmatched(line: BillLine, f: _Findings | None) -> _Checked:
    if f is not None:
        f.flag(
            ExceptionKind.UNMATCHED_LINE,
            f"line {line.line_id}: no purchase order line for {line.description or 'this line'!r}",
            line_id=line.line_id,
            found=line.amount,
        )
    match = LineMatch(bill_line_id=line.line_id, po_id=None, po_line_id=None, matched_by="none", within_tolerance=False)
    return _Checked(match, line.amount, line.po_id)


def _tax(line: BillLine) -> _Checked:
    match = LineMatch(bill_line_id=line.line_id, po_id=None, po_line_id=None, matched_by="charge")
    return _Checked(match, line.amount, None)


def _earlier_quantity(earlier: Iterable[EarlierBill], key: str) -> Decimal:
    return sum((e.billed_quantity.get(key, ZERO) for e in earlier), ZERO)


def _check_lines(v: BillValidated, orders: tuple[PurchaseOrder, ...], f: _Findings) -> dict[str, _Checked]:
    matched = match_lines(v.bill, orders)
    checked: dict[str, _Checked] = {}
    in_order = sorted(v.bill.lines, key=lambda line: _natural(line.line_id))
    for line in in_order:
        if line.kind is LineKind.GOODS:
            if line.line_id in matched:
                order, how = matched[line.line_id]
                earlier = _earlier_quantity(v.earlier_bills, order.key)
                checked[line.line_id] = _goods_line(line, order, how, earlier, f)
            else:
                checked[line.line_id] = _unmatched(line, f)
        elif line.kind is LineKind.TAX:
            checked[line.line_id] = _tax(line)
    freight = [line for line in in_order if line.kind is LineKind.FREIGHT]
    ordered = {line.line_id: matched[line.line_id][0] for line in freight if line.line_id in matched}
    base = sum((c.expected for c in checked.values()), ZERO)
    base += sum(
        (min(line.amount, ordered[line.line_id].line.amount) for line in freight if line.line_id in ordered), ZERO
    )
    for line in freight:
        checked[line.line_id] = _freight_line(line, matched.get(line.line_id), base, f)
    return checked


def _check_total(bill: Bill, checked: dict[str, _Checked], f: _Findings) -> None:
    """The bill's total against what the orders price its lines at (plus tax): line variances that are each within
    tolerance may not add up beyond the total band, and a total that is not the sum of the lines shows here."""
    expected = sum((c.expected for c in checked.values()), ZERO)
    t = f.tolerance
    f.check(
        ExceptionKind.TOTAL_VARIANCE,
        "bill total differs from the purchase order value of the billed lines",
        expected=expected,
        found=bill.total,
        variance=money(bill.total - expected),
        band=(t.total_pct, t.total_abs),
    )


def _check_cumulative(
    v: BillValidated, orders: tuple[PurchaseOrder, ...], checked: dict[str, _Checked], f: _Findings
) -> None:
    """All bills against an order (tax aside) may not exceed the order's total beyond the total band."""
    only = orders[0].po_id if len(orders) == 1 else None
    this: dict[str, Decimal] = defaultdict(Decimal)
    for line in v.bill.lines:
        po_id = checked[line.line_id].po_id or only
        if line.kind is not LineKind.TAX and po_id is not None:
            this[po_id] += line.amount
    t = f.tolerance
    for po in orders:
        earlier = sum((e.billed_per_po.get(po.po_id, ZERO) for e in v.earlier_bills), ZERO)
        billed = earlier + this[po.po_id]
        f.check(
            ExceptionKind.OVER_BILLED_PO,
            f"purchase order {po.doc_number}: other bills {money(earlier)} and this bill "
            f"{money(this[po.po_id])} exceed the order",
            expected=po.total,
            found=money(billed),
            variance=money(max(billed - po.total, ZERO)),
            band=(t.total_pct, t.total_abs),
        )


def _check_received(
    v: BillValidated, receipts: tuple[ReceiptLine, ...], checked: dict[str, _Checked], f: _Findings
) -> None:
    """Three-way: quantity billed on an order line (this bill and the others) may not exceed the quantity received."""
    received: dict[str, Decimal] = defaultdict(Decimal)
    for r in receipts:
        received[f"{r.po_id}:{r.po_line_id}"] += r.quantity
    t = f.tolerance
    for line in sorted(v.bill.lines, key=lambda line: _natural(line.line_id)):
        match = checked[line.line_id].match
        if line.kind is not LineKind.GOODS or line.quantity is None or match.po_line_id is None:
            continue
        key = f"{match.po_id}:{match.po_line_id}"
        billed = line.quantity + _earlier_quantity(v.earlier_bills, key)
        f.check(
            ExceptionKind.OVER_RECEIVED,
            f"line {line.line_id}: billed quantity exceeds the quantity received on order line {match.po_line_id}",
            expected=received[key],
            found=billed,
            variance=max(billed - received[key], ZERO),
            band=(t.quantity_pct, t.quantity_abs),
            line_id=line.line_id,
        )


def _check_orders(bill: Bill, orders: tuple[PurchaseOrder, ...], f: _Findings) -> None:
    for po in orders:
        if po.currency != bill.currency:
            f.flag(
                ExceptionKind.CURRENCY_MISMATCH,
                f"bill in {bill.currency}, purchase order {po.doc_number} in {po.currency}",
            )
        if po.vendor_id != bill.vendor_id:
            f.flag(
                ExceptionKind.VENDOR_MISMATCH,
                f"purchase order {po.doc_number} is for vendor {po.vendor_id}, not the bill's",
            )


_COMPANY_FORMS = re.compile(r"\b(ltd|limited|llc|inc|incorporated|corp|corporation|co|company|gmbh|plc|llp|sa|bv)\b")


def _company(name: str) -> str:
    words = re.sub(r"[^\w]+", " ", name.casefold().replace("&", " and "))
    return " ".join(_COMPANY_FORMS.sub(" ", words).split())


def _check_document_vendor(validated: BillValidated, f: _Findings) -> None:
    """A document issued under another name than the vendor its order is with (by its words, legal form aside)."""
    document = validated.document
    issued = document.extracted.vendor_name if document else None
    if issued is None:
        return
    said, known = _company(issued.value), _company(validated.vendor.name)
    if said and known and said not in known and known not in said:
        f.flag(
            ExceptionKind.VENDOR_MISMATCH,
            f"the invoice is issued by {issued.value!r}; the vendor in QuickBooks is {validated.vendor.name!r}",
        )


def _duplicates(bill: Bill, earlier: Iterable[EarlierBill], window_days: int, f: _Findings) -> str | None:
    """Other bills of the vendor with the same normalised number, or the same amount within the window."""
    number = normalise_doc_number(bill.doc_number)
    first = None
    for other in sorted(earlier, key=lambda e: (e.txn_date, _natural(e.bill_id))):
        if number and normalise_doc_number(other.doc_number) == number:
            why = f"same number as bill {other.bill_id} ({other.doc_number})"
        elif other.total == bill.total and abs((other.txn_date - bill.txn_date).days) <= window_days:
            why = f"same amount as bill {other.bill_id} of {other.txn_date.isoformat()}"
        else:
            continue
        f.flag(ExceptionKind.DUPLICATE, f"possible duplicate: {why}")
        first = first or other.bill_id
    return first


def _bank_change(
    v: BillValidated, approved: str | None, approved_masked: str | None, f: _Findings
) -> BankChange | None:
    bank = v.vendor.bank
    if bank is None or approved is None:
        return None
    fingerprint = bank_fingerprint(bank)
    if fingerprint == approved:
        return None
    f.flag(
        ExceptionKind.BANK_CHANGE, "vendor bank details differ from the last approved details: verify with the vendor"
    )
    return BankChange(
        vendor_id=v.vendor.vendor_id,
        vendor_name=v.vendor.name,
        previous=approved_masked or UNKNOWN_PREVIOUS,
        current=bank.masked,
        fingerprint=fingerprint,
    )


def match_bill(
    validated: BillValidated, tolerance: Tolerance, approved_bank: str | None, approved_masked: str | None = None
) -> BillMatched:
    """The bill's verdict. `approved_bank` is the fingerprint of the vendor's last approved bank details (None: no
    record, so no change to detect); `approved_masked` their masked text, shown to the person verifying a change."""
    bill = validated.bill
    orders = tuple(sorted(validated.purchase_orders, key=lambda po: _natural(po.po_id)))
    f = _Findings(tolerance)
    if orders:
        _check_orders(bill, orders, f)
        checked = _check_lines(validated, orders, f)
        _check_total(bill, checked, f)
        _check_cumulative(validated, orders, checked, f)
        if validated.receipts is not None:
            _check_received(validated, validated.receipts, checked, f)
    else:
        f.flag(ExceptionKind.NO_PURCHASE_ORDER, "the bill links to no purchase order")
        checked = {
            line.line_id: _tax(line) if line.kind is LineKind.TAX else _unmatched(line, None) for line in bill.lines
        }
    _check_document_vendor(validated, f)
    duplicate_of = _duplicates(bill, validated.earlier_bills, tolerance.duplicate_window_days, f)
    bank_change = _bank_change(validated, approved_bank, approved_masked, f)
    lines = tuple(sorted((c.match for c in checked.values()), key=lambda m: _natural(m.bill_line_id)))
    if f.exceptions:
        outcome = MatchOutcome.EXCEPTIONS
    elif f.varied:
        outcome = MatchOutcome.WITHIN_TOLERANCE
    else:
        outcome = MatchOutcome.MATCHED
    return BillMatched(
        realm_id=validated.realm_id,
        bill_id=bill.bill_id,
        doc_number=bill.doc_number,
        vendor_id=bill.vendor_id,
        vendor_name=validated.vendor.name,
        currency=bill.currency,
        total=bill.total,
        txn_date=bill.txn_date,
        due_date=bill.due_date,
        sync_token=bill.sync_token,
        po_numbers=tuple(po.doc_number for po in orders),
        three_way=validated.receipts is not None,
        outcome=outcome,
        lines=lines,
        exceptions=tuple(f.exceptions),
        duplicate_of=duplicate_of,
        bank_change=bank_change,
        document=validated.document,
        from_document=bill.from_document,
        source=validated.source,
    )
