"""Cash planning rules: a company's cash, day by day over the horizon, against its buffer. Pure.

Horizon: `horizon_days` days from `as_of`, both ends included; the first day opens with the bank balances' sum.

Expected collection date of an open invoice: its due date plus its customer's estimated days late, the upper
median (of an even count, the later middle value, so a tie leans late) of the days late of the customer's last
`history_size` paid invoices (latest paid first). Fallback for a customer with no paid invoice: the upper median
of every customer's last `history_size`, pooled; when no customer has any history, `default_days_late`.

At risk, by explicit rules (any of them): disputed; more than `overdue_days_at_risk` days overdue; a promise to
pay whose date has passed with the invoice still open; a customer whose own history (not the fallback) gives an
estimate of `chronic_late_days` or more.

Where items fall: an open document (invoice, bill) whose date has passed falls on the first day; a schedule entry
(payroll, recurring, planned) dated before `as_of` has passed and is left out; a payroll on a weekend or holiday
is paid on the business day before; anything after the horizon is left out.

Two scenarios: expected (every receivable at its expected date) and conservative (receivables at risk left out).
The buffer is the policy's minimum plus, when the policy says so, the first payroll date's runs in the horizon.
Trigger: the conservative projection breaches when a day closes strictly below the buffer (a balance exactly at
the buffer is not short).

Cause of a breach, from the conservative projection's last day:
- timing gap: it closes at or above the buffer; the balance recovers within the horizon without any receivable at
  risk. The facts name the inflows from the day after the first breach to the recovery day.
- receivable at risk: it closes below, by less than (or exactly) the receivables at risk together; the facts name
  them, largest first, and the fewest that cover the shortfall.
- structural: even every receivable at risk would leave it below: outflows exceed all expected inflows.

Alerts are edge-triggered: one when a shortfall appears, another only when its first day moves earlier or it grows
by `realert_growth` since the last alert, one 'recovered' when the lowest balance is back at the buffer plus
`recovery_margin`; otherwise silence, however often the projection is recomputed.

Money is rounded to the cent, half up, once, where it enters (after any conversion); sums of cents stay exact.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from contracts.cash_planning import (
    AlertDecision,
    AlertKind,
    AlertState,
    Buffer,
    BufferPolicy,
    Cadence,
    CashProjected,
    CashSnapshot,
    Conversion,
    EstimateBasis,
    ExpectedCollection,
    FlowItem,
    FlowKind,
    OpeningBalance,
    OpenInvoice,
    PaidInvoice,
    Projection,
    ProjectionDay,
    RecurringOutflow,
    RiskPolicy,
    RiskReason,
    Scenario,
    ShortfallCause,
    ShortfallFacts,
    TriggerVerdict,
    Worsening,
)

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
SATURDAY = 5
_KIND_ORDER = {kind: n for n, kind in enumerate(FlowKind)}


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def total(amounts: Iterable[Decimal]) -> Decimal:
    return sum(amounts, ZERO)


def horizon_end(snapshot: CashSnapshot) -> date:
    return snapshot.as_of + timedelta(days=snapshot.horizon_days - 1)


def priced(snapshot: CashSnapshot, amount: Decimal, currency: str) -> tuple[Decimal, Conversion | None]:
    """The amount in the snapshot's currency, with the conversion that produced it (the contract refuses a
    currency without a rate, so every amount here has one)."""
    if currency == snapshot.currency:
        return money(amount), None
    rate = snapshot.rates[currency]
    return money(amount * rate), Conversion(amount=money(amount), currency=currency, rate=rate)


# Expected collection dates.


@dataclass(frozen=True)
class Lateness:
    days: int
    basis: EstimateBasis
    sample_size: int


def upper_median(values: Sequence[int]) -> int:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def _latest_first(paid: PaidInvoice) -> tuple[date, str, date]:
    return (paid.paid_on, paid.invoice_id, paid.due_date)


@dataclass(frozen=True)
class Estimator:
    """Each customer's estimated days late, and the fallback for customers without history."""

    by_customer: Mapping[str, Lateness]
    fallback: Lateness

    @classmethod
    def from_history(cls, history: Iterable[PaidInvoice], risk: RiskPolicy) -> Estimator:
        paid_by: defaultdict[str, list[PaidInvoice]] = defaultdict(list)
        for paid in history:
            paid_by[paid.customer_id].append(paid)
        recent = {
            customer: [p.days_late for p in sorted(paid, key=_latest_first, reverse=True)[: risk.history_size]]
            for customer, paid in paid_by.items()
        }
        pooled = [days for sample in recent.values() for days in sample]
        fallback = (
            Lateness(upper_median(pooled), EstimateBasis.COMPANY, len(pooled))
            if pooled
            else Lateness(risk.default_days_late, EstimateBasis.DEFAULT, 0)
        )
        by_customer = {c: Lateness(upper_median(s), EstimateBasis.CUSTOMER, len(s)) for c, s in recent.items()}
        return cls(by_customer, fallback)

    def lateness(self, customer_id: str) -> Lateness:
        return self.by_customer.get(customer_id, self.fallback)


def risks_of(invoice: OpenInvoice, lateness: Lateness, as_of: date, risk: RiskPolicy) -> tuple[RiskReason, ...]:
    found = []
    if invoice.disputed:
        found.append(RiskReason.DISPUTED)
    if (as_of - invoice.due_date).days > risk.overdue_days_at_risk:
        found.append(RiskReason.LONG_OVERDUE)
    if invoice.promised_on is not None and invoice.promised_on < as_of:
        found.append(RiskReason.BROKEN_PROMISE)
    if lateness.basis is EstimateBasis.CUSTOMER and lateness.days >= risk.chronic_late_days:
        found.append(RiskReason.CHRONICALLY_LATE)
    return tuple(found)


def expected_collection(invoice: OpenInvoice, snapshot: CashSnapshot, estimator: Estimator) -> ExpectedCollection:
    lateness = estimator.lateness(invoice.customer_id)
    amount, converted = priced(snapshot, invoice.balance, invoice.currency)
    estimate = invoice.due_date + timedelta(days=lateness.days)
    return ExpectedCollection(
        invoice_id=invoice.invoice_id,
        doc_number=invoice.doc_number,
        customer_id=invoice.customer_id,
        customer_name=invoice.customer_name,
        amount=amount,
        converted=converted,
        due_date=invoice.due_date,
        days_overdue=max(0, (snapshot.as_of - invoice.due_date).days),
        estimated_days_late=lateness.days,
        basis=lateness.basis,
        sample_size=lateness.sample_size,
        expected_on=max(estimate, snapshot.as_of),
        risks=risks_of(invoice, lateness, snapshot.as_of, snapshot.risk),
    )


def expected_collections(snapshot: CashSnapshot) -> tuple[ExpectedCollection, ...]:
    """Every open invoice's expected collection, by date then invoice id."""
    estimator = Estimator.from_history(snapshot.history, snapshot.risk)
    found = (expected_collection(i, snapshot, estimator) for i in snapshot.invoices)
    return tuple(sorted(found, key=lambda c: (c.expected_on, c.invoice_id)))


# Schedules.


def pay_day(scheduled: date, holidays: Iterable[date]) -> date:
    """The business day on or before `scheduled`: payroll is funded before a weekend or holiday, not after."""
    closed = frozenset(holidays)
    day = scheduled
    while day.weekday() >= SATURDAY or day in closed:
        day -= timedelta(days=1)
    return day


def _nth(item: RecurringOutflow, n: int) -> date:
    if item.cadence is Cadence.WEEKLY:
        return item.next_on + timedelta(weeks=n)
    if item.cadence is Cadence.BIWEEKLY:
        return item.next_on + timedelta(weeks=2 * n)
    year, month = divmod(item.next_on.year * 12 + item.next_on.month - 1 + n, 12)
    return date(year, month + 1, min(item.next_on.day, calendar.monthrange(year, month + 1)[1]))


def occurrences(item: RecurringOutflow, start: date, end: date) -> list[date]:
    """The item's dates from `start` to `end`, both included, none after `until`."""
    last = end if item.until is None else min(end, item.until)
    found = []
    n = 0
    while (day := _nth(item, n)) <= last:
        if day >= start:
            found.append(day)
        n += 1
    return found


def _payroll(snapshot: CashSnapshot) -> list[FlowItem]:
    items = []
    for run in snapshot.payroll:
        if run.pay_date < snapshot.as_of:
            continue
        amount, converted = priced(snapshot, run.amount, run.currency)
        on = max(pay_day(run.pay_date, snapshot.holidays), snapshot.as_of)
        items.append(
            FlowItem(
                kind=FlowKind.PAYROLL,
                ref=run.run_id,
                description=run.description,
                on=on,
                scheduled=run.pay_date,
                amount=amount,
                converted=converted,
            )
        )
    return items


def _outflows(snapshot: CashSnapshot) -> list[FlowItem]:
    items = _payroll(snapshot)
    for bill in snapshot.bills:
        amount, converted = priced(snapshot, bill.balance, bill.currency)
        items.append(
            FlowItem(
                kind=FlowKind.BILL,
                ref=bill.bill_id,
                description=f"Bill {bill.doc_number}",
                counterparty=bill.vendor_name,
                on=max(bill.due_date, snapshot.as_of),
                scheduled=bill.due_date,
                amount=amount,
                converted=converted,
            )
        )
    for item in snapshot.recurring:
        amount, converted = priced(snapshot, item.amount, item.currency)
        for day in occurrences(item, snapshot.as_of, horizon_end(snapshot)):
            items.append(
                FlowItem(
                    kind=FlowKind.RECURRING,
                    ref=f"{item.recurring_id}@{day.isoformat()}",
                    description=item.description,
                    counterparty=item.vendor_name,
                    on=day,
                    scheduled=day,
                    amount=amount,
                    converted=converted,
                )
            )
    return items


def _receivables(collections: Iterable[ExpectedCollection]) -> list[FlowItem]:
    return [
        FlowItem(
            kind=FlowKind.RECEIVABLE,
            ref=c.invoice_id,
            description=f"Invoice {c.doc_number}",
            counterparty=c.customer_name,
            on=c.expected_on,
            scheduled=c.due_date + timedelta(days=c.estimated_days_late),
            amount=c.amount,
            converted=c.converted,
        )
        for c in collections
    ]


def _planned(snapshot: CashSnapshot, direction: Literal["inflow", "outflow"]) -> list[FlowItem]:
    kind = FlowKind.PLANNED_INFLOW if direction == "inflow" else FlowKind.PLANNED_OUTFLOW
    items = []
    for item in snapshot.planned:
        if item.direction != direction or item.on < snapshot.as_of:
            continue
        amount, converted = priced(snapshot, item.amount, item.currency)
        items.append(
            FlowItem(
                kind=kind,
                ref=item.item_id,
                description=item.description,
                on=item.on,
                scheduled=item.on,
                amount=amount,
                converted=converted,
            )
        )
    return items


def _by_day(items: Iterable[FlowItem], end: date) -> dict[date, tuple[FlowItem, ...]]:
    grouped: defaultdict[date, list[FlowItem]] = defaultdict(list)
    for item in items:
        if item.on <= end:
            grouped[item.on].append(item)
    return {day: tuple(sorted(found, key=lambda i: (_KIND_ORDER[i.kind], i.ref))) for day, found in grouped.items()}


# Projection, buffer, trigger.


def opening_balances(snapshot: CashSnapshot) -> tuple[OpeningBalance, ...]:
    found = []
    for account in sorted(snapshot.balances, key=lambda a: a.account_id):
        amount, converted = priced(snapshot, account.balance, account.currency)
        opening = OpeningBalance(account_id=account.account_id, name=account.name, amount=amount, converted=converted)
        found.append(opening)
    return tuple(found)


def buffer_for(snapshot: CashSnapshot) -> Buffer:
    minimum = money(snapshot.buffer.minimum)
    runs = [r for r in _payroll(snapshot) if r.on <= horizon_end(snapshot)]
    if not snapshot.buffer.include_next_payroll or not runs:
        return Buffer(amount=minimum, minimum=minimum, payroll=ZERO)
    first = min(r.on for r in runs)
    payroll = total(r.amount for r in runs if r.on == first)
    return Buffer(amount=minimum + payroll, minimum=minimum, payroll=payroll, payroll_on=first)


def project(
    snapshot: CashSnapshot, collections: Iterable[ExpectedCollection], scenario: Scenario, buffer: Buffer
) -> Projection:
    """Each day: opening (the day before's closing), inflows, outflows, closing, and the items behind them."""
    end = horizon_end(snapshot)
    counted = [c for c in collections if scenario is Scenario.EXPECTED or not c.at_risk]
    inflows = _by_day([*_receivables(counted), *_planned(snapshot, "inflow")], end)
    outflows = _by_day([*_outflows(snapshot), *_planned(snapshot, "outflow")], end)
    opening = total(b.amount for b in opening_balances(snapshot))
    days = []
    for n in range(snapshot.horizon_days):
        day = snapshot.as_of + timedelta(days=n)
        ins, outs = inflows.get(day, ()), outflows.get(day, ())
        inflow, outflow = total(i.amount for i in ins), total(o.amount for o in outs)
        closing = opening + inflow - outflow
        days.append(
            ProjectionDay(
                day=day,
                opening=opening,
                inflows=inflow,
                outflows=outflow,
                closing=closing,
                inflow_items=ins,
                outflow_items=outs,
                below_buffer=closing < buffer.amount,
            )
        )
        opening = closing
    return Projection(scenario=scenario, days=tuple(days))


def trigger(projection: Projection, buffer: Buffer) -> TriggerVerdict:
    lowest = min(projection.days, key=lambda d: (d.closing, d.day))
    first = next((d for d in projection.days if d.closing < buffer.amount), None)
    return TriggerVerdict(
        breached=first is not None,
        buffer=buffer.amount,
        first_breach_on=None if first is None else first.day,
        first_breach_balance=None if first is None else first.closing,
        lowest_balance=lowest.closing,
        lowest_on=lowest.day,
        shortfall=ZERO if first is None else buffer.amount - lowest.closing,
    )


# The explanation.


def _covering(at_risk: Sequence[ExpectedCollection], needed: Decimal) -> tuple[str, ...]:
    chosen, covered = [], ZERO
    for collection in at_risk:
        if covered >= needed:
            break
        chosen.append(collection.invoice_id)
        covered += collection.amount
    return tuple(chosen)


def explain(
    snapshot: CashSnapshot,
    buffer: Buffer,
    collections: Sequence[ExpectedCollection],
    conservative: Projection,
    verdict: TriggerVerdict,
) -> ShortfallFacts | None:
    """The facts of a breach of the conservative projection (None without one); see the module for the causes."""
    if not verdict.breached:
        return None
    days = conservative.days
    first = next(d for d in days if d.below_buffer)
    end_shortfall = max(ZERO, buffer.amount - days[-1].closing)
    at_risk = sorted((c for c in collections if c.at_risk), key=lambda c: (-c.amount, c.invoice_id))
    at_risk_total = total(c.amount for c in at_risk)
    facts = {
        "realm_id": snapshot.realm_id, "as_of": snapshot.as_of, "horizon_end": horizon_end(snapshot),
        "currency": snapshot.currency, "buffer": buffer, "first_breach_on": first.day,
        "days_to_breach": (first.day - snapshot.as_of).days, "first_breach_balance": first.closing,
        "breach_outflows": first.outflow_items, "lowest_balance": verdict.lowest_balance,
        "lowest_on": verdict.lowest_on, "shortfall": verdict.shortfall, "end_balance": days[-1].closing,
        "end_shortfall": end_shortfall, "at_risk_total": at_risk_total,
    }  # fmt: skip
    if end_shortfall == ZERO:
        start = len(days)
        while not days[start - 1].below_buffer:
            start -= 1
        recovery = days[start]
        arriving = tuple(i for d in days if first.day < d.day <= recovery.day for i in d.inflow_items)
        received = {i.ref for i in arriving if i.kind is FlowKind.RECEIVABLE}
        return ShortfallFacts(
            **facts, cause=ShortfallCause.TIMING_GAP, recovers_on=recovery.day, recovered_balance=recovery.closing,
            arriving=arriving, receivables=tuple(c for c in collections if c.invoice_id in received), uncovered=ZERO,
        )  # fmt: skip
    if at_risk_total >= end_shortfall:
        return ShortfallFacts(
            **facts, cause=ShortfallCause.RECEIVABLE_AT_RISK, receivables=tuple(at_risk),
            covering=_covering(at_risk, end_shortfall), uncovered=ZERO,
        )  # fmt: skip
    return ShortfallFacts(
        **facts, cause=ShortfallCause.STRUCTURAL, receivables=tuple(at_risk), uncovered=end_shortfall - at_risk_total
    )


def plan_cash(snapshot: CashSnapshot) -> CashProjected:
    """The whole deterministic core: collections, buffer, both projections, the verdict and the facts."""
    collections = expected_collections(snapshot)
    buffer = buffer_for(snapshot)
    conservative = project(snapshot, collections, Scenario.CONSERVATIVE, buffer)
    verdict = trigger(conservative, buffer)
    return CashProjected(
        realm_id=snapshot.realm_id,
        as_of=snapshot.as_of,
        horizon_end=horizon_end(snapshot),
        currency=snapshot.currency,
        buffer=buffer,
        accounts=opening_balances(snapshot),
        collections=collections,
        expected=project(snapshot, collections, Scenario.EXPECTED, buffer),
        conservative=conservative,
        verdict=verdict,
        shortfall=explain(snapshot, buffer, collections, conservative, verdict),
    )


# Alerts.


def alert_decision(previous: AlertState | None, verdict: TriggerVerdict, policy: BufferPolicy) -> AlertDecision:
    """Edge-triggered with hysteresis: `previous` is what the last alert said (None when nothing is alerted)."""
    if verdict.first_breach_on is not None:
        now = AlertState(first_breach_on=verdict.first_breach_on, shortfall=verdict.shortfall)
        if previous is None:
            return AlertDecision(kind=AlertKind.SHORTFALL, state=now)
        worse: list[Worsening] = []
        if now.first_breach_on < previous.first_breach_on:
            worse.append("earlier")
        if now.shortfall - previous.shortfall >= policy.realert_growth:
            worse.append("grown")
        if worse:
            return AlertDecision(kind=AlertKind.WORSENED, worsened_by=tuple(worse), state=now)
        return AlertDecision(kind=None, state=previous)
    if previous is not None and verdict.lowest_balance >= verdict.buffer + policy.recovery_margin:
        return AlertDecision(kind=AlertKind.RECOVERED, state=None)
    return AlertDecision(kind=None, state=previous)
