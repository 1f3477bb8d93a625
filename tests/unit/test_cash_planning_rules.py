"""Cash planning rules: the three causes of a shortfall, no breach, the buffer to the cent, collection dates from
each customer's history (and without one), risk rules, payroll on weekends and holidays, currencies refused or
converted explicitly, alerts with hysteresis; then the properties the issue asks for (money conserved day by day,
input order irrelevant, more money in never lowers a balance, breach iff a closing is below the buffer, every
amount a Decimal to the cent, an unchanged recomputation never alerts)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from contracts.cash_planning import (
    AlertKind,
    AlertState,
    BankBalance,
    BufferPolicy,
    Cadence,
    CashProjected,
    CashSnapshot,
    EstimateBasis,
    FlowKind,
    OpenBill,
    OpenInvoice,
    PaidInvoice,
    PayrollRun,
    PlannedItem,
    RecurringOutflow,
    RiskPolicy,
    RiskReason,
    ShortfallCause,
    TriggerVerdict,
)
from services.rules.pipelines.cash_planning.domain import (
    alert_decision,
    expected_collections,
    occurrences,
    pay_day,
    plan_cash,
)

D = Decimal
AS_OF = date(2025, 6, 2)  # a Monday
POLICY = BufferPolicy(minimum=D("5000.00"), realert_growth=D("1000.00"))


def day(n: int) -> date:
    """The n-th day of the horizon: day(1) is as_of."""
    return AS_OF + timedelta(days=n - 1)


def bank(amount: str, account_id: str = "35", currency: str = "USD") -> BankBalance:
    return BankBalance(account_id=account_id, name=f"Checking {account_id}", currency=currency, balance=D(amount))


def invoice(invoice_id: str, amount: str, due: date, customer: str = "C1", **more: Any) -> OpenInvoice:
    return OpenInvoice(
        invoice_id=invoice_id, doc_number=f"INV-{invoice_id}", customer_id=customer,
        customer_name=f"Customer {customer}", currency=more.pop("currency", "USD"), balance=D(amount), due_date=due,
        **more,
    )  # fmt: skip


def history(customer: str, *days_late: int) -> tuple[PaidInvoice, ...]:
    """Paid invoices of the customer, oldest first, a month apart, each `days_late` late."""
    records = []
    for n, late in enumerate(days_late):
        due = AS_OF - timedelta(days=400 - 30 * n)
        records.append(
            PaidInvoice(customer_id=customer, invoice_id=f"{customer}-P{n}", due_date=due,
                        paid_on=due + timedelta(days=late))
        )  # fmt: skip
    return tuple(records)


def bill(bill_id: str, amount: str, due: date) -> OpenBill:
    return OpenBill(
        bill_id=bill_id, doc_number=f"B-{bill_id}", vendor_id="V1", vendor_name="Vendor One", currency="USD",
        balance=D(amount), due_date=due,
    )  # fmt: skip


def payroll(run_id: str, amount: str, pay_date: date) -> PayrollRun:
    return PayrollRun(run_id=run_id, pay_date=pay_date, amount=D(amount), currency="USD")


def snapshot(**over: Any) -> CashSnapshot:
    base: dict[str, Any] = {
        "realm_id": "realm-1", "as_of": AS_OF, "currency": "USD", "balances": (bank("60000.00"),),
        "payroll": (payroll("P-0613", "45000.00", day(12)),), "buffer": POLICY,
    }  # fmt: skip
    return CashSnapshot(**{**base, **over})


# The seeded company of the issue: payroll in 12 days exceeds what cash can spare, a large receivable in 20.
LARGE = invoice("1", "80000.00", day(15))  # due day 15; the customer pays 5 days late: expected on day 20
PUNCTUAL_ENOUGH = history("C1", 3, 5, 7)


def test_payroll_before_a_large_receivable_is_a_timing_gap_naming_it() -> None:
    projected = plan_cash(snapshot(invoices=(LARGE,), history=PUNCTUAL_ENOUGH))
    assert (projected.buffer.amount, projected.buffer.payroll, projected.buffer.payroll_on) == (
        D("50000.00"),
        D("45000.00"),
        day(12),
    )
    facts = projected.shortfall
    assert facts is not None
    assert facts.cause is ShortfallCause.TIMING_GAP
    assert (facts.first_breach_on, facts.days_to_breach, facts.first_breach_balance) == (day(12), 11, D("15000.00"))
    assert (facts.lowest_balance, facts.lowest_on, facts.shortfall) == (D("15000.00"), day(12), D("35000.00"))
    assert [(o.kind, o.ref, o.amount) for o in facts.breach_outflows] == [(FlowKind.PAYROLL, "P-0613", D("45000.00"))]
    assert (facts.recovers_on, facts.recovered_balance, facts.end_shortfall) == (day(20), D("95000.00"), D("0.00"))
    [receivable] = facts.receivables
    assert (receivable.invoice_id, receivable.expected_on, receivable.estimated_days_late) == ("1", day(20), 5)
    assert (receivable.basis, receivable.sample_size, receivable.risks) == (EstimateBasis.CUSTOMER, 3, ())
    assert [i.ref for i in facts.arriving] == ["1"]


def test_the_same_receivable_disputed_is_a_receivable_at_risk_naming_it() -> None:
    disputed = LARGE.model_copy(update={"disputed": True})
    promised = invoice("2", "10000.00", day(-3), customer="C2", promised_on=day(0))  # promised yesterday, unpaid
    projected = plan_cash(snapshot(invoices=(disputed, promised), history=PUNCTUAL_ENOUGH))
    facts = projected.shortfall
    assert facts is not None
    assert facts.cause is ShortfallCause.RECEIVABLE_AT_RISK
    assert (facts.end_balance, facts.end_shortfall, facts.at_risk_total) == (
        D("15000.00"),
        D("35000.00"),
        D("90000.00"),
    )
    assert [(r.invoice_id, r.amount, r.risks) for r in facts.receivables] == [
        ("1", D("80000.00"), (RiskReason.DISPUTED,)),
        ("2", D("10000.00"), (RiskReason.BROKEN_PROMISE,)),
    ]
    assert facts.covering == ("1",)
    assert (facts.recovers_on, facts.uncovered) == (None, D("0.00"))
    # The expected scenario still counts it: it recovers on day 20 there, not in the conservative one.
    assert projected.expected.days[-1].closing == D("105000.00")
    assert projected.conservative.days[-1].closing == D("15000.00")


def test_outflows_beyond_every_expected_inflow_are_structural() -> None:
    stale = invoice("9", "10000.00", day(-70), customer="C9")  # 71 days overdue: at risk
    projected = plan_cash(snapshot(invoices=(stale,), bills=(bill("7", "100000.00", day(5)),)))
    facts = projected.shortfall
    assert facts is not None
    assert facts.cause is ShortfallCause.STRUCTURAL
    assert (facts.first_breach_on, facts.first_breach_balance) == (day(5), D("-40000.00"))
    assert (facts.end_balance, facts.end_shortfall, facts.at_risk_total, facts.uncovered) == (
        D("-85000.00"),
        D("135000.00"),
        D("10000.00"),
        D("125000.00"),
    )
    assert [r.risks for r in facts.receivables] == [(RiskReason.LONG_OVERDUE,)]


def test_no_breach_no_facts() -> None:
    projected = plan_cash(snapshot(balances=(bank("200000.00"),)))
    assert projected.shortfall is None
    assert not projected.verdict.breached
    assert (projected.verdict.lowest_balance, projected.verdict.lowest_on, projected.verdict.shortfall) == (
        D("155000.00"),
        day(12),
        D("0.00"),
    )
    assert all(not d.below_buffer for d in projected.conservative.days)


@pytest.mark.parametrize(
    ("balance", "breached", "shortfall"),
    [("95000.00", False, "0.00"), ("94999.99", True, "0.01"), ("95000.01", False, "0.00")],
)
def test_a_balance_exactly_at_the_buffer_after_payroll_is_not_short(
    balance: str, breached: bool, shortfall: str
) -> None:
    projected = plan_cash(snapshot(balances=(bank(balance),)))
    verdict = projected.verdict
    assert (verdict.buffer, verdict.breached, verdict.shortfall) == (D("50000.00"), breached, D(shortfall))
    assert (verdict.first_breach_on == day(12)) is breached


def test_the_buffer_is_the_minimum_alone_when_the_policy_leaves_payroll_out() -> None:
    policy = POLICY.model_copy(update={"include_next_payroll": False})
    projected = plan_cash(snapshot(buffer=policy))
    assert (projected.buffer.amount, projected.buffer.payroll, projected.buffer.payroll_on) == (
        D("5000.00"),
        D("0.00"),
        None,
    )
    assert not projected.verdict.breached  # 15,000 after payroll is above the 5,000 minimum


# Expected collection dates.


def _collection(inv: OpenInvoice, paid: tuple[PaidInvoice, ...], **risk: Any) -> tuple[date, int, EstimateBasis, int]:
    [c] = expected_collections(snapshot(invoices=(inv,), history=paid, risk=RiskPolicy(**risk)))
    return c.expected_on, c.estimated_days_late, c.basis, c.sample_size


@pytest.mark.parametrize(
    ("customer", "paid", "risk", "expected"),
    [
        pytest.param("C1", history("C1", 3, 5, 7), {}, (day(25), 5, EstimateBasis.CUSTOMER, 3), id="median"),
        pytest.param("C1", history("C1", 1, 9), {}, (day(29), 9, EstimateBasis.CUSTOMER, 2), id="upper-median"),
        pytest.param(
            "C1", history("C1", 90, 90, 2, 2, 2, 2, 2, 2), {}, (day(22), 2, EstimateBasis.CUSTOMER, 6), id="last-six"
        ),
        pytest.param("C1", history("C1", -3, -3, -2), {}, (day(17), -3, EstimateBasis.CUSTOMER, 3), id="early"),
        pytest.param(
            "C2",
            history("C1", 2, 10, 4) + history("C3", 20),
            {},
            (day(30), 10, EstimateBasis.COMPANY, 4),
            id="no-history-company",
        ),
        pytest.param("C2", (), {}, (day(20), 0, EstimateBasis.DEFAULT, 0), id="no-history-anywhere"),
        pytest.param("C2", (), {"default_days_late": 7}, (day(27), 7, EstimateBasis.DEFAULT, 0), id="default"),
    ],
)
def test_expected_collection_date_from_the_customers_own_history(
    customer: str, paid: tuple[PaidInvoice, ...], risk: dict[str, Any], expected: tuple[date, int, EstimateBasis, int]
) -> None:
    assert _collection(invoice("1", "100.00", day(20), customer=customer), paid, **risk) == expected


def test_an_invoice_past_its_expected_date_falls_on_the_first_day() -> None:
    [c] = expected_collections(snapshot(invoices=(invoice("1", "100.00", day(-19)),), history=history("C1", 5)))
    assert (c.days_overdue, c.expected_on, c.risks) == (20, AS_OF, ())
    projected = plan_cash(snapshot(invoices=(invoice("1", "100.00", day(-19)),), history=history("C1", 5)))
    assert [(i.ref, i.scheduled) for i in projected.conservative.days[0].inflow_items] == [("1", day(-14))]


@pytest.mark.parametrize(
    ("inv", "paid", "risks"),
    [
        (invoice("1", "1.00", AS_OF - timedelta(days=60)), (), ()),
        (invoice("1", "1.00", AS_OF - timedelta(days=61)), (), (RiskReason.LONG_OVERDUE,)),
        (invoice("1", "1.00", day(5), promised_on=day(1)), (), ()),
        (invoice("1", "1.00", day(5), promised_on=day(0)), (), (RiskReason.BROKEN_PROMISE,)),
        (invoice("1", "1.00", day(5), disputed=True), (), (RiskReason.DISPUTED,)),
        (invoice("1", "1.00", day(5)), history("C1", 29), ()),
        (invoice("1", "1.00", day(5)), history("C1", 30), (RiskReason.CHRONICALLY_LATE,)),
        (invoice("1", "1.00", day(5), customer="C2"), history("C1", 40), ()),  # the fallback is not C2's history
    ],
)
def test_receivables_at_risk_by_explicit_rules(
    inv: OpenInvoice, paid: tuple[PaidInvoice, ...], risks: tuple[RiskReason, ...]
) -> None:
    [c] = expected_collections(snapshot(invoices=(inv,), history=paid))
    assert c.risks == risks


# Schedules.


@pytest.mark.parametrize(
    ("scheduled", "paid"),
    [
        (date(2025, 6, 13), date(2025, 6, 13)),  # Friday
        (date(2025, 6, 14), date(2025, 6, 13)),  # Saturday
        (date(2025, 6, 15), date(2025, 6, 13)),  # Sunday
        (date(2025, 6, 20), date(2025, 6, 18)),  # a Friday holiday after a Thursday one
    ],
)
def test_payroll_on_a_weekend_or_holiday_is_paid_the_business_day_before(scheduled: date, paid: date) -> None:
    holidays = (date(2025, 6, 19), date(2025, 6, 20))
    assert pay_day(scheduled, holidays) == paid
    projected = plan_cash(snapshot(payroll=(payroll("P", "45000.00", scheduled),), holidays=holidays))
    [run] = [i for d in projected.conservative.days for i in d.outflow_items]
    assert (run.on, run.scheduled) == (paid, scheduled)
    assert projected.buffer.payroll_on == paid


def test_recurring_items_repeat_within_the_horizon_and_monthly_ones_keep_to_the_month() -> None:
    rent = RecurringOutflow(
        recurring_id="R1", description="Rent", amount=D("3000.00"), currency="USD", cadence=Cadence.MONTHLY,
        next_on=date(2025, 1, 31),
    )  # fmt: skip
    assert occurrences(rent, date(2025, 1, 1), date(2025, 4, 30)) == [
        date(2025, 1, 31),
        date(2025, 2, 28),
        date(2025, 3, 31),
        date(2025, 4, 30),
    ]
    tools = rent.model_copy(update={"cadence": Cadence.BIWEEKLY, "next_on": day(-6), "until": day(22)})
    projected = plan_cash(snapshot(recurring=(tools,)))
    recurring = [i for d in projected.conservative.days for i in d.outflow_items if i.kind is FlowKind.RECURRING]
    assert [(i.ref, i.on) for i in recurring] == [("R1@2025-06-09", day(8)), ("R1@2025-06-23", day(22))]


def test_schedule_entries_that_have_passed_are_left_out_and_open_documents_fall_on_the_first_day() -> None:
    projected = plan_cash(
        snapshot(
            payroll=(payroll("old", "45000.00", day(-14)),),
            bills=(bill("late", "1000.00", day(-3)),),
            planned=(
                PlannedItem(
                    item_id="loan", description="Loan", on=day(0), direction="inflow", amount=D(1), currency="USD"
                ),
            ),
        )
    )
    first = projected.conservative.days[0]
    assert [(i.ref, i.scheduled) for i in first.outflow_items] == [("late", day(-3))]
    assert first.inflow_items == ()
    assert projected.buffer.payroll == D("0.00")


# Currencies.


def test_an_account_in_another_currency_without_a_rate_is_refused() -> None:
    with pytest.raises(ValidationError, match="balances 36 is in EUR, the snapshot in USD, and no rate given"):
        snapshot(balances=(bank("60000.00"), bank("1000.00", "36", "EUR")))


def test_an_account_in_another_currency_is_converted_at_the_stated_rate() -> None:
    projected = plan_cash(snapshot(balances=(bank("60000.00"), bank("1000.00", "36", "EUR")), rates={"EUR": "1.0855"}))
    eur = projected.accounts[1]
    assert eur.amount == D("1085.50")
    assert eur.converted is not None
    assert (eur.converted.amount, eur.converted.currency, eur.converted.rate) == (D("1000.00"), "EUR", D("1.0855"))
    assert projected.conservative.days[0].opening == D("61085.50")


def test_a_rate_for_the_snapshots_own_currency_or_an_id_twice_is_refused() -> None:
    with pytest.raises(ValidationError, match="USD is the snapshot's own currency"):
        snapshot(rates={"USD": "1"})
    with pytest.raises(ValidationError, match="invoices: an id appears twice"):
        snapshot(invoices=(LARGE, LARGE))


# Alerts.


def _verdict(first: date | None, shortfall: str = "0.00", lowest: str = "50000.00") -> TriggerVerdict:
    return TriggerVerdict(
        breached=first is not None, buffer=D("50000.00"), first_breach_on=first,
        first_breach_balance=None if first is None else D(lowest), lowest_balance=D(lowest), lowest_on=day(12),
        shortfall=D(shortfall),
    )  # fmt: skip


def test_alerts_are_edge_triggered_with_hysteresis() -> None:
    policy = POLICY.model_copy(update={"recovery_margin": D("500.00")})
    steps = [
        (_verdict(day(12), "35000.00"), AlertKind.SHORTFALL, ()),
        (_verdict(day(12), "35000.00"), None, ()),  # recomputed, unchanged
        (_verdict(day(12), "35500.00"), None, ()),  # grew by less than 1,000 since the alert
        (_verdict(day(12), "36000.00"), AlertKind.WORSENED, ("grown",)),  # 1,000 since the alert, not the last run
        (_verdict(day(10), "36000.00"), AlertKind.WORSENED, ("earlier",)),
        (_verdict(day(14), "20000.00"), None, ()),  # later and smaller: nothing new to say
        (_verdict(None, lowest="50200.00"), None, ()),  # above the buffer, not yet by the margin
        (_verdict(None, lowest="50500.00"), AlertKind.RECOVERED, ()),
        (_verdict(None, lowest="50500.00"), None, ()),
    ]
    state: AlertState | None = None
    for verdict, kind, why in steps:
        decision = alert_decision(state, verdict, policy)
        assert (decision.kind, decision.worsened_by) == (kind, why), verdict
        state = decision.state
    assert state is None


def test_one_alert_for_the_seeded_company_and_one_recovered_notice_when_the_payment_arrives() -> None:
    before = snapshot(invoices=(LARGE.model_copy(update={"disputed": True}),), history=PUNCTUAL_ENOUGH)
    kinds, state = [], None
    for snap in (before, before, before):
        decision = alert_decision(state, plan_cash(snap).verdict, POLICY)
        kinds.append(decision.kind)
        state = decision.state
    paid = before.model_copy(update={"invoices": (), "balances": (bank("140000.00"),)})
    decision = alert_decision(state, plan_cash(paid).verdict, POLICY)
    assert [*kinds, decision.kind] == [AlertKind.SHORTFALL, None, None, AlertKind.RECOVERED]


# Properties.

cents = st.integers(min_value=1, max_value=10_000_000).map(lambda c: D(c).scaleb(-2))
balances = st.integers(min_value=-2_000_000, max_value=20_000_000).map(lambda c: D(c).scaleb(-2))
dates = st.integers(min_value=-90, max_value=45).map(day)
CUSTOMERS = ("C1", "C2", "C3", "C4")
currencies = st.sampled_from(["USD", "USD", "EUR"])
rarely = st.sampled_from([False, False, False, True])


@st.composite
def snapshots(draw: st.DrawFn) -> CashSnapshot:
    def many(n: int, make: Any) -> tuple[Any, ...]:
        return tuple(make(str(i)) for i in range(draw(st.integers(0, n))))

    return CashSnapshot(
        realm_id="realm-1",
        as_of=AS_OF,
        horizon_days=draw(st.sampled_from([30, 30, 7])),
        currency="USD",
        rates={"EUR": D("1.0855")},
        balances=many(3, lambda i: bank(str(draw(balances)), i, draw(currencies))) or (bank("0.00"),),
        invoices=many(
            6,
            lambda i: invoice(
                i,
                str(draw(cents)),
                draw(st.integers(-40, 35).map(day)),
                customer=draw(st.sampled_from(CUSTOMERS)),
                currency=draw(currencies),
                disputed=draw(rarely),
                promised_on=draw(dates) if draw(rarely) else None,
            ),
        ),
        history=tuple(
            p
            for c in CUSTOMERS
            for p in history(c, *draw(st.lists(st.integers(-10, 40), max_size=draw(st.sampled_from([0, 3, 8])))))
        ),
        bills=many(6, lambda i: bill(i, str(draw(cents)), draw(dates))),
        payroll=many(3, lambda i: payroll(i, str(draw(cents)), draw(dates))),
        recurring=many(
            2,
            lambda i: RecurringOutflow(
                recurring_id=i,
                description="Recurring",
                amount=draw(cents),
                currency=draw(currencies),
                cadence=draw(st.sampled_from(Cadence)),
                next_on=draw(dates),
            ),
        ),
        planned=many(
            3,
            lambda i: PlannedItem(
                item_id=i,
                description="Planned",
                on=draw(dates),
                direction=draw(st.sampled_from(["inflow", "outflow"])),
                amount=draw(cents),
                currency=draw(currencies),
            ),
        ),
        holidays=tuple(draw(st.lists(dates, max_size=3))),
        buffer=BufferPolicy(
            minimum=draw(st.integers(0, 5_000_000).map(lambda c: D(c).scaleb(-2))),
            include_next_payroll=draw(st.booleans()),
            realert_growth=D("1000.00"),
        ),
    )


def _closings(projected: CashProjected) -> list[Decimal]:
    return [d.closing for d in (*projected.expected.days, *projected.conservative.days)]


@settings(max_examples=200, deadline=None)
@given(snapshots())
def test_money_is_conserved_day_by_day(snap: CashSnapshot) -> None:
    projected = plan_cash(snap)
    for projection in (projected.expected, projected.conservative):
        days = projection.days
        assert [d.day for d in days] == [AS_OF + timedelta(days=n) for n in range(snap.horizon_days)]
        assert days[0].opening == sum((a.amount for a in projected.accounts), D(0))
        for before, after in pairwise(days):
            assert after.opening == before.closing
        for d in days:
            assert d.closing == d.opening + d.inflows - d.outflows
            assert d.inflows == sum((i.amount for i in d.inflow_items), D(0))
            assert d.outflows == sum((o.amount for o in d.outflow_items), D(0))
            assert all(i.on == d.day for i in (*d.inflow_items, *d.outflow_items))


@settings(max_examples=200, deadline=None)
@given(snapshots(), st.randoms(use_true_random=False))
def test_the_projection_is_independent_of_input_order(snap: CashSnapshot, rnd: Any) -> None:
    fields = ("balances", "invoices", "history", "bills", "payroll", "recurring", "planned", "holidays")
    shuffled = snap.model_copy(update={f: tuple(rnd.sample(getattr(snap, f), len(getattr(snap, f)))) for f in fields})
    assert plan_cash(shuffled) == plan_cash(snap)


@settings(max_examples=200, deadline=None)
@given(snapshots(), st.sampled_from(["balance", "invoice", "planned"]), st.integers(0, 10), cents)
def test_raising_any_inflow_never_lowers_any_closing_balance(
    snap: CashSnapshot, what: str, which: int, more: Decimal
) -> None:
    if what == "balance":
        items = list(snap.balances)
        n = which % len(items)
        items[n] = items[n].model_copy(update={"balance": items[n].balance + more})
        raised = snap.model_copy(update={"balances": tuple(items)})
    elif what == "invoice" and snap.invoices:
        invoices = list(snap.invoices)
        n = which % len(invoices)
        invoices[n] = invoices[n].model_copy(update={"balance": invoices[n].balance + more})
        raised = snap.model_copy(update={"invoices": tuple(invoices)})
    else:
        extra = PlannedItem(item_id="extra", description="Extra", on=day(1 + which), direction="inflow", amount=more,
                            currency="USD")  # fmt: skip
        raised = snap.model_copy(update={"planned": (*snap.planned, extra)})
    before, after = plan_cash(snap), plan_cash(raised)
    assert all(a >= b for a, b in zip(_closings(after), _closings(before), strict=True))
    assert after.verdict.shortfall <= before.verdict.shortfall


@settings(max_examples=300, deadline=None)
@given(snapshots())
def test_a_breach_is_detected_iff_some_closing_balance_is_below_the_buffer(snap: CashSnapshot) -> None:
    projected = plan_cash(snap)
    buffer, days, verdict = projected.buffer.amount, projected.conservative.days, projected.verdict
    below = [d.day for d in days if d.closing < buffer]
    event(f"breached {bool(below)}")
    assert verdict.breached == bool(below) == (projected.shortfall is not None)
    assert verdict.first_breach_on == (below[0] if below else None)
    assert verdict.lowest_balance == min(d.closing for d in days)
    assert verdict.shortfall == (buffer - verdict.lowest_balance if below else 0)
    facts = projected.shortfall
    if facts is None:
        return
    event(f"cause {facts.cause.value}")
    at_risk = {c.invoice_id: c.amount for c in projected.collections if c.at_risk}
    assert facts.at_risk_total == sum(at_risk.values(), D(0))
    if facts.cause is ShortfallCause.TIMING_GAP:
        assert facts.recovers_on is not None and facts.recovers_on > facts.first_breach_on
        assert all(d.closing >= buffer for d in days if d.day >= facts.recovers_on)
        assert all(not c.at_risk for c in facts.receivables)
    elif facts.cause is ShortfallCause.RECEIVABLE_AT_RISK:
        assert 0 < facts.end_shortfall <= facts.at_risk_total
        assert sum((at_risk[i] for i in facts.covering), D(0)) >= facts.end_shortfall
    else:
        assert facts.uncovered == facts.end_shortfall - facts.at_risk_total > 0


def _decimals(value: Any, key: str = "") -> list[tuple[str, Decimal]]:
    if isinstance(value, dict):
        return [x for k, v in value.items() for x in _decimals(v, k)]
    if isinstance(value, list | tuple):
        return [x for v in value for x in _decimals(v, key)]
    assert not isinstance(value, float), key
    return [(key, value)] if isinstance(value, Decimal) else []


@settings(max_examples=200, deadline=None)
@given(snapshots())
def test_every_amount_is_a_decimal_to_the_cent(snap: CashSnapshot) -> None:
    amounts = [(k, v) for k, v in _decimals(plan_cash(snap).model_dump()) if k != "rate"]
    assert amounts
    assert all(v.as_tuple().exponent == -2 for _, v in amounts), [x for x in amounts if x[1].as_tuple().exponent != -2]


@settings(max_examples=300, deadline=None)
@given(snapshots(), st.none() | st.builds(AlertState, first_breach_on=dates, shortfall=cents))
def test_recomputing_unchanged_facts_never_alerts_again(snap: CashSnapshot, previous: AlertState | None) -> None:
    verdict = plan_cash(snap).verdict
    first = alert_decision(previous, verdict, snap.buffer)
    again = alert_decision(first.state, verdict, snap.buffer)
    event(f"first {first.kind}")
    assert again.kind is None
    assert again.state == first.state
