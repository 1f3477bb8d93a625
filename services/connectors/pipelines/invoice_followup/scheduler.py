"""The schedule trigger: APScheduler fires, a Redis lock makes sure one connector instance scans per window."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from redis.asyncio import Redis

from contracts.envelope import Envelope
from contracts.invoice_followup import SPEC, FollowUpScanRequested, InvoiceFollowup
from shared.broker import EventPublisher

log = logging.getLogger(__name__)


async def request_scan(
    publisher: EventPublisher, tenant: str, realm_id: str, requested_by: str
) -> Envelope[FollowUpScanRequested]:
    """Start one invoice follow-up run: the same command the CLI and the schedule send."""
    command = Envelope.start(
        FollowUpScanRequested(realm_id=realm_id, as_of=datetime.now(UTC).date(), requested_by=requested_by),
        pipeline=SPEC.name,
        tenant=tenant,
    )
    await publisher.publish(InvoiceFollowup.TRIGGER, command, key=realm_id)
    return command


def build_scheduler(
    publisher: EventPublisher, redis: Redis, tenant: str, realm_id: str, interval_s: int
) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")

    async def tick() -> None:
        window = int(datetime.now(UTC).timestamp()) // interval_s
        if await redis.set(f"lock:scan:{tenant}:{window}", "1", nx=True, ex=interval_s):
            command = await request_scan(publisher, tenant, realm_id, "schedule")
            log.info("scheduled scan requested", extra={"fields": {"correlation_id": str(command.correlation_id)}})

    scheduler.add_job(tick, "interval", seconds=interval_s, id=f"{SPEC.name}_scan", max_instances=1)
    return scheduler
