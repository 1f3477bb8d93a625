"""List, inspect and replay dead letters. A replay carries a count, and a message replayed too often is refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from contracts import deadletter as dl
from contracts.topics import dead_letter_topic
from shared.topic_reader import read_topic

MAX_REPLAYS = 3


@dataclass(frozen=True)
class DeadLetter:
    ref: str
    headers: dict[str, str]
    key: bytes | None
    value: bytes

    @property
    def failed_at(self) -> datetime | None:
        raw = self.headers.get(dl.FAILED_AT)
        return datetime.fromisoformat(raw) if raw else None


def _dead_letter(record: Any) -> DeadLetter:
    headers = {k: v.decode(errors="replace") for k, v in (record.headers or ())}
    return DeadLetter(f"{record.topic}:{record.partition}:{record.offset}", headers, record.key, record.value or b"")


async def list_dead_letters(
    bootstrap: str,
    pipelines: list[str],
    error_type: str | None = None,
    service: str | None = None,
    since: datetime | None = None,
) -> list[DeadLetter]:
    found = []
    for pipeline in pipelines:
        async for record in read_topic(bootstrap, dead_letter_topic(pipeline)):
            letter = _dead_letter(record)
            if error_type and letter.headers.get(dl.ERROR_TYPE) != error_type:
                continue
            if service and letter.headers.get(dl.SERVICE) != service:
                continue
            if since and (letter.failed_at is None or letter.failed_at < since):
                continue
            found.append(letter)
    return found


async def fetch(bootstrap: str, ref: str) -> DeadLetter:
    topic, partition, offset = ref.rsplit(":", 2)
    if not topic.endswith(".deadletter.v1"):
        raise ValueError(f"{topic} is not a dead-letter topic")
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tp = TopicPartition(topic, int(partition))
        consumer.assign([tp])
        consumer.seek(tp, int(offset))
        batch = await consumer.getmany(tp, timeout_ms=5000, max_records=1)
        records = batch.get(tp, [])
        if not records or records[0].offset != int(offset):
            raise LookupError(f"no dead letter at {ref}")
        return _dead_letter(records[0])
    finally:
        await consumer.stop()


async def replay(bootstrap: str, ref: str) -> str:
    """Republish the original bytes to the source topic; returns that topic."""
    letter = await fetch(bootstrap, ref)
    count = int(letter.headers.get(dl.REPLAY_COUNT, "0"))
    if count >= MAX_REPLAYS:
        raise PermissionError(f"{ref} was already replayed {count} times; fix the cause or drop it")
    target = letter.headers[dl.SOURCE_TOPIC]
    headers = {k: v for k, v in letter.headers.items() if not k.startswith("x-dl-")}
    headers[dl.REPLAY_COUNT] = str(count + 1)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            target, letter.value, key=letter.key, headers=[(k, v.encode()) for k, v in headers.items()]
        )
    finally:
        await producer.stop()
    return target
