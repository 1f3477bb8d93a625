"""AP matching rules: each outcome and each exception kind, tolerance boundaries exact to the cent, and the
properties the issue asks for (line order, cumulative billing, nothing with an exception passes, Decimal exactness).
Then the operator's offline check, `seamline ap check`, on QuickBooks-shaped files."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import event, given, settings
from hypothesis import strategies as st

from contracts.ap_matching import (
    BankDetails,
    BillLine,
    BillMatched,
    BillValidated,
    ExceptionKind,
    LineKind,
    MatchOutcome,
    PoLine,
    PurchaseOrder,
)
from contracts.registry import names
from services.ops.pipelines.ap_matching.check import COMMANDS
from services.rules.pipelines.ap_matching.adapters import ToleranceBook
from services.rules.pipelines.ap_matching.domain import (
    Tolerance,
    bank_fingerprint,
    match_bill,
    normalise_doc_number,
    parse_tolerance,
    within,
)
from services.rules.settings import RulesSettings
from shared.errors import PolicyRefused
from tests.unit.ap_bills import (
    BANK,
    BILL_DATE,
    billed,
    charge,
    earlier_bill,
    goods,
    order,
    ordered,
    po_freight,
    po_goods,
    received,
    validated,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "ap"
D = Decimal
TOL = Tolerance(
    price_pct=D("0.5"),
    price_abs=D(5),
    quantity_pct=D(0),
    quantity_abs=D(0),
    total_pct=D("0.5"),
    total_abs=D(10),
    duplicate_window_days=7,
)
WIDE = Tolerance(
    price_pct=D(100),
    price_abs=D(10**9),
    quantity_pct=D(100),
    quantity_abs=D(10**9),
    total_pct=D(100),
    total_abs=D(10**9),
    duplicate_window_days=0,
)
PO = ordered()
LINES = billed()


def _match(v: BillValidated, tolerance: Tolerance = TOL, approved: str | None = None) -> BillMatched:
    return match_bill(v, tolerance, approved if approved is not None else bank_fingerprint(BANK))


def _kinds(matched: BillMatched) -> set[ExceptionKind]:
    return {e.kind for e in matched.exceptions}


# Outcomes.


def test_a_bill_that_is_the_order_matches() -> None:
    matched = _match(validated(LINES, (PO,)))
    assert matched.outcome is MatchOutcome.MATCHED
    assert matched.exceptions == ()
    assert [(m.bill_line_id, m.po_line_id, m.matched_by) for m in matched.lines] == [
        ("1", "1", "item"),
        ("2", "2", "item"),
        ("3", "3", "description"),
    ]
    assert (matched.po_numbers, matched.three_way, matched.bank_change) == (("PO-1001",), False, None)


def test_a_small_price_difference_is_within_tolerance_with_its_variances_to_the_cent() -> None:
    lines = (goods("1", "11", "100", "4.27"), *LINES[1:])
    matched = _match(validated(lines, (PO,)))
    assert matched.outcome is MatchOutcome.WITHIN_TOLERANCE
    first = matched.lines[0]
    assert (first.price_variance, first.amount_variance, first.quantity_variance) == (D("0.02"), D("2.00"), 0)
    assert first.within_tolerance


def test_billing_part_of_an_order_is_not_a_variance() -> None:
    lines = (goods("1", "11", "40", "4.25"),)
    matched = _match(validated(lines, (PO,)))
    assert matched.outcome is MatchOutcome.MATCHED


def test_tax_counts_in_the_total_and_is_matched_to_no_order_line() -> None:
    lines = (*LINES, charge("tax", LineKind.TAX, "49.50", "Tax"))
    matched = _match(validated(lines, (PO,)))
    assert matched.outcome is MatchOutcome.MATCHED
    tax = next(m for m in matched.lines if m.bill_line_id == "tax")
    assert (tax.po_id, tax.matched_by) == (None, "charge")
    short = _match(validated(lines, (PO,), total="630.00"))  # the total leaves out 19.50 of the tax
    [total] = short.exceptions
    assert (total.kind, total.expected, total.found, total.variance) == (
        ExceptionKind.TOTAL_VARIANCE,
        D("649.50"),
        D("630.00"),
        D("-19.50"),
    )


def test_receipts_make_the_match_three_way() -> None:
    matched = _match(validated(LINES, (PO,), receipts=(received("1", "100"), received("2", "500"))))
    assert (matched.three_way, matched.outcome) == (True, MatchOutcome.MATCHED)


def _with_line(line: BillLine) -> tuple[BillLine, ...]:
    return (*LINES, line)


EXCEPTION_CASES = {
    ExceptionKind.NO_PURCHASE_ORDER: (validated(LINES, ()), None),
    ExceptionKind.UNMATCHED_LINE: (
        validated(_with_line(goods("4", "99", "1", "2.00", description="Mystery")), (PO,)),
        None,
    ),
    ExceptionKind.PRICE_VARIANCE: (validated((goods("1", "11", "100", "5.00"), *LINES[1:]), (PO,)), None),
    ExceptionKind.QUANTITY_VARIANCE: (validated((LINES[0], goods("2", "12", "501", "0.30"), LINES[2]), (PO,)), None),
    ExceptionKind.TOTAL_VARIANCE: (validated(LINES, (PO,), total="620.00"), None),
    ExceptionKind.OVER_RECEIVED: (validated(LINES, (PO,), receipts=(received("1", "90"), received("2", "500"))), None),
    ExceptionKind.OVER_BILLED_PO: (
        validated((goods("1", "11", "40", "4.25"),), (PO,), earlier=(earlier_bill(billed_per_po={"1001": D(500)}),)),
        None,
    ),
    ExceptionKind.CURRENCY_MISMATCH: (validated(LINES, (order(*PO.lines, currency="CAD"),)), None),
    ExceptionKind.VENDOR_MISMATCH: (validated(LINES, (order(*PO.lines, vendor_id="57"),)), None),
    ExceptionKind.DUPLICATE: (validated(LINES, (PO,), earlier=(earlier_bill(doc_number="inv 020931"),)), None),
    ExceptionKind.BANK_CHANGE: (validated(LINES, (PO,)), "0" * 64),
}


@pytest.mark.parametrize("kind", list(ExceptionKind), ids=lambda k: k.value)
def test_each_exception_kind_makes_the_outcome_exceptions(kind: ExceptionKind) -> None:
    v, approved = EXCEPTION_CASES[kind]
    matched = _match(v, approved=approved)
    assert kind in _kinds(matched)
    assert matched.outcome is MatchOutcome.EXCEPTIONS


@pytest.mark.parametrize(
    "kind",
    [
        ExceptionKind.NO_PURCHASE_ORDER,
        ExceptionKind.UNMATCHED_LINE,
        ExceptionKind.QUANTITY_VARIANCE,
        ExceptionKind.TOTAL_VARIANCE,
        ExceptionKind.OVER_RECEIVED,
        ExceptionKind.OVER_BILLED_PO,
        ExceptionKind.DUPLICATE,
        ExceptionKind.BANK_CHANGE,
    ],
    ids=lambda k: k.value,
)
def test_one_departure_raises_one_exception(kind: ExceptionKind) -> None:
    v, approved = EXCEPTION_CASES[kind]
    assert [e.kind for e in _match(v, approved=approved).exceptions] == [kind]


def test_exceptions_carry_expected_found_and_variance() -> None:
    quantity = _match(EXCEPTION_CASES[ExceptionKind.QUANTITY_VARIANCE][0])
    [q] = quantity.exceptions
    assert (q.line_id, q.expected, q.found, q.variance) == ("2", D(500), D(501), D(1))
    received_ = _match(EXCEPTION_CASES[ExceptionKind.OVER_RECEIVED][0])
    [r] = received_.exceptions
    assert (r.line_id, r.expected, r.found, r.variance) == ("1", D(90), D(100), D(10))
    billed = _match(EXCEPTION_CASES[ExceptionKind.OVER_BILLED_PO][0])
    [b] = billed.exceptions
    assert (b.expected, b.found, b.variance) == (D(600), D("670.00"), D("70.00"))


def test_a_bill_without_an_order_lists_its_lines_unmatched() -> None:
    matched = _match(validated(LINES, ()))
    assert [m.matched_by for m in matched.lines] == ["none", "none", "none"]
    assert not any(m.within_tolerance for m in matched.lines)


# Boundaries: a variance exactly at the band is within; one cent over is not.


def _one_line(po_price: str, bill_price: str, *, quantity: str = "1", amount: str | None = None) -> BillValidated:
    po = order(po_goods("1", "11", quantity, po_price))
    return validated((goods("1", "11", quantity, bill_price, amount),), (po,))


BOUNDARIES = [
    # (id, tolerance, at the band, one cent (or unit) beyond, exception kind)
    (
        "price-absolute-band",
        WIDE.model_copy(update={"price_pct": D("0.5"), "price_abs": D(5)}),
        _one_line("2000.00", "2005.00"),
        _one_line("2000.00", "2005.01"),
        ExceptionKind.PRICE_VARIANCE,
    ),
    (
        "price-percentage-band",
        WIDE.model_copy(update={"price_pct": D("0.5"), "price_abs": D(5)}),
        _one_line("100.00", "100.50"),
        _one_line("100.00", "100.51"),
        ExceptionKind.PRICE_VARIANCE,
    ),
    (
        "price-below-the-order",
        WIDE.model_copy(update={"price_pct": D("0.5"), "price_abs": D(5)}),
        _one_line("2000.00", "1995.00"),
        _one_line("2000.00", "1994.99"),
        ExceptionKind.PRICE_VARIANCE,
    ),
    (
        "line-amount-at-the-ordered-price",
        WIDE.model_copy(update={"price_pct": D(100), "price_abs": D(5)}),
        _one_line("33.33", "33.33", quantity="3", amount="104.99"),
        _one_line("33.33", "33.33", quantity="3", amount="105.00"),
        ExceptionKind.PRICE_VARIANCE,
    ),
    (
        "bill-total",
        WIDE.model_copy(update={"total_pct": D(1), "total_abs": D(10)}),
        validated((goods("1", "11", "1", "1000.00"),), (order(po_goods("1", "11", "1", "1000.00")),), total="1010.00"),
        validated((goods("1", "11", "1", "1000.00"),), (order(po_goods("1", "11", "1", "1000.00")),), total="1010.01"),
        ExceptionKind.TOTAL_VARIANCE,
    ),
    (
        "freight-the-order-does-not-carry",
        TOL,
        validated(
            (goods("1", "11", "1", "1000.00"), charge("2", LineKind.FREIGHT, "5.00")),
            (order(po_goods("1", "11", "1", "1000.00"), total="1005.00"),),
        ),
        validated(
            (goods("1", "11", "1", "1000.00"), charge("2", LineKind.FREIGHT, "5.01")),
            (order(po_goods("1", "11", "1", "1000.00"), total="1005.01"),),
        ),
        ExceptionKind.UNMATCHED_LINE,
    ),
    (
        "freight-above-the-orders",
        TOL,
        validated(
            (goods("1", "11", "1", "1000.00"), charge("2", LineKind.FREIGHT, "45.00")),
            (order(po_goods("1", "11", "1", "1000.00"), po_freight("2", "40.00"), total="1045.00"),),
        ),
        validated(
            (goods("1", "11", "1", "1000.00"), charge("2", LineKind.FREIGHT, "45.21")),
            (order(po_goods("1", "11", "1", "1000.00"), po_freight("2", "40.00"), total="1045.21"),),
        ),
        ExceptionKind.PRICE_VARIANCE,
    ),
    (
        "cumulative-billing",
        TOL,
        validated(
            (goods("1", "11", "1", "10.00"),),
            (order(po_goods("1", "11", "100", "10.00")),),
            earlier=(earlier_bill(billed_per_po={"1001": D("995.00")}),),
        ),
        validated(
            (goods("1", "11", "1", "10.00"),),
            (order(po_goods("1", "11", "100", "10.00")),),
            earlier=(earlier_bill(billed_per_po={"1001": D("995.01")}),),
        ),
        ExceptionKind.OVER_BILLED_PO,
    ),
    (
        "quantity",
        WIDE.model_copy(update={"quantity_pct": D(100), "quantity_abs": D(2)}),
        validated((goods("1", "11", "102", "1.00"),), (order(po_goods("1", "11", "100", "1.00")),)),
        validated((goods("1", "11", "102.01", "1.00"),), (order(po_goods("1", "11", "100", "1.00")),)),
        ExceptionKind.QUANTITY_VARIANCE,
    ),
    (
        "quantity-over-several-bills",
        WIDE.model_copy(update={"quantity_pct": D(100), "quantity_abs": D(1)}),
        validated(
            (goods("1", "11", "41", "1.00"),),
            (order(po_goods("1", "11", "100", "1.00")),),
            earlier=(earlier_bill(billed_quantity={"1001:1": D(60)}),),
        ),
        validated(
            (goods("1", "11", "41.01", "1.00"),),
            (order(po_goods("1", "11", "100", "1.00")),),
            earlier=(earlier_bill(billed_quantity={"1001:1": D(60)}),),
        ),
        ExceptionKind.QUANTITY_VARIANCE,
    ),
    (
        "received-quantity",
        WIDE.model_copy(update={"quantity_pct": D(100), "quantity_abs": D(1)}),
        validated(
            (goods("1", "11", "11", "1.00"),),
            (order(po_goods("1", "11", "20", "1.00")),),
            receipts=(received("1", "10"),),
        ),
        validated(
            (goods("1", "11", "11.01", "1.00", "11.01"),),
            (order(po_goods("1", "11", "20", "1.00")),),
            receipts=(received("1", "10"),),
        ),
        ExceptionKind.OVER_RECEIVED,
    ),
]


@pytest.mark.parametrize(
    ("tolerance", "at_band", "beyond", "kind"), [b[1:] for b in BOUNDARIES], ids=[b[0] for b in BOUNDARIES]
)
def test_a_variance_at_the_band_is_within_and_one_cent_over_is_not(
    tolerance: Tolerance, at_band: BillValidated, beyond: BillValidated, kind: ExceptionKind
) -> None:
    inside = _match(at_band, tolerance)
    assert (inside.outcome, inside.exceptions) == (MatchOutcome.WITHIN_TOLERANCE, ())
    outside = _match(beyond, tolerance)
    assert outside.outcome is MatchOutcome.EXCEPTIONS
    assert kind in _kinds(outside)


def test_the_stricter_band_decides() -> None:
    assert within(D("5.00"), D("1000.00"), D("0.5"), D(5))
    assert not within(D("5.00"), D("999.99"), D("0.5"), D(5)), "0.5% of 999.99 is 4.99995"
    assert not within(D("5.01"), D("100000"), D("0.5"), D(5)), "the absolute band binds on large amounts"
    assert within(D(0), D(0), D(0), D(0)), "zero variance always matches"


# Duplicates and bank changes.


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("INV-0042", "inv 42", True),
        ("INV-0042", "INV-042-", True),
        ("00123", "123", True),
        ("A-100", "A-10", False),
        ("INV-0042", "INV-0043", False),
    ],
)
def test_document_numbers_compare_without_case_spaces_dashes_or_leading_zeros(a: str, b: str, same: bool) -> None:
    assert (normalise_doc_number(a) == normalise_doc_number(b)) is same


@pytest.mark.parametrize(
    ("other", "duplicate"),
    [
        (earlier_bill(total="600.00", txn_date=BILL_DATE - timedelta(days=7)), True),
        (earlier_bill(total="600.00", txn_date=BILL_DATE + timedelta(days=7)), True),
        (earlier_bill(total="600.00", txn_date=BILL_DATE - timedelta(days=8)), False),
        (earlier_bill(total="600.01", txn_date=BILL_DATE), False),
        (earlier_bill(doc_number="INV-020931", total="1.00", txn_date=date(2025, 1, 1)), True),
    ],
    ids=["same-amount-a-week-before", "a-week-after", "eight-days-before", "a-cent-apart", "same-number-long-ago"],
)
def test_duplicates_by_number_or_by_amount_within_the_window(other: object, duplicate: bool) -> None:
    matched = _match(validated(LINES, (PO,), earlier=(other,)))  # type: ignore[arg-type]
    assert (matched.duplicate_of == "990") is duplicate
    assert (ExceptionKind.DUPLICATE in _kinds(matched)) is duplicate


def test_bank_fingerprint_ignores_formatting_and_the_account_name_but_not_the_numbers() -> None:
    same = BankDetails(account_name="Acme", routing_number="021-000-021", account_number=" 4455 6677 88 ")
    assert bank_fingerprint(same) == bank_fingerprint(BANK)
    moved = BANK.model_copy(update={"account_number": "4455667789"})
    assert bank_fingerprint(moved) != bank_fingerprint(BANK)
    assert len(bank_fingerprint(BANK)) == 64


def test_changed_bank_details_hold_the_bill_with_both_masked() -> None:
    moved = BankDetails(account_name="Acme Supply New", routing_number="026009593", account_number="99887766")
    v = validated(LINES, (PO,), bank=moved)
    named = match_bill(v, TOL, bank_fingerprint(BANK), BANK.masked)
    assert named.held and named.outcome is MatchOutcome.EXCEPTIONS
    assert named.bank_change is not None
    assert (named.bank_change.previous, named.bank_change.current, named.bank_change.fingerprint) == (
        "Acme Supply Operating, routing …0021, account …7788",
        "Acme Supply New, routing …9593, account …7766",
        bank_fingerprint(moved),
    )
    unnamed = match_bill(v, TOL, bank_fingerprint(BANK))
    assert unnamed.bank_change is not None and unnamed.bank_change.previous == "last approved details"


def test_no_record_or_no_bank_details_is_no_bank_change() -> None:
    assert match_bill(validated(LINES, (PO,)), TOL, None).bank_change is None
    assert _match(validated(LINES, (PO,), bank=None), approved="0" * 64).bank_change is None


# Tolerances per tenant.


def test_each_tenants_tolerances_are_read_from_its_file() -> None:
    book = ToleranceBook.load(RulesSettings().tenants_dir)
    demo = book.for_tenant("demo-co")
    assert (demo.price_pct, demo.price_abs, demo.total_abs, demo.duplicate_window_days) == (D("0.5"), D(5), D(10), 7)
    assert book.for_tenant("shadow-co")
    with pytest.raises(PolicyRefused):
        book.for_tenant("nobody-co")


def test_a_tolerance_file_with_an_unknown_band_is_refused() -> None:
    with pytest.raises(ValueError, match="price_percent"):
        parse_tolerance({"tenant": "x", "version": "1", **TOL.model_dump(), "price_percent": "1"})


# Properties.

cents = st.integers(min_value=1, max_value=500_000).map(lambda c: D(c) / 100)
quantities = st.integers(min_value=1, max_value=200).map(D)
ITEMS = ("11", "12", "13")


@st.composite
def bills(draw: st.DrawFn) -> BillValidated:
    """Up to two orders of a few lines (items may repeat), and a bill that bills some of them. About half the bills
    are clean (the ordered prices and quantities, the order's freight, everything received); the others may differ
    in price or quantity, carry a line no order carries or freight the order does not, or follow earlier bills."""
    clean = draw(st.booleans())
    messy = (lambda: False) if clean else (lambda: draw(st.integers(0, 3)) == 0)
    orders: list[PurchaseOrder] = []
    for po_id in draw(st.sampled_from([("1001",), ("1001", "1002")])):
        lines = [
            po_goods(str(i), draw(st.sampled_from(ITEMS)), str(draw(quantities)), str(draw(cents)))
            for i in range(1, draw(st.integers(1, 4)) + 1)
        ]
        if draw(st.booleans()):
            lines.append(po_freight(str(len(lines) + 1), str(draw(cents))))
        orders.append(order(*lines, po_id=po_id))
    billed: list[BillLine] = []
    for po in orders:
        for po_line in po.lines:
            if not draw(st.booleans()):
                continue
            if po_line.kind is LineKind.FREIGHT:
                billed.append(charge("", LineKind.FREIGHT, str(po_line.amount)))
                continue
            assert po_line.unit_price is not None and po_line.quantity is not None
            price, quantity = po_line.unit_price, po_line.quantity
            if messy():
                price += draw(st.sampled_from([D("0.01"), D("-0.01"), D("0.50"), D(3)]))
            if messy():
                quantity -= draw(st.sampled_from([D(1), D(-1)]))
            if price > 0 and quantity > 0:
                billed.append(goods("", po_line.item_id or "", str(quantity), str(price), po_id=po.po_id))
    if messy():
        billed.append(goods("", "99", "1", str(draw(cents)), description="Not ordered"))
    if messy():
        billed.append(charge("", LineKind.FREIGHT, str(draw(cents))))
    numbered = [line.model_copy(update={"line_id": str(i)}) for i, line in enumerate(billed, start=1)]
    if draw(st.booleans()):
        numbered.append(charge("tax", LineKind.TAX, str(draw(cents)), "Tax"))
    receipts = None
    if draw(st.booleans()):
        receipts = tuple(
            received(line.line_id, str(line.quantity - (1 if messy() else 0)), po.po_id)
            for po in orders
            for line in po.lines
            if line.quantity is not None
        )
    earlier = ()
    if messy():
        earlier = (earlier_bill(billed_per_po={orders[0].po_id: draw(cents)}),)
    return validated(tuple(numbered), tuple(orders), receipts=receipts, earlier=earlier)


tolerances = st.builds(
    Tolerance,
    price_pct=st.sampled_from([D(0), D("0.5"), D(5)]),
    price_abs=st.sampled_from([D(0), D(5), D(50)]),
    quantity_pct=st.sampled_from([D(0), D(10)]),
    quantity_abs=st.sampled_from([D(0), D(1)]),
    total_pct=st.sampled_from([D(0), D("0.5"), D(5)]),
    total_abs=st.sampled_from([D(0), D(10), D(100)]),
    duplicate_window_days=st.just(7),
)


@settings(max_examples=200, deadline=None)
@given(bills(), tolerances, st.randoms(use_true_random=False))
def test_matching_is_independent_of_line_order(v: BillValidated, tolerance: Tolerance, rnd: object) -> None:
    lines = list(v.bill.lines)
    rnd.shuffle(lines)  # type: ignore[attr-defined]
    orders = [po.model_copy(update={"lines": tuple(rnd.sample(po.lines, len(po.lines)))}) for po in v.purchase_orders]  # type: ignore[attr-defined]
    rnd.shuffle(orders)  # type: ignore[attr-defined]
    shuffled = v.model_copy(
        update={"bill": v.bill.model_copy(update={"lines": tuple(lines)}), "purchase_orders": tuple(orders)}
    )
    assert match_bill(shuffled, tolerance, None) == match_bill(v, tolerance, None)


@settings(max_examples=300, deadline=None)
@given(cents, st.lists(cents, max_size=3), cents, tolerances)
def test_cumulative_billing_never_exceeds_the_order_beyond_tolerance_without_an_exception(
    ordered: Decimal, earlier: list[Decimal], this: Decimal, tolerance: Tolerance
) -> None:
    po = order(PoLine(line_id="1", description="Consulting", amount=ordered, account_id="60"))
    line = BillLine(line_id="1", kind=LineKind.GOODS, description="Consulting", amount=this, account_id="60")
    others = tuple(
        earlier_bill(bill_id=str(900 + i), doc_number=f"E-{i}", total=str(amount), billed_per_po={"1001": amount})
        for i, amount in enumerate(earlier)
    )
    matched = match_bill(validated((line,), (po,), earlier=others), tolerance, None)
    over = sum(earlier, D(0)) + this - ordered
    if over > 0 and not within(over, ordered, tolerance.total_pct, tolerance.total_abs):
        assert ExceptionKind.OVER_BILLED_PO in _kinds(matched)
        assert matched.outcome is MatchOutcome.EXCEPTIONS
    if over <= 0:
        assert ExceptionKind.OVER_BILLED_PO not in _kinds(matched)


@settings(max_examples=300, deadline=None)
@given(bills(), tolerances, st.sampled_from(["none", "same", "other"]))
def test_nothing_with_an_exception_or_a_bank_change_is_matched_or_within_tolerance(
    v: BillValidated, tolerance: Tolerance, record: str
) -> None:
    approved = {"none": None, "same": bank_fingerprint(BANK), "other": "0" * 64}[record]
    matched = match_bill(v, tolerance, approved)
    assert (matched.outcome is MatchOutcome.EXCEPTIONS) == bool(matched.exceptions)
    event(f"outcome {matched.outcome.value}, held {matched.held}")
    assert (matched.bank_change is not None) == (record == "other")
    if matched.held:
        assert matched.outcome is MatchOutcome.EXCEPTIONS
        assert ExceptionKind.BANK_CHANGE in _kinds(matched)
    if matched.outcome is MatchOutcome.MATCHED:
        assert all(
            (m.quantity_variance, m.price_variance, m.amount_variance) == (0, 0, 0) and m.within_tolerance
            for m in matched.lines
        )


@settings(max_examples=300, deadline=None)
@given(cents, cents, quantities, st.integers(min_value=-500, max_value=500))
def test_variances_are_exact_decimals_rounded_half_up_to_the_cent(
    po_price: Decimal, bill_price: Decimal, quantity: Decimal, off_cents: int
) -> None:
    """The amount the bill states may be off its own arithmetic: the variance is against the ordered price, exact."""
    amount = (quantity * bill_price).quantize(D("0.01")) + D(off_cents) / 100
    v = validated(
        (goods("1", "11", str(quantity), str(bill_price), str(amount)),),
        (order(po_goods("1", "11", "500", str(po_price))),),
    )
    [line] = match_bill(v, WIDE, None).lines
    assert line.price_variance == bill_price - po_price
    assert line.amount_variance == amount - quantity * po_price  # cents times whole units: nothing to round
    assert line.amount_variance.as_tuple().exponent == -2


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=1, max_value=10**9))
def test_the_band_is_inclusive_to_the_cent(band_cents: int, expected_cents: int) -> None:
    band, expected = D(band_cents) / 100, D(expected_cents) / 100
    pct = D(100)  # the absolute band binds whenever it is below the expected value
    if band <= expected:
        assert within(band, expected, pct, band)
        assert within(-band, expected, pct, band)
    assert not within(band + D("0.01"), expected + band + 1, pct, band)


def test_money_from_fractional_unit_prices_rounds_half_up() -> None:
    v = validated((goods("1", "11", "3", "0.335", "1.01"),), (order(po_goods("1", "11", "3", "0.335", "1.01")),))
    [line] = match_bill(v, WIDE, None).lines
    assert line.amount_variance == D("0.00"), "3 x 0.335 = 1.005 is 1.01, half up (half even would be 1.00)"


# The operator's offline check.


def test_ap_check_prints_the_match_the_variances_and_the_route() -> None:
    answer = CliRunner().invoke(
        COMMANDS,
        [
            "check",
            str(DATA / "bill.json"),
            str(DATA / "po.json"),
            str(DATA / "receipts.json"),
            "--vendor",
            str(DATA / "vendor.json"),
        ],
    )
    assert answer.exit_code == 0, answer.output
    lines = answer.output.splitlines()
    assert "Outcome: within tolerance" in lines
    assert "Purchase orders: PO-1001; three-way (receipts checked) match" in lines
    assert any(
        x.startswith("  1: item, PO 1001 line 1; quantity variance 0, price variance 0.02, amount variance 2.00")
        for x in lines
    )
    [route] = [x for x in lines if x.startswith("Route: ")]
    assert "USD 602.00" in route
    if "ap_matching" in names():
        assert route.startswith("Route: human, bookkeeper"), "a variance goes to a person, the bookkeeper below 5,000"


def test_ap_check_names_the_bad_field_of_a_malformed_bill(tmp_path: Path) -> None:
    broken = tmp_path / "bill.json"
    broken.write_text((DATA / "bill.json").read_text().replace('"TotalAmt": 602.00', '"TotalAmt": "602.00"'))
    answer = CliRunner().invoke(COMMANDS, ["check", str(broken), str(DATA / "po.json")])
    assert answer.exit_code == 1
    assert "Bill.TotalAmt" in answer.output
