"""Runs planned actions with deterministic code, each once per idempotency key."""

from __future__ import annotations

from datetime import UTC, datetime

from contracts.approval import ActionExecuted, ActionKind, ActionStatus
from services.approval.domain import PlannedAction
from services.approval.ports import CrmNotes, Mailer
from shared.idempotency import RedisIdempotencyStore


class ActionExecutor:
    def __init__(self, mailer: Mailer, crm: CrmNotes, done: RedisIdempotencyStore) -> None:
        self._mailer = mailer
        self._crm = crm
        self._done = done

    async def run(self, request_id: str, entity_id: str, planned: PlannedAction) -> ActionExecuted:
        previous = await self._done.result(planned.key)
        if previous is not None:
            status, detail = ActionStatus.ALREADY_DONE, previous
        else:
            if planned.action is ActionKind.SEND_FOLLOWUP_EMAIL:
                detail = await self._mailer.send(planned.to, planned.subject, planned.body, planned.key)
            else:
                detail = await self._crm.add_note(planned.body, planned.key)
            await self._done.record(planned.key, detail)
            status = ActionStatus.EXECUTED
        return ActionExecuted(
            request_id=request_id,
            action=planned.action,
            entity_id=entity_id,
            status=status,
            idempotency_key=planned.key,
            detail=detail,
            executed_at=datetime.now(UTC),
        )
