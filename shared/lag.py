"""Consumer lag per group and topic: end offsets minus committed offsets, exported as a gauge."""

from __future__ import annotations

import asyncio
import logging

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient

from contracts.topics import pipeline_of
from shared.metrics import CONSUMER_LAG

log = logging.getLogger(__name__)


async def measure_lag(bootstrap: str, service: str) -> dict[str, int]:
    """Lag of every consumer group named `<service>.*` (the kernel's naming rule)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await admin.start()
    await consumer.start()
    lag_by_topic: dict[str, int] = {}
    try:
        groups = [g[0] for g in await admin.list_consumer_groups() if str(g[0]).startswith(f"{service}.")]
        for group in groups:
            committed = await admin.list_consumer_group_offsets(group)
            if not committed:
                continue
            ends = await consumer.end_offsets(list(committed))
            for tp, meta in committed.items():
                lag_by_topic[tp.topic] = lag_by_topic.get(tp.topic, 0) + max(0, ends[tp] - max(meta.offset, 0))
    finally:
        await consumer.stop()
        await admin.close()
    for topic, lag in lag_by_topic.items():
        CONSUMER_LAG.labels(service, pipeline_of(topic), topic).set(lag)
    return lag_by_topic


async def lag_reporter(bootstrap: str, service: str, interval_s: float = 15) -> None:
    while True:
        try:
            await measure_lag(bootstrap, service)
        except Exception:  # a monitoring probe must never stop the service
            log.warning("consumer lag probe failed", exc_info=True)
        await asyncio.sleep(interval_s)
