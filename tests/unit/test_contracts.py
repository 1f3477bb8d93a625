"""Contracts: frozen, strict, one envelope that keeps a run together, topic names declared once."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from contracts.approval import ApprovalDecided, Decision
from contracts.envelope import Envelope
from contracts.invoice_followup import SPEC as FOLLOWUP
from contracts.invoice_followup import FollowUpDue, FollowUpScanRequested, InvoiceFollowup, RawInvoiceFetched
from contracts.registry import PIPELINES
from contracts.topics import pipeline_of, topic
from services.approval.domain import parse_policy
from services.approval.pipelines.invoice_followup.domain import followup_request
from tests.unit.factories import AS_OF, DEMO_POLICY, NOW, REALM, follow_up_drafted, follow_up_due

SCAN = FollowUpScanRequested(realm_id=REALM, as_of=AS_OF, requested_by="ops@demo-co.example")


def test_unknown_fields_are_rejected() -> None:
    with pytest.raises(ValidationError) as caught:
        FollowUpDue(**follow_up_due().model_dump(), discount="10%")
    assert caught.value.errors()[0]["type"] == "extra_forbidden"
    assert caught.value.errors()[0]["loc"] == ("discount",)


def test_unknown_fields_are_rejected_inside_an_envelope_too() -> None:
    data = Envelope.start(SCAN, pipeline="invoice_followup", tenant="demo-co").model_dump(mode="json")
    data["payload"]["priority"] = "high"
    with pytest.raises(ValidationError, match="priority"):
        Envelope[FollowUpScanRequested].model_validate(data)


@pytest.mark.parametrize(
    ("model", "field", "value"),
    [
        (follow_up_due(), "amount_due", Decimal("1.00")),
        (SCAN, "as_of", date(2030, 1, 1)),
        (Envelope.start(SCAN, pipeline="invoice_followup", tenant="demo-co"), "tenant", "other-co"),
    ],
    ids=["FollowUpDue", "FollowUpScanRequested", "Envelope"],
)
def test_contracts_are_frozen(model: object, field: str, value: object) -> None:
    before = getattr(model, field)
    with pytest.raises(ValidationError, match="frozen"):
        setattr(model, field, value)
    assert getattr(model, field) == before


def test_a_follow_up_is_at_least_one_day_overdue() -> None:
    with pytest.raises(ValidationError, match="days_overdue"):
        follow_up_due(days_overdue=0)


def test_start_opens_a_new_run() -> None:
    first = Envelope.start(SCAN, pipeline="invoice_followup", tenant="demo-co")
    second = Envelope.start(SCAN, pipeline="invoice_followup", tenant="demo-co")
    assert first.event_type == "FollowUpScanRequested"
    assert first.causation_id is None
    assert (first.pipeline, first.tenant, first.schema_version) == ("invoice_followup", "demo-co", 1)
    assert first.correlation_id != second.correlation_id
    assert first.event_id != second.event_id
    assert first.occurred_at.tzinfo is not None


def test_follow_keeps_the_run_and_points_at_its_cause() -> None:
    start = Envelope.start(SCAN, pipeline="invoice_followup", tenant="demo-co")
    raw = RawInvoiceFetched(realm_id=REALM, as_of=AS_OF, invoice_id="131", invoice={}, customer=None, payments=[])
    fetched = start.follow(raw)
    due = fetched.follow(follow_up_due())

    assert fetched.correlation_id == due.correlation_id == start.correlation_id
    assert fetched.causation_id == start.event_id
    assert due.causation_id == fetched.event_id
    assert len({start.event_id, fetched.event_id, due.event_id}) == 3
    assert (fetched.event_type, due.event_type) == ("RawInvoiceFetched", "FollowUpDue")
    assert (due.pipeline, due.tenant) == ("invoice_followup", "demo-co")
    assert due.payload == follow_up_due()


amounts = st.decimals(min_value=Decimal("-1000000000"), max_value=Decimal("1000000000"), places=2)


@given(amount=amounts, average=st.none() | st.decimals(min_value=-100, max_value=1000, places=1))
@settings(max_examples=200, deadline=None)
def test_amounts_round_trip_through_envelope_json_exactly(amount: Decimal, average: Decimal | None) -> None:
    sent = Envelope.start(
        follow_up_due(amount_due=amount, average_days_to_pay=average),
        pipeline="invoice_followup",
        tenant="t",
    )
    wire = sent.model_dump_json()

    received = Envelope[FollowUpDue].model_validate_json(wire)

    assert received == sent
    assert str(received.payload.amount_due) == str(amount)  # same digits, cents kept, no float
    assert received.payload.average_days_to_pay == average
    assert isinstance(json.loads(wire)["payload"]["amount_due"], str)  # money never travels as a JSON float


def test_a_nested_request_round_trips_through_json() -> None:
    request = followup_request(follow_up_drafted(), "demo-co", parse_policy(DEMO_POLICY.read_text()), NOW)
    decided = ApprovalDecided(
        request_id=request.request_id,
        decision=Decision.APPROVED,
        decided_by="m",
        reason="ok",
        request=request,
    )
    sent = Envelope.start(decided, pipeline="invoice_followup", tenant="demo-co")
    received = Envelope[ApprovalDecided].model_validate_json(sent.model_dump_json())
    assert received == sent
    assert received.payload.request.payload.draft.facts.amount_due == Decimal("1250.00")
    assert isinstance(received.correlation_id, UUID)


# --- topics ----------------------------------------------------------------------------------------


def test_invoice_followup_topics_follow_the_naming_scheme() -> None:
    assert InvoiceFollowup.TRIGGER == "invoice_followup.trigger.v1"
    assert InvoiceFollowup.DRAFTED == "invoice_followup.drafted.v1"
    assert FOLLOWUP.dead_letter == "invoice_followup.deadletter.v1"
    assert FOLLOWUP.audit == "invoice_followup.audit.v1"
    assert topic("cash_planning", "raw", 2) == "cash_planning.raw.v2"


def test_every_topic_belongs_to_its_pipeline() -> None:
    topics = FOLLOWUP.topics
    assert len(topics) == len(set(topics)) == len(FOLLOWUP.stages) + 6
    assert {pipeline_of(t) for t in topics} == {"invoice_followup"}
    assert topics[-3:] == (FOLLOWUP.audit, "invoice_followup.alerts.v1", FOLLOWUP.dead_letter)


def test_no_two_pipelines_share_a_topic() -> None:
    every = [t for spec in PIPELINES for t in spec.topics]
    assert len(every) == len(set(every))


def test_a_topic_outside_every_pipeline_is_rejected() -> None:
    with pytest.raises(ValueError, match="payroll"):
        pipeline_of("payroll.raw.v1")
