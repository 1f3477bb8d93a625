"""A bare aiokafka relay chain with the pipeline's five hops (trigger -> raw -> validated -> decided ->
drafted -> approval_requested), one process per hop, over fresh topics on the same broker."""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from shared.topic_admin import delete_topics, ensure_topics

HOPS = 5


@dataclass
class ChainRun:
    messages: int
    payload_bytes: int
    seconds_to_last: float = 0.0
    latencies_s: list[float] = field(default_factory=list)

    @property
    def per_s(self) -> float:
        return self.messages / self.seconds_to_last if self.seconds_to_last else 0.0


async def run_chain(bootstrap: str, messages: int, payload_bytes: int, timeout_s: float) -> ChainRun:
    run = uuid.uuid4().hex[:8]
    topics = [f"bench.relay.{run}.s{i}" for i in range(HOPS + 1)]
    await ensure_topics(bootstrap, topics)
    hops = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.relay",
            bootstrap, topics[i], topics[i + 1], f"bench.relay.{run}.g{i}",
            stdout=asyncio.subprocess.PIPE,
        )
        for i in range(HOPS)
    ]  # fmt: skip
    result = ChainRun(messages, payload_bytes)
    try:
        for hop in hops:
            assert hop.stdout is not None
            line = await asyncio.wait_for(hop.stdout.readline(), timeout=60)
            if line.strip() != b"ready":
                raise RuntimeError("a relay hop did not start")
        # Without a group the consumer takes every partition of the (new, empty) last topic from its start.
        last = AIOKafkaConsumer(
            topics[-1], bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
            auto_offset_reset="earliest",
        )  # fmt: skip
        await last.start()
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
        await producer.start()
        try:
            body = b"x" * payload_bytes
            started = time.time()
            sends = [await producer.send(topics[0], body, key=f"inv-{i}".encode()) for i in range(messages)]
            await asyncio.gather(*sends)
            deadline = time.monotonic() + timeout_s
            arrived: list[float] = []
            while len(arrived) < messages and time.monotonic() < deadline:
                batch = await last.getmany(timeout_ms=200)
                # CreateTime of the last hop's record: when the fifth relay produced it.
                arrived += [r.timestamp / 1000 - started for records in batch.values() for r in records]
            if len(arrived) < messages:
                raise TimeoutError(f"{len(arrived)}/{messages} messages through the chain after {timeout_s}s")
        finally:
            await producer.stop()
            await last.stop()
        result.latencies_s = arrived
        result.seconds_to_last = max(arrived)
    finally:
        for hop in hops:
            hop.terminate()
        for hop in hops:
            await asyncio.wait_for(hop.wait(), timeout=15)
        await delete_topics(bootstrap, topics)
    return result
