"""The catch-up for changes a webhook missed: on a schedule, ask QuickBooks' change data capture what changed since
the realm's last position, deliver it like webhook events (a change both saw is delivered once), move the position."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Final

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from redis.asyncio import Redis

from services.connectors.intuit.delivery import Delivery, IntuitDelivery, IntuitSubscriptions
from services.connectors.intuit.domain import cdc_changes
from services.connectors.ports import CdcPositions, QuickBooks

log = logging.getLogger(__name__)
KEPT_BY_QUICKBOOKS: Final = timedelta(days=30) - timedelta(minutes=5)
"""QuickBooks answers for the last 30 days only; a position older than that starts at the oldest it keeps."""


def _now() -> datetime:
    return datetime.now(UTC)


class CdcCatchUp:
    def __init__(
        self,
        qbo: QuickBooks,
        subscriptions: IntuitSubscriptions,
        delivery: IntuitDelivery,
        positions: CdcPositions,
        *,
        realm_id: str,
        lookback: timedelta,
        now: Callable[[], datetime] = _now,
    ) -> None:
        self._qbo = qbo
        self._subscriptions = subscriptions
        self._delivery = delivery
        self._positions = positions
        self._realm = realm_id
        self._lookback = lookback
        self._now = now

    async def run(self) -> Delivery | None:
        """One catch-up; None when no handler wants any entity (nothing is asked)."""
        entities = self._subscriptions.entities
        if not entities:
            return None
        now = self._now()
        since = await self._positions.load(self._realm) or now - self._lookback
        if since < now - KEPT_BY_QUICKBOOKS:
            log.warning("cdc position older than QuickBooks keeps", extra={"fields": {"position": since.isoformat()}})
            since = now - KEPT_BY_QUICKBOOKS
        changes = cdc_changes(self._realm, await self._qbo.changed_since(entities, since))
        if changes.unreadable:
            log.warning("cdc records skipped", extra={"fields": {"unreadable": changes.unreadable}})
        delivered = await self._delivery.deliver(changes.events)
        if changes.position is not None and changes.position > since:
            await self._positions.save(self._realm, changes.position)
        return delivered


def build_cdc_scheduler(
    catch_up: CdcCatchUp, redis: Redis, tenant: str, realm_id: str, interval_s: int
) -> AsyncIOScheduler:
    """A Redis lock per window makes one connector instance catch up per interval."""
    scheduler = AsyncIOScheduler(timezone="UTC")

    async def tick() -> None:
        window = int(time.time()) // interval_s
        if await redis.set(f"lock:cdc:qbo:{tenant}:{realm_id}:{window}", "1", nx=True, ex=interval_s):
            delivered = await catch_up.run()
            log.info("cdc catch-up", extra={"fields": {"realm_id": realm_id, "delivery": str(delivered)}})

    scheduler.add_job(tick, "interval", seconds=interval_s, id="qbo_cdc_catch_up", max_instances=1)
    return scheduler
