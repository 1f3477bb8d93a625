"""The retry + dead-letter middleware every subscriber runs under.

Retryable errors get bounded retries with exponential backoff and jitter (tenacity). Permanent errors, and
retryable ones that ran out of attempts, go to the pipeline's dead-letter topic as the original bytes plus
headers naming the error and the source; then the offset is committed. If the dead letter itself cannot be
written the exception escapes, the message is not committed and is redelivered: nothing is dropped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from types import TracebackType
from typing import Any

from aiokafka import ConsumerRecord
from aiokafka.errors import KafkaError, KafkaTimeoutError
from faststream import BaseMiddleware
from faststream.exceptions import HandlerException
from faststream.message import StreamMessage
from pydantic import ValidationError
from redis.exceptions import BusyLoadingError as RedisBusyLoadingError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from contracts import deadletter as dl
from contracts.topics import dead_letter_topic, pipeline_of
from shared.broker import EventPublisher
from shared.errors import AppError, ContractInvalid, PermanentError, RateLimited, UpstreamUnavailable
from shared.logging import correlation_id_var
from shared.metrics import (
    DEAD_LETTERS,
    EXCEPTIONS,
    HANDLER_DURATION,
    HANDLER_FAILURES,
    HANDLER_RETRIES,
    ITEMS_PROCESSED,
    MESSAGES_CONSUMED,
)

log = logging.getLogger(__name__)


class UnexpectedError(PermanentError):
    """A bug: an exception outside the error tree. Dead-lettered so it can be fixed and replayed."""


def classify(exc: BaseException) -> AppError:
    """Place any exception in the error tree, by class."""
    if isinstance(exc, AppError):
        return exc
    if isinstance(exc, ValidationError):
        errors = exc.errors()
        field = ".".join(str(p) for p in errors[0]["loc"]) if errors else "?"
        return ContractInvalid(errors[0]["msg"] if errors else str(exc), field=field)
    if isinstance(exc, ValueError | UnicodeDecodeError):
        return ContractInvalid(str(exc), field="<body>")
    if isinstance(exc, RedisConnectionError | RedisTimeoutError | RedisBusyLoadingError):
        return UpstreamUnavailable(f"redis unavailable: {type(exc).__name__}")
    if isinstance(exc, KafkaTimeoutError) or (isinstance(exc, KafkaError) and exc.retriable):
        return UpstreamUnavailable(f"{type(exc).__name__}: {exc}")
    return UnexpectedError(f"{type(exc).__name__}: {exc}")


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    base_delay_s: float = 0.2
    max_delay_s: float = 5.0


def _wait(policy: RetryPolicy) -> Callable[[RetryCallState], float]:
    backoff = wait_exponential_jitter(multiplier=policy.base_delay_s, max=policy.max_delay_s)

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            return min(exc.retry_after, policy.max_delay_s * 4)
        return float(backoff(state))

    return wait


class DeadLetterMiddleware(BaseMiddleware):
    def __init__(
        self,
        msg: Any,
        /,
        *,
        context: Any,
        service: str,
        policy: RetryPolicy,
        publisher: Callable[[], EventPublisher],
    ) -> None:
        super().__init__(msg, context=context)
        self._service = service
        self._policy = policy
        self._publisher = publisher
        self._attempts = 0

    async def consume_scope(
        self, call_next: Callable[[StreamMessage[Any]], Awaitable[Any]], msg: StreamMessage[Any]
    ) -> Any:
        records = _records(msg)
        record = records[0]
        pipeline = pipeline_of(record.topic)
        MESSAGES_CONSUMED.labels(self._service, pipeline, record.topic).inc(len(records))
        token = correlation_id_var.set(msg.headers.get(dl.MSG_CORRELATION_ID))
        started = time.perf_counter()
        try:
            retrying = AsyncRetrying(
                stop=stop_after_attempt(self._policy.max_attempts),
                wait=_wait(self._policy),
                retry=retry_if_exception(lambda e: classify(e).retryable),
                before_sleep=lambda _: HANDLER_RETRIES.labels(self._service, pipeline).inc(),
                reraise=True,
            )
            async for attempt in retrying:
                with attempt:
                    self._attempts = attempt.retry_state.attempt_number
                    try:
                        return await call_next(msg)
                    except HandlerException:
                        raise
                    except Exception as exc:
                        HANDLER_FAILURES.labels(self._service, pipeline, type(classify(exc)).__name__).inc()
                        raise
        except HandlerException:
            raise
        except Exception as exc:
            await self._dead_letter(msg, exc)
            return None
        finally:
            HANDLER_DURATION.labels(self._service, pipeline, record.topic).observe(time.perf_counter() - started)
            correlation_id_var.reset(token)
        return None

    async def after_processed(
        self,
        exc_type: type[BaseException] | None = None,
        exc_val: BaseException | None = None,
        exc_tb: TracebackType | None = None,
    ) -> bool | None:
        """Errors raised before the handler ran (undecodable bytes) are dead-lettered here."""
        if isinstance(exc_val, Exception) and not isinstance(exc_val, HandlerException) and self._attempts == 0:
            message = self.context.get_local("message") or self.msg
            if isinstance(message, StreamMessage):
                self._attempts = 1
                await self._dead_letter(message, exc_val)
                return True
        return False

    async def _dead_letter(self, msg: StreamMessage[Any], exc: BaseException) -> None:
        """Each record of the message (one, or a batch's) goes to the dead-letter topic with its own headers."""
        error = classify(exc)
        records = _records(msg)
        all_headers = msg.batch_headers if len(records) > 1 else [msg.headers or {}]
        for record, own in zip(records, all_headers, strict=True):
            await self._dead_letter_record(record, own, error)

    async def _dead_letter_record(self, record: Any, own: dict[str, Any], error: AppError) -> None:
        pipeline = pipeline_of(record.topic)
        headers = {k: v for k, v in own.items() if isinstance(v, str)}
        headers.update(
            {
                dl.ERROR_TYPE: type(error).__name__,
                dl.ERROR_MESSAGE: error.message[:2000],
                dl.ERROR_FIELD: getattr(error, "field", ""),
                dl.SOURCE_TOPIC: record.topic,
                dl.SOURCE_PARTITION: str(record.partition),
                dl.SOURCE_OFFSET: str(record.offset),
                dl.ATTEMPTS: str(max(self._attempts, 1)),
                dl.SERVICE: self._service,
                dl.CORRELATION_ID: headers.get(dl.MSG_CORRELATION_ID, ""),
                dl.FAILED_AT: datetime.now(UTC).isoformat(),
            }
        )
        await self._publisher().publish_raw(dead_letter_topic(pipeline), record.value or b"", record.key, headers)
        DEAD_LETTERS.labels(self._service, pipeline, type(error).__name__).inc()
        EXCEPTIONS.labels(pipeline, "dead_letter").inc()
        ITEMS_PROCESSED.labels(pipeline, "dead_lettered").inc()
        log.warning(
            "dead-lettered",
            extra={"fields": {"error_type": type(error).__name__, "error": error.message, "topic": record.topic}},
        )


def _records(msg: StreamMessage[Any]) -> tuple[Any, ...]:
    """The Kafka records behind a message: one, or all of a batch subscriber's."""
    raw = msg.raw_message
    return (raw,) if isinstance(raw, ConsumerRecord) else tuple(raw)


def dead_letter_middleware(
    service: str, policy: RetryPolicy, publisher: Callable[[], EventPublisher]
) -> Callable[..., DeadLetterMiddleware]:
    return partial(DeadLetterMiddleware, service=service, policy=policy, publisher=publisher)
