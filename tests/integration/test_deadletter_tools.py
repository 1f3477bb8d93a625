"""`seamline deadletters list | show | replay` against the real broker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from contracts import deadletter as dl
from contracts.topics import dead_letter_topic
from services.ops.deadletters import MAX_REPLAYS, fetch, list_dead_letters, replay
from shared.topic_admin import ensure_topics

pytestmark = pytest.mark.integration
PIPELINE = "invoice_followup"


async def _dead_letter(bootstrap: str, source: str, unique: str, replays: int = 0) -> str:
    headers = {
        dl.ERROR_TYPE: "ContractInvalid",
        dl.ERROR_MESSAGE: "Invoice.TotalAmt: amount must be a JSON number",
        dl.ERROR_FIELD: "Invoice.TotalAmt",
        dl.SOURCE_TOPIC: source,
        dl.SERVICE: f"svc-{unique}",
        dl.FAILED_AT: datetime.now(UTC).isoformat(),
        dl.MSG_CORRELATION_ID: unique,
    }
    if replays:
        headers[dl.REPLAY_COUNT] = str(replays)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        meta = await producer.send_and_wait(
            dead_letter_topic(PIPELINE), b'{"raw": 1}', key=unique.encode(),
            headers=[(k, v.encode()) for k, v in headers.items()],
        )  # fmt: skip
    finally:
        await producer.stop()
    return f"{meta.topic}:{meta.partition}:{meta.offset}"


async def test_list_filters_show_prints_and_replay_republishes_with_a_count(kafka_bootstrap: str, unique: str) -> None:
    source = f"{PIPELINE}.it{unique}.v1"
    await ensure_topics(kafka_bootstrap, [source, dead_letter_topic(PIPELINE)], partitions=1)
    ref = await _dead_letter(kafka_bootstrap, source, unique)

    listed = await list_dead_letters(kafka_bootstrap, [PIPELINE], error_type="ContractInvalid", service=f"svc-{unique}")
    assert [d.ref for d in listed] == [ref]
    assert (
        await list_dead_letters(kafka_bootstrap, [PIPELINE], service=f"svc-{unique}", error_type="DraftRefused") == []
    )
    later = datetime.now(UTC) + timedelta(hours=1)
    assert await list_dead_letters(kafka_bootstrap, [PIPELINE], service=f"svc-{unique}", since=later) == []

    shown = await fetch(kafka_bootstrap, ref)
    assert shown.value == b'{"raw": 1}' and shown.headers[dl.ERROR_FIELD] == "Invoice.TotalAmt"

    assert await replay(kafka_bootstrap, ref) == source
    consumer = AIOKafkaConsumer(source, bootstrap_servers=kafka_bootstrap, auto_offset_reset="earliest", group_id=None)
    await consumer.start()
    try:
        batch = await consumer.getmany(timeout_ms=5000)
    finally:
        await consumer.stop()
    (record,) = [r for records in batch.values() for r in records]
    headers = {k: v.decode() for k, v in record.headers}
    assert record.value == b'{"raw": 1}' and record.key == unique.encode()
    assert headers[dl.REPLAY_COUNT] == "1"
    assert not [k for k in headers if k.startswith("x-dl-")], "the replayed message carries no stale error headers"


async def test_a_message_replayed_too_often_is_refused(kafka_bootstrap: str, unique: str) -> None:
    source = f"{PIPELINE}.it{unique}.v1"
    await ensure_topics(kafka_bootstrap, [source, dead_letter_topic(PIPELINE)], partitions=1)
    ref = await _dead_letter(kafka_bootstrap, source, unique, replays=MAX_REPLAYS)
    with pytest.raises(PermissionError, match="replayed 3 times"):
        await replay(kafka_bootstrap, ref)
