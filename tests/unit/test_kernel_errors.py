"""The error tree and classify(): every exception lands in the tree by its class, with a retryable flag."""

from __future__ import annotations

import pytest
from aiokafka.errors import (
    KafkaConnectionError,
    KafkaTimeoutError,
    NotLeaderForPartitionError,
    RequestTimedOutError,
    TopicAuthorizationFailedError,
    UnsupportedVersionError,
)
from pydantic import ValidationError

from contracts.envelope import Envelope
from contracts.invoice_followup import FollowUpDue
from shared.deadletter import UnexpectedError, classify
from shared.errors import (
    AppError,
    ContractInvalid,
    DraftRefused,
    PermanentError,
    PolicyRefused,
    RateLimited,
    RetryableError,
    UpstreamRejected,
    UpstreamUnavailable,
)
from tests.unit.factories import follow_up_due


@pytest.mark.parametrize(
    ("error", "parent", "retryable"),
    [
        (UpstreamUnavailable("qbo 503"), RetryableError, True),
        (RateLimited("429", retry_after=2.5), RetryableError, True),
        (ContractInvalid("Field required", field="Invoice.DueDate"), PermanentError, False),
        (PolicyRefused("never automated"), PermanentError, False),
        (DraftRefused("not grounded"), PermanentError, False),
        (UpstreamRejected("400"), PermanentError, False),
        (UnexpectedError("KeyError: 'x'"), PermanentError, False),
    ],
)
def test_every_error_has_one_place_in_the_tree(error: AppError, parent: type[AppError], retryable: bool) -> None:
    assert isinstance(error, parent)
    assert isinstance(error, AppError)
    assert error.retryable is retryable


def test_contract_invalid_names_the_field_in_its_message() -> None:
    error = ContractInvalid("Field required", field="Invoice.DueDate")
    assert error.field == "Invoice.DueDate"
    assert error.message == str(error) == "Invoice.DueDate: Field required"


def test_rate_limited_remembers_when_to_retry() -> None:
    assert RateLimited("slow down", retry_after=7.0).retry_after == 7.0
    assert RateLimited("slow down").retry_after is None


@pytest.mark.parametrize(
    "error", [UpstreamUnavailable("x"), RateLimited("x"), ContractInvalid("x", field="f"), PolicyRefused("x")]
)
def test_classify_passes_our_errors_through_untouched(error: AppError) -> None:
    assert classify(error) is error


def test_classify_turns_a_validation_error_into_contract_invalid_with_the_field_path() -> None:
    good = Envelope.start(follow_up_due(), pipeline="invoice_followup", tenant="demo-co")
    data = good.model_dump(mode="json")
    data["payload"]["amount_due"] = "twelve hundred"
    with pytest.raises(ValidationError) as caught:
        Envelope[FollowUpDue].model_validate(data)

    error = classify(caught.value)

    assert isinstance(error, ContractInvalid)
    assert error.field == "payload.amount_due"
    assert error.retryable is False
    assert "decimal" in error.message.lower()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            {"amount_due": None},
            "amount_due",
            "Decimal input should be an integer, float, string or Decimal object",
        ),
        ({"stage": "polite"}, "stage", "Input should be 'gentle', 'firm', 'final' or 'escalate'"),
        ({"days_overdue": 0}, "days_overdue", "Input should be greater than or equal to 1"),
    ],
)
def test_classify_names_the_offending_field(change: dict[str, object], field: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        FollowUpDue.model_validate({**follow_up_due().model_dump(), **change})
    error = classify(caught.value)
    assert isinstance(error, ContractInvalid)
    assert (error.field, error.message) == (field, f"{field}: {message}")


@pytest.mark.parametrize(
    "exc",
    [
        ValueError("Expecting value: line 1 column 1"),
        UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"),
    ],
    ids=["bad-json", "bad-utf8"],
)
def test_classify_treats_undecodable_bodies_as_contract_invalid(exc: Exception) -> None:
    error = classify(exc)
    assert isinstance(error, ContractInvalid)
    assert error.field == "<body>"


@pytest.mark.parametrize(
    "exc",
    [KafkaConnectionError(), RequestTimedOutError(), NotLeaderForPartitionError()],
    ids=lambda e: type(e).__name__,
)
def test_classify_retries_retriable_kafka_errors(exc: Exception) -> None:
    assert exc.retriable is True  # type: ignore[attr-defined]
    error = classify(exc)
    assert isinstance(error, UpstreamUnavailable)
    assert error.retryable is True
    assert type(exc).__name__ in error.message


def test_classify_retries_a_kafka_producer_timeout() -> None:
    assert isinstance(classify(KafkaTimeoutError()), UpstreamUnavailable)


@pytest.mark.parametrize(
    "exc",
    [
        TopicAuthorizationFailedError(),
        UnsupportedVersionError(),
        KeyError("invoice_id"),
        RuntimeError("boom"),
        ZeroDivisionError("division by zero"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_classify_makes_anything_else_a_permanent_unexpected_error(exc: Exception) -> None:
    error = classify(exc)
    assert type(error) is UnexpectedError
    assert error.retryable is False
    assert error.message.startswith(f"{type(exc).__name__}: ")
