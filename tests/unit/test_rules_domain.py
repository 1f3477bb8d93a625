"""Rules: days overdue, dunning stages, payment behaviour and every reason to skip a follow-up."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.invoice_followup import (
    CollectionStatus,
    DunningStage,
    FollowUpDue,
    FollowUpSkipped,
    PastInvoice,
    SkipReason,
)
from services.rules.pipelines.invoice_followup.domain import (
    DunningPolicy,
    average_days_to_pay,
    days_overdue,
    decide,
    dunning_stage,
)
from tests.unit.factories import AS_OF, invoice_validated, payment

DEFAULT = DunningPolicy()
SEVERITY = list(DunningStage)  # declared mildest first
dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
cents = st.integers(min_value=1, max_value=10**9).map(lambda c: Decimal(c).scaleb(-2))


def _due(result: FollowUpDue | FollowUpSkipped) -> FollowUpDue:
    assert isinstance(result, FollowUpDue), f"expected a follow-up, got {result!r}"
    return result


def _skipped(result: FollowUpDue | FollowUpSkipped) -> FollowUpSkipped:
    assert isinstance(result, FollowUpSkipped), f"expected a skip, got {result!r}"
    return result


# --- days overdue and stages ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "as_of", "expected"),
    [
        (date(2026, 11, 21), date(2026, 11, 21), 0),  # due today: not overdue
        (date(2026, 11, 22), date(2026, 11, 21), 0),  # due tomorrow: never negative
        (date(2026, 11, 20), date(2026, 11, 21), 1),
        (date(2026, 2, 28), date(2026, 3, 1), 1),  # across a month end
        (date(2024, 2, 28), date(2024, 3, 1), 2),  # leap year
        (date(2025, 12, 31), date(2026, 1, 30), 30),  # across a year end
    ],
)
def test_days_overdue_counts_calendar_days_past_due(due: date, as_of: date, expected: int) -> None:
    assert days_overdue(due, as_of) == expected


@given(due=dates, as_of=dates)
@settings(max_examples=200, deadline=None)
def test_days_overdue_is_never_negative_and_is_the_calendar_difference(due: date, as_of: date) -> None:
    days = days_overdue(due, as_of)
    assert days >= 0
    if as_of > due:
        assert due + timedelta(days=days) == as_of
    else:
        assert days == 0


@pytest.mark.parametrize(
    ("days", "stage"),
    [
        (1, DunningStage.GENTLE),
        (7, DunningStage.GENTLE),
        (8, DunningStage.FIRM),
        (30, DunningStage.FIRM),
        (31, DunningStage.FINAL),
        (60, DunningStage.FINAL),
        (61, DunningStage.ESCALATE),
        (365, DunningStage.ESCALATE),
    ],
)
def test_default_policy_stage_boundaries(days: int, stage: DunningStage) -> None:
    assert dunning_stage(days, DEFAULT) is stage


@pytest.mark.parametrize("days", [0, -1])
def test_an_invoice_that_is_not_overdue_has_no_stage(days: int) -> None:
    with pytest.raises(ValueError, match="not overdue"):
        dunning_stage(days, DEFAULT)


@pytest.mark.parametrize(
    "stages",
    [
        (),
        ((2, DunningStage.GENTLE),),  # must start on day 1
        ((1, DunningStage.GENTLE), (1, DunningStage.FIRM)),  # duplicate start
        ((1, DunningStage.GENTLE), (30, DunningStage.FIRM), (8, DunningStage.FINAL)),  # out of order
    ],
)
def test_policy_rejects_stage_tables_that_leave_days_uncovered_or_ambiguous(
    stages: tuple[tuple[int, DunningStage], ...],
) -> None:
    with pytest.raises(ValueError, match="stages must start at day 1"):
        DunningPolicy(stages=stages)


@st.composite
def policies(draw: st.DrawFn) -> DunningPolicy:
    count = draw(st.integers(min_value=1, max_value=len(SEVERITY)))
    later_starts = draw(st.lists(st.integers(2, 400), min_size=count - 1, max_size=count - 1, unique=True))
    chosen = sorted(
        draw(st.lists(st.sampled_from(SEVERITY), min_size=count, max_size=count, unique=True)),
        key=SEVERITY.index,
    )
    return DunningPolicy(stages=tuple(zip([1, *sorted(later_starts)], chosen, strict=True)))


@given(policy=policies(), a=st.integers(1, 1000), b=st.integers(1, 1000))
@settings(max_examples=200, deadline=None)
def test_dunning_stage_is_total_and_monotonic_for_any_valid_policy(policy: DunningPolicy, a: int, b: int) -> None:
    low, high = sorted((a, b))
    stage_low, stage_high = dunning_stage(low, policy), dunning_stage(high, policy)
    assert SEVERITY.index(stage_low) <= SEVERITY.index(stage_high)
    # The stage is the one whose start is the latest on or before the day.
    expected = max((start, stage) for start, stage in policy.stages if start <= high)[1]
    assert stage_high is expected


# --- payment behaviour ----------------------------------------------------------------------------


def _past(due: date, delay: int, invoice_id: str = "90") -> PastInvoice:
    return PastInvoice(invoice_id=invoice_id, due_date=due, paid_on=due + timedelta(days=delay))


@pytest.mark.parametrize(
    ("delays", "expected"),
    [
        ([], None),
        ([10], Decimal("10.0")),
        ([-3, 4], Decimal("0.5")),  # early payers pull the mean down
        ([1, 2, 2], Decimal("1.7")),  # 5/3 rounded to a tenth
        ([-5, -5], Decimal("-5.0")),
    ],
)
def test_average_days_to_pay(delays: list[int], expected: Decimal | None) -> None:
    history = [_past(date(2026, 1, 1) + timedelta(days=30 * i), d, str(i)) for i, d in enumerate(delays)]
    assert average_days_to_pay(history) == expected


@given(delays=st.lists(st.integers(-60, 400), min_size=1, max_size=30), due=dates)
@settings(max_examples=200, deadline=None)
def test_average_days_to_pay_lies_between_fastest_and_slowest_payment(delays: list[int], due: date) -> None:
    history = [_past(due, d, str(i)) for i, d in enumerate(delays)]
    average = average_days_to_pay(history)
    assert average is not None
    assert min(delays) <= average <= max(delays)
    assert average.as_tuple().exponent == -1


# --- decide: follow-up or skip --------------------------------------------------------------------


def test_overdue_invoice_gets_a_follow_up_with_every_figure_computed() -> None:
    history = (
        PastInvoice(invoice_id="80", due_date=date(2026, 3, 1), paid_on=date(2026, 3, 21)),  # 20 days late
        PastInvoice(invoice_id="81", due_date=date(2026, 5, 1), paid_on=date(2026, 4, 29)),  # 2 days early
    )
    invoice = invoice_validated(due_date=date(2026, 10, 20), customer_history=history)
    due = _due(decide(invoice, last_contacted=None, policy=DEFAULT))
    assert due.amount_due == Decimal("1250.00")
    assert due.days_overdue == 32
    assert due.stage is DunningStage.FINAL
    assert due.average_days_to_pay == Decimal("9.0")
    assert due.late_invoices_paid == 1
    assert due.broken_promise_on is None
    assert (due.invoice_number, due.customer_email, due.currency) == (
        "1131",
        "billing@harbor-marine.example",
        "USD",
    )


@pytest.mark.parametrize(
    ("days", "stage"),
    [(1, DunningStage.GENTLE), (8, DunningStage.FIRM), (31, DunningStage.FINAL), (61, DunningStage.ESCALATE)],
)
def test_decide_stage_follows_days_overdue(days: int, stage: DunningStage) -> None:
    due = _due(decide(invoice_validated(due_date=AS_OF - timedelta(days=days)), None, DEFAULT))
    assert (due.days_overdue, due.stage) == (days, stage)


@pytest.mark.parametrize(
    ("overrides", "last_contacted", "reason"),
    [
        # The Balance read is stale, but payments applied since cover the total.
        ({"payments": (payment("1250.00"),)}, None, SkipReason.PAID_SINCE),
        (
            {"payments": (payment("1000.00"), payment("250.00", payment_id="5002"))},
            None,
            SkipReason.PAID_SINCE,
        ),
        ({"balance": Decimal("0.00")}, None, SkipReason.PAID_SINCE),
        ({"due_date": AS_OF}, None, SkipReason.NOT_YET_DUE),
        ({"due_date": AS_OF + timedelta(days=10)}, None, SkipReason.NOT_YET_DUE),
        ({"collection_status": CollectionStatus.DISPUTED}, None, SkipReason.DISPUTED),
        (
            {"collection_status": CollectionStatus.PROMISE_TO_PAY, "promised_on": AS_OF + timedelta(days=3)},
            None,
            SkipReason.PROMISE_PENDING,
        ),
        (
            {"collection_status": CollectionStatus.PROMISE_TO_PAY, "promised_on": AS_OF},
            None,
            SkipReason.PROMISE_PENDING,
        ),
        ({}, AS_OF - timedelta(days=6), SkipReason.CONTACTED_RECENTLY),  # inside the 7-day cadence
        ({}, AS_OF, SkipReason.CONTACTED_RECENTLY),
    ],
    ids=[
        "paid-since-one-payment",
        "paid-since-two-payments",
        "zero-balance",
        "due-today",
        "due-later",
        "disputed",
        "promise-pending",
        "promise-due-today",
        "contacted-6-days-ago",
        "contacted-today",
    ],
)
def test_skip_reasons(overrides: dict[str, object], last_contacted: date | None, reason: SkipReason) -> None:
    skipped = _skipped(decide(invoice_validated(**overrides), last_contacted, DEFAULT))
    assert skipped.reason is reason
    assert (skipped.invoice_id, skipped.invoice_number) == ("131", "1131")


def test_contacted_just_outside_the_cadence_gets_a_follow_up() -> None:
    due = _due(decide(invoice_validated(), last_contacted=AS_OF - timedelta(days=7), policy=DEFAULT))
    assert due.days_overdue == 32


def test_cadence_comes_from_the_policy() -> None:
    weekly, fortnightly = DunningPolicy(cadence_days=7), DunningPolicy(cadence_days=14)
    contacted = AS_OF - timedelta(days=10)
    assert isinstance(decide(invoice_validated(), contacted, weekly), FollowUpDue)
    assert _skipped(decide(invoice_validated(), contacted, fortnightly)).reason is SkipReason.CONTACTED_RECENTLY


def test_broken_promise_gets_a_follow_up_naming_the_promise_date() -> None:
    promised = AS_OF - timedelta(days=4)
    invoice = invoice_validated(collection_status=CollectionStatus.PROMISE_TO_PAY, promised_on=promised)
    due = _due(decide(invoice, None, DEFAULT))
    assert due.broken_promise_on == promised


def test_a_partial_payment_leaves_the_rest_due_when_the_balance_is_stale() -> None:
    invoice = invoice_validated(payments=(payment("400.00"),))  # Balance still shows the full 1250.00
    assert _due(decide(invoice, None, DEFAULT)).amount_due == Decimal("850.00")


def test_a_partial_payment_is_not_subtracted_twice_when_the_balance_is_current() -> None:
    # Seed shape: TotalAmt 1000, a 600 payment applied, QuickBooks Balance updated to 400.
    invoice = invoice_validated(
        total_amount=Decimal("1000.00"), balance=Decimal("400.00"), payments=(payment("600.00"),)
    )
    assert _due(decide(invoice, None, DEFAULT)).amount_due == Decimal("400.00")


def test_disputed_wins_over_a_recent_contact() -> None:
    invoice = invoice_validated(collection_status=CollectionStatus.DISPUTED)
    assert _skipped(decide(invoice, AS_OF, DEFAULT)).reason is SkipReason.DISPUTED


@given(
    total=cents,
    paid_parts=st.lists(st.integers(min_value=1, max_value=10**6), max_size=5),
)
@settings(max_examples=200, deadline=None)
def test_amount_due_is_exact_decimal_arithmetic_on_cents(total: Decimal, paid_parts: list[int]) -> None:
    payments = tuple(payment(str(Decimal(c).scaleb(-2)), payment_id=str(5000 + i)) for i, c in enumerate(paid_parts))
    paid = sum((p.amount for p in payments), Decimal("0.00"))
    invoice = invoice_validated(total_amount=total, balance=total, payments=payments)  # stale Balance
    result = decide(invoice, None, DEFAULT)
    if paid >= total:
        assert _skipped(result).reason is SkipReason.PAID_SINCE
        return
    due = _due(result)
    assert due.amount_due == total - paid
    assert str(due.amount_due) == str(total - paid)  # same digits: no float drift, cents kept
    assert due.amount_due.as_tuple().exponent == -2
