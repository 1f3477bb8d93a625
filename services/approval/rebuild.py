"""Rebuild the approval index and the executed-action keys from Kafka when Redis has lost them."""

from __future__ import annotations

import asyncio
import logging

from redis.asyncio import Redis

from contracts.approval import ActionExecuted, ActionStatus, ApprovalDecided, ApprovalRequested
from contracts.envelope import Envelope
from contracts.registry import PIPELINES
from services.approval.bootstrap import ApprovalDeps
from shared.topic_reader import read_topic

log = logging.getLogger(__name__)
MARKER = "approvals:index-built"


_lock = asyncio.Lock()


async def rebuild_if_lost(deps: ApprovalDeps, redis: Redis) -> int:
    """Returns how many records were replayed; 0 when the index is intact. One rebuild at a time."""
    if await redis.exists(MARKER):
        return 0
    async with _lock:
        if await redis.exists(MARKER):
            return 0
        return await _rebuild(deps, redis)


async def _rebuild(deps: ApprovalDeps, redis: Redis) -> int:
    bootstrap = deps.kernel.settings.kafka_bootstrap_servers
    replayed = 0
    for spec in PIPELINES:  # every registered pipeline: the index and its marker are shared by all of them
        async for record in read_topic(bootstrap, spec.approval_requested):
            await deps.store.add(Envelope[ApprovalRequested].model_validate_json(record.value))
            replayed += 1
        async for record in read_topic(bootstrap, spec.decisions):
            await deps.store.claim_decision(Envelope[ApprovalDecided].model_validate_json(record.value).payload)
            replayed += 1
        async for record in read_topic(bootstrap, spec.actions):
            action = Envelope[ActionExecuted].model_validate_json(record.value).payload
            if action.status is ActionStatus.STARTED and action.idempotency_key:
                await deps.done.record(f"{action.idempotency_key}:attempt", action.detail)
            elif action.status in (ActionStatus.EXECUTED, ActionStatus.ALREADY_DONE) and action.idempotency_key:
                await deps.done.record(action.idempotency_key, action.detail)
            replayed += 1
    await redis.set(MARKER, "1")
    log.info("approval index rebuilt from kafka", extra={"fields": {"records": replayed}})
    return replayed
