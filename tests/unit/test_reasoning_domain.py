"""Reasoning: what the model may see, the grounding check every draft must pass, and what a draft costs."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.invoice_followup import DunningStage, FollowUpDue
from services.reasoning.adapters.prompt_files import load_prompt
from services.reasoning.llm import Prompt, cost_usd
from services.reasoning.pipelines import invoice_followup
from services.reasoning.pipelines.invoice_followup.adapters.offline import OfflineDrafter
from services.reasoning.pipelines.invoice_followup.domain import Draft, check_grounding, prompt_facts
from shared.errors import DraftRefused
from tests.unit.factories import follow_up_due

SENDER = "Dana Whitfield"
PROMPT = Prompt(prompt_id="followup_email", version="1", system="Write a follow-up.")
# follow_up_due(): invoice 1131, USD 1250.00 due 2026-10-20, as of 2026-11-21, 32 days, avg 12.5, 3 late.
GOOD = (
    "Dear Harbor Marine,\n\n"
    "Invoice 1131 for USD 1250.00 was due on 2026-10-20 and is now 32 days overdue.\n\n"
    f"Thank you,\n{SENDER}"
)


def test_prompt_facts_hold_only_what_a_follow_up_needs() -> None:
    due = follow_up_due(broken_promise_on=date(2026, 11, 10))
    assert prompt_facts(due, SENDER) == {
        "invoice_number": "1131",
        "customer_name": "Harbor Marine",
        "amount_due": "1250.00",
        "currency": "USD",
        "due_date": "2026-10-20",
        "days_overdue": 32,
        "stage": "final",
        "average_days_to_pay": "12.5",
        "broken_promise_date": "2026-11-10",
        "sender_name": SENDER,
    }


def test_prompt_facts_leave_out_the_email_address_and_customer_id() -> None:
    facts = prompt_facts(follow_up_due(average_days_to_pay=None), SENDER)
    assert "billing@harbor-marine.example" not in facts.values()
    assert "customer_id" not in facts
    assert facts["average_days_to_pay"] is None
    assert facts["broken_promise_date"] is None


def test_the_shipped_prompt_file_loads_with_its_id_and_version() -> None:
    prompt = load_prompt(invoice_followup.__name__, "followup_email.v1")
    assert (prompt.prompt_id, prompt.version) == ("followup_email", "1")
    assert "submit_followup_draft" in prompt.system
    assert not prompt.system.startswith("---")


# --- grounding -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        GOOD,
        GOOD.replace("USD 1250.00", "USD 1,250.00"),  # thousands separator
        GOOD.replace("USD 1250.00", "USD 1250"),  # same amount, as a number
        GOOD.replace("2026-10-20", "October 20, 2026"),
        GOOD.replace("2026-10-20", "Oct. 20th, 2026"),
        GOOD + "\nYou usually pay 12.5 days after the due date; 3 invoices were paid late.",
        GOOD + "\nAs of 2026-11-21.",
    ],
    ids=["iso", "thousands-separator", "no-cents", "words-date", "abbrev-ordinal-date", "history", "as-of"],
)
def test_a_draft_built_from_the_facts_passes(text: str) -> None:
    check_grounding(text, follow_up_due(), SENDER)


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        (GOOD.replace("1250.00", "1205.00"), "figure that is not a fact: '1205.00'"),
        (GOOD.replace("1250.00", "1250.50"), "figure that is not a fact"),
        (GOOD.replace("2026-10-20", "2026-10-21"), "date that is not a fact: '2026-10-21'"),
        (GOOD.replace("2026-10-20", "March 5, 2026"), "date that is not a fact: 'March 5, 2026'"),
        (GOOD + "\nPay within 5 days to avoid a 2% fee.", "figure that is not a fact: '5'"),
        (GOOD.replace("32 days", "33 days"), "figure that is not a fact: '33'"),
        (GOOD.replace("Invoice 1131", "Your invoice"), "does not mention invoice 1131"),
        (GOOD.replace(" for USD 1250.00", ""), "does not state the amount due"),
    ],
    ids=[
        "wrong-amount",
        "amount-off-by-cents",
        "wrong-iso-date",
        "wrong-words-date",
        "invented-figures",
        "wrong-day-count",
        "missing-invoice-number",
        "missing-amount",
    ],
)
def test_an_ungrounded_draft_is_refused(text: str, complaint: str) -> None:
    with pytest.raises(DraftRefused, match=complaint.replace("(", r"\(")):
        check_grounding(text, follow_up_due(), SENDER)


def test_a_broken_promise_date_is_a_fact_only_when_there_was_a_promise() -> None:
    text = GOOD + "\nYou had promised payment by 2026-11-10."
    check_grounding(text, follow_up_due(broken_promise_on=date(2026, 11, 10)), SENDER)
    with pytest.raises(DraftRefused, match="2026-11-10"):
        check_grounding(text, follow_up_due(), SENDER)


def test_digits_inside_the_customer_or_sender_name_are_not_figures() -> None:
    due = follow_up_due(customer_name="Studio 54 Events")
    check_grounding(GOOD.replace("Harbor Marine", "Studio 54 Events"), due, "Team 7 Billing")


def test_a_correct_august_date_in_words_passes() -> None:
    due = follow_up_due(due_date=date(2026, 8, 5), as_of=date(2026, 9, 6), days_overdue=32)
    check_grounding(GOOD.replace("2026-10-20", "August 5, 2026"), due, SENDER)


def test_an_impossible_iso_date_is_refused_as_ungrounded() -> None:
    with pytest.raises(DraftRefused):
        check_grounding(GOOD.replace("2026-10-20", "2026-02-30"), follow_up_due(), SENDER)


# --- the offline drafter's drafts are always grounded ----------------------------------------------

money = st.integers(min_value=1, max_value=10**9).map(lambda c: Decimal(c).scaleb(-2))
words = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz&'.", min_size=1, max_size=12)


@st.composite
def due_facts(draw: st.DrawFn) -> FollowUpDue:
    as_of = draw(st.dates(min_value=date(2001, 1, 1), max_value=date(2099, 12, 31)))
    days = draw(st.integers(min_value=1, max_value=400))
    promise = draw(st.none() | st.integers(min_value=1, max_value=60))
    return FollowUpDue(
        invoice_id=draw(st.from_regex(r"[1-9][0-9]{0,5}", fullmatch=True)),
        invoice_number=draw(st.from_regex(r"(INV-)?[0-9]{1,7}", fullmatch=True)),
        customer_id="12",
        customer_name=" ".join(draw(st.lists(words, min_size=1, max_size=4))),
        customer_email="ap@customer.example",
        currency=draw(st.sampled_from(["USD", "CAD", "EUR", "GBP"])),
        amount_due=draw(money),
        due_date=as_of - timedelta(days=days),
        as_of=as_of,
        days_overdue=days,
        stage=draw(st.sampled_from(list(DunningStage))),
        average_days_to_pay=draw(st.none() | st.integers(-100, 1000).map(lambda t: Decimal(t).scaleb(-1))),
        late_invoices_paid=draw(st.integers(0, 50)),
        broken_promise_on=None if promise is None else as_of - timedelta(days=promise),
    )


def _figures(due: FollowUpDue) -> str:
    dates = [due.due_date, due.as_of, *([due.broken_promise_on] if due.broken_promise_on else [])]
    return " ".join([str(due.amount_due), *(d.isoformat() for d in dates)])


@given(due=due_facts(), sender=st.sampled_from([SENDER, "Accounts Receivable", "Ops"]))
@settings(max_examples=200, deadline=None)
async def test_offline_drafts_always_pass_the_grounding_check(due: FollowUpDue, sender: str) -> None:
    # Invoice numbers that are a substring of a printed figure are pinned by the xfail test below.
    if due.invoice_number in _figures(due):
        due = due.model_copy(update={"invoice_number": f"INV-{due.invoice_number}X"})
    draft = await OfflineDrafter().draft_followup(PROMPT, prompt_facts(due, sender))
    check_grounding(f"{draft.subject}\n{draft.body}", due, sender)
    assert due.invoice_number in draft.subject
    assert f"{due.currency} {due.amount_due}" in draft.body
    assert draft.body.endswith(sender)
    assert (draft.model, draft.input_tokens, draft.output_tokens) == ("offline-drafter", 0, 0)


@pytest.mark.parametrize("stage", list(DunningStage))
async def test_offline_draft_wording_follows_the_stage(stage: DunningStage) -> None:
    due = follow_up_due(stage=stage)
    draft = await OfflineDrafter().draft_followup(PROMPT, prompt_facts(due, SENDER))
    expected = {
        DunningStage.GENTLE: "Friendly reminder",
        DunningStage.FIRM: "Payment request",
        DunningStage.FINAL: "Final reminder",
        DunningStage.ESCALATE: "Account review",
    }[stage]
    assert draft.subject == f"{expected}: invoice 1131"


async def test_offline_draft_mentions_a_broken_promise() -> None:
    due = follow_up_due(broken_promise_on=date(2026, 11, 10))
    draft = await OfflineDrafter().draft_followup(PROMPT, prompt_facts(due, SENDER))
    assert "promise of payment by 2026-11-10" in draft.body
    check_grounding(f"{draft.subject}\n{draft.body}", due, SENDER)


@pytest.mark.parametrize(("number", "amount"), [("5", "1250.00"), ("1250", "1250.00")])
async def test_offline_draft_passes_when_the_invoice_number_appears_inside_a_figure(number: str, amount: str) -> None:
    due = follow_up_due(invoice_number=number, amount_due=Decimal(amount), stage=DunningStage.GENTLE)
    draft = await OfflineDrafter().draft_followup(PROMPT, prompt_facts(due, SENDER))
    check_grounding(f"{draft.subject}\n{draft.body}", due, SENDER)


# --- cost --------------------------------------------------------------------------------------------


def _draft(model: str, inp: int = 0, out: int = 0, read: int = 0, write: int = 0) -> Draft:
    return Draft("s", "b", model, inp, out, cache_read_tokens=read, cache_write_tokens=write)


@pytest.mark.parametrize(
    ("draft", "usd"),
    [
        (_draft("claude-sonnet-4-5", inp=1_000_000), "3.000000"),
        (_draft("claude-sonnet-4-5", out=1_000_000), "15.000000"),
        (_draft("claude-sonnet-4-5", write=1_000_000), "3.750000"),
        (_draft("claude-sonnet-4-5", read=1_000_000), "0.300000"),
        (_draft("claude-sonnet-4-5-20250929", inp=1200, out=350), "0.008850"),  # dated model id: prefix price
        (_draft("claude-haiku-4-5", inp=1200, out=350, read=900), "0.003040"),
        (_draft("claude-opus-4-1", inp=1000, out=1000), "0.090000"),
        (_draft("offline-drafter", inp=5000, out=5000), "0.000000"),
        (_draft("claude-future-9", inp=1_000_000), "3.000000"),  # unknown model priced as sonnet, not free
    ],
)
def test_cost_usd(draft: Draft, usd: str) -> None:
    cost = cost_usd(draft.usage)
    assert cost == Decimal(usd)
    assert str(cost) == usd
