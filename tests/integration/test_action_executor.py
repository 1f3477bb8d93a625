"""The executor against real Redis: each side effect at most once, a cut-off attempt never repeated."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from contracts.approval import ActionExecuted, ActionStatus
from contracts.invoice_followup import FollowUpAction
from services.approval.domain import PlannedAction
from services.approval.executor import ActionExecutor, Perform
from shared.errors import OutcomeUnknown, UpstreamUnavailable
from shared.idempotency import RedisIdempotencyStore

pytestmark = pytest.mark.integration


class FakeMailer:
    def __init__(self, fail_times: int = 0) -> None:
        self.sent: list[str] = []
        self.fail_times = fail_times

    async def send(self, to: str, subject: str, body: str, idempotency_key: str) -> str:
        if self.fail_times:
            self.fail_times -= 1
            raise UpstreamUnavailable("smtp down")
        self.sent.append(idempotency_key)
        return f"<{idempotency_key}@seamline>"


class FakeCrm:
    async def add_note(self, body: str, idempotency_key: str, deal_id: str | None = None) -> str:
        return "note-1"


def _sends(mailer: FakeMailer) -> Perform:
    """The port call the follow-up flow makes for an email."""

    async def perform(planned: PlannedAction) -> str:
        return await mailer.send(planned.to, planned.subject, planned.body, planned.key)

    return perform


async def _journal(started: ActionExecuted) -> None:
    assert started.status is ActionStatus.STARTED


def _email(key: str) -> PlannedAction:
    return PlannedAction(FollowUpAction.SEND_FOLLOWUP_EMAIL, key, to="ap@x.example", subject="s", body="b")


async def test_a_delivered_twice_action_sends_once(redis: Redis, unique: str) -> None:
    mailer = FakeMailer()
    executor = ActionExecutor(_sends(mailer), RedisIdempotencyStore(redis, unique))
    first = await executor.run("r1", "131", _email("k1"), _journal)
    second = await executor.run("r1", "131", _email("k1"), _journal)
    assert (first.status, second.status) == (ActionStatus.EXECUTED, ActionStatus.ALREADY_DONE)
    assert mailer.sent == ["k1"]


async def test_a_failed_send_is_retried_and_then_sent_once(redis: Redis, unique: str) -> None:
    mailer = FakeMailer(fail_times=1)
    executor = ActionExecutor(_sends(mailer), RedisIdempotencyStore(redis, unique))
    with pytest.raises(UpstreamUnavailable):
        await executor.run("r1", "131", _email("k2"), _journal)
    retried = await executor.run("r1", "131", _email("k2"), _journal)
    assert retried.status is ActionStatus.EXECUTED
    assert mailer.sent == ["k2"]


async def test_an_attempt_cut_off_by_a_crash_is_not_repeated_but_reported_uncertain(redis: Redis, unique: str) -> None:
    store = RedisIdempotencyStore(redis, unique)
    await store.record("k3:attempt", "2026-11-21T10:00:00+00:00")  # what a process killed mid-send leaves behind
    mailer = FakeMailer()
    result = await ActionExecutor(_sends(mailer), store).run("r1", "131", _email("k3"), _journal)
    assert result.status is ActionStatus.UNCERTAIN
    assert "2026-11-21T10:00:00" in result.detail
    assert mailer.sent == []


class LostAnswerMailer(FakeMailer):
    async def send(self, to: str, subject: str, body: str, idempotency_key: str) -> str:
        self.sent.append(idempotency_key)  # it reached the server ...
        raise OutcomeUnknown("SMTP: no answer after DATA (SMTPTimeoutError)")  # ... which never said so


async def test_a_send_whose_answer_is_lost_is_uncertain_and_never_repeated(redis: Redis, unique: str) -> None:
    mailer = LostAnswerMailer()
    executor = ActionExecutor(_sends(mailer), RedisIdempotencyStore(redis, unique))
    first = await executor.run("r1", "131", _email("k3"), _journal)
    again = await executor.run("r1", "131", _email("k3"), _journal)
    assert (first.status, again.status) == (ActionStatus.UNCERTAIN, ActionStatus.UNCERTAIN)
    assert "no answer after DATA" in first.detail
    assert mailer.sent == ["k3"], "not resent on redelivery"
    assert await executor.is_uncertain(_email("k3"))
