"""Pending approvals and the age of the oldest, for the approvals dashboard and the SLA alert."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from services.approval.ports import ApprovalStore
from shared.metrics import APPROVAL_OLDEST_AGE, APPROVAL_SLA, APPROVALS_PENDING

log = logging.getLogger(__name__)


async def report_pending(
    store: ApprovalStore,
    pipelines: list[str],
    rebuild: Callable[[], Awaitable[int]],
    sla_s: float,
    interval_s: float = 10,
) -> None:
    """Also notices a Redis that lost its data while the service runs, and rebuilds the index from Kafka."""
    while True:
        try:
            await rebuild()
            counts: dict[str, int] = defaultdict(int)
            oldest: dict[str, datetime] = {}
            for requested in await store.pending():
                counts[requested.pipeline] += 1
                oldest[requested.pipeline] = min(
                    oldest.get(requested.pipeline, requested.occurred_at), requested.occurred_at
                )
            now = datetime.now(UTC)
            for pipeline in pipelines:
                APPROVAL_SLA.labels(pipeline).set(sla_s)
                APPROVALS_PENDING.labels(pipeline).set(counts[pipeline])
                age = (now - oldest[pipeline]).total_seconds() if pipeline in oldest else 0
                APPROVAL_OLDEST_AGE.labels(pipeline).set(age)
        except Exception:  # a monitoring probe must never stop the service
            log.warning("pending approvals probe failed", exc_info=True)
        await asyncio.sleep(interval_s)
