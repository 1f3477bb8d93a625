"""Runs planned actions with deterministic code, each once per idempotency key."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from datetime import UTC, datetime

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from contracts.approval import ActionExecuted, ActionStatus
from services.approval.domain import PlannedAction
from shared.errors import OutcomeUnknown
from shared.idempotency import RedisIdempotencyStore

Journal = Callable[[ActionExecuted], Awaitable[None]]


Perform = Callable[[PlannedAction], Awaitable[str]]


class ActionExecutor:
    """`perform` is the pipeline's port call for a planned action (its flow's performers)."""

    def __init__(self, perform: Perform, done: RedisIdempotencyStore, retry_safe: Collection[str] = ()) -> None:
        self._perform = perform
        self._done = done
        self._retry_safe = frozenset(retry_safe)

    async def run(self, request_id: str, entity_id: str, planned: PlannedAction, journal: Journal) -> ActionExecuted:
        """At most once: an attempt that a crash cut off between sending and recording is never repeated.

        SMTP and the CRM notes API take no idempotency key, so after such a crash nobody can tell whether the
        customer got the email. A duplicate dunning email is the worse mistake, so the action is reported
        UNCERTAIN for an operator to check instead of being sent again. A `retry_safe` action's port can tell
        (it reads the record and finds its own mark before writing), so a cut-off attempt is run again. The
        attempt is journaled to Kafka before the send, so the mark survives a Redis that loses its data.
        """
        attempt = f"{planned.key}:attempt"
        previous = await self._done.result(planned.key)
        if previous is not None:
            status, detail = ActionStatus.ALREADY_DONE, previous
        elif (started := await self._done.result(attempt)) is not None and planned.action not in self._retry_safe:
            status = ActionStatus.UNCERTAIN
            detail = f"an attempt started at {started} was cut off; not repeated: check before sending by hand"
        else:
            started_at = datetime.now(UTC)
            await journal(self._result(request_id, entity_id, planned, ActionStatus.STARTED, started_at.isoformat()))
            await self._done.record(attempt, started_at.isoformat())
            try:
                detail = await self._perform(planned)
            except OutcomeUnknown as exc:
                # Delivered, but no answer: it may have gone out. Keep the mark; a person checks.
                return self._result(request_id, entity_id, planned, ActionStatus.UNCERTAIN, exc.message)
            except Exception:
                # The failure was seen, so the side effect did not complete: let the retry try again.
                # (A cancellation is not caught: it may strike after the send, so it stays UNCERTAIN.)
                await self._done.forget(attempt)
                raise
            await self._record_done(planned.key, detail)
            status = ActionStatus.EXECUTED
        return self._result(request_id, entity_id, planned, status, detail)

    async def is_uncertain(self, planned: PlannedAction) -> bool:
        """An attempt was cut off and nothing says whether it went out."""
        return (
            await self._done.result(planned.key) is None
            and await self._done.result(f"{planned.key}:attempt") is not None
        )

    async def confirm_sent(
        self, request_id: str, entity_id: str, planned: PlannedAction, detail: str
    ) -> ActionExecuted:
        """An operator checked that a cut-off attempt did go out: record it done, send nothing."""
        await self._record_done(planned.key, detail)
        return self._result(request_id, entity_id, planned, ActionStatus.EXECUTED, detail)

    async def send_unsent(
        self, request_id: str, entity_id: str, planned: PlannedAction, journal: Journal, operator: str
    ) -> ActionExecuted:
        """An operator checked that a cut-off attempt did not go out: run it now, once."""
        attempt = f"{planned.key}:attempt"
        await self._done.forget(attempt)
        try:
            return await self.run(request_id, entity_id, planned, journal)
        except Exception:
            # The send failed where we could see it: still not sent, and still the operator's to resolve.
            await self._done.record(attempt, f"resolution by {operator} failed; not sent")
            raise

    @staticmethod
    def _result(
        request_id: str, entity_id: str, planned: PlannedAction, status: ActionStatus, detail: str
    ) -> ActionExecuted:
        return ActionExecuted(
            request_id=request_id,
            action=planned.action,
            entity_id=entity_id,
            status=status,
            idempotency_key=planned.key,
            detail=detail,
            executed_at=datetime.now(UTC),
        )

    async def _record_done(self, key: str, detail: str) -> None:
        """The side effect happened: keep trying to say so through a Redis blip rather than report it unsure."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(5),
            wait=wait_exponential_jitter(multiplier=0.2, max=3),
            retry=retry_if_exception_type((RedisConnectionError, RedisTimeoutError)),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                await self._done.record(key, detail)
