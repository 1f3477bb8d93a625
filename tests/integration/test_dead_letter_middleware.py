"""The retry + dead-letter middleware on the real broker: fresh uuid-named topics and groups per test."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from faststream.kafka import KafkaMessage

from contracts import deadletter as dl
from contracts.envelope import Contract, Envelope
from contracts.topics import dead_letter_topic
from shared.errors import ContractInvalid, UpstreamUnavailable
from shared.kernel import build_kernel
from shared.settings import KernelSettings
from shared.topic_admin import ensure_topics

pytestmark = pytest.mark.integration
PIPELINE = "invoice_followup"


class Ping(Contract):
    n: int


async def _dead_letters_for(bootstrap: str, key: bytes, want: int, timeout_s: float = 20) -> list[Any]:
    consumer = AIOKafkaConsumer(
        dead_letter_topic(PIPELINE), bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    found: list[Any] = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout_s
        while len(found) < want and asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            found += [r for records in batch.values() for r in records if r.key == key]
    finally:
        await consumer.stop()
    return found


async def _run(
    bootstrap: str, unique: str, handler: Callable[[Envelope[Ping]], Awaitable[None]], sends: list[tuple[bytes, bytes]]
) -> None:
    settings = KernelSettings(kafka_bootstrap_servers=bootstrap, retry_max_attempts=3, retry_base_delay_s=0.05)
    kernel = build_kernel("itest", settings)
    topic = f"{PIPELINE}.it{unique}.v1"
    await ensure_topics(bootstrap, [topic, dead_letter_topic(PIPELINE)], partitions=1)
    kernel.broker.subscriber(topic, **kernel.subscriber_options(PIPELINE, unique))(handler)
    await kernel.broker.start()
    try:
        for key, body in sends:
            await kernel.publisher.publish_raw(topic, body, key, {dl.MSG_CORRELATION_ID: unique})
        await asyncio.sleep(0)
        yield_until = asyncio.get_running_loop().time() + 15
        while asyncio.get_running_loop().time() < yield_until and not getattr(handler, "done", False):
            await asyncio.sleep(0.1)
    finally:
        await kernel.broker.stop()


def _ping(n: int) -> bytes:
    return Envelope.start(Ping(n=n), pipeline=PIPELINE, tenant="t").model_dump_json().encode()


async def test_permanent_error_goes_to_dead_letter_once_with_original_bytes_and_headers(
    kafka_bootstrap: str, unique: str
) -> None:
    calls: list[int] = []
    body = _ping(1)

    async def handler(msg: Envelope[Ping]) -> None:
        calls.append(msg.payload.n)
        handler.done = True  # type: ignore[attr-defined]
        raise ContractInvalid("bad", field="payload.n")

    await _run(kafka_bootstrap, unique, handler, [(f"k-{unique}".encode(), body)])
    letters = await _dead_letters_for(kafka_bootstrap, f"k-{unique}".encode(), want=1)
    assert calls == [1], "a permanent error is never retried"
    assert len(letters) == 1
    headers = {k: v.decode() for k, v in letters[0].headers}
    assert letters[0].value == body
    assert headers[dl.ERROR_TYPE] == "ContractInvalid"
    assert headers[dl.ERROR_FIELD] == "payload.n"
    assert headers[dl.SOURCE_TOPIC] == f"{PIPELINE}.it{unique}.v1"
    assert headers[dl.ATTEMPTS] == "1"
    assert headers[dl.SERVICE] == "itest"
    assert headers[dl.CORRELATION_ID] == unique
    assert headers[dl.SOURCE_OFFSET] == "0"


async def test_retryable_error_is_retried_with_a_bound_then_dead_lettered(kafka_bootstrap: str, unique: str) -> None:
    calls: list[int] = []

    async def handler(msg: Envelope[Ping]) -> None:
        calls.append(msg.payload.n)
        if len(calls) >= 3:
            handler.done = True  # type: ignore[attr-defined]
        raise UpstreamUnavailable("down")

    await _run(kafka_bootstrap, unique, handler, [(f"k-{unique}".encode(), _ping(2))])
    letters = await _dead_letters_for(kafka_bootstrap, f"k-{unique}".encode(), want=1)
    assert len(calls) == 3, "max attempts is 3"
    assert len(letters) == 1
    assert dict(letters[0].headers)[dl.ATTEMPTS] == b"3"
    assert dict(letters[0].headers)[dl.ERROR_TYPE] == b"UpstreamUnavailable"


async def test_a_flaky_handler_recovers_without_a_dead_letter(kafka_bootstrap: str, unique: str) -> None:
    calls: list[int] = []

    async def handler(msg: Envelope[Ping]) -> None:
        calls.append(msg.payload.n)
        if len(calls) == 1:
            raise UpstreamUnavailable("blip")
        handler.done = True  # type: ignore[attr-defined]

    await _run(kafka_bootstrap, unique, handler, [(f"k-{unique}".encode(), _ping(3))])
    assert calls == [3, 3]
    assert await _dead_letters_for(kafka_bootstrap, f"k-{unique}".encode(), want=1, timeout_s=3) == []


async def test_undecodable_and_invalid_messages_are_dead_lettered_and_the_next_one_is_processed(
    kafka_bootstrap: str, unique: str
) -> None:
    seen: list[int] = []

    async def handler(msg: Envelope[Ping]) -> None:
        seen.append(msg.payload.n)
        handler.done = True  # type: ignore[attr-defined]

    key = f"k-{unique}".encode()
    sends = [(key, b"{not json"), (key, json.dumps({"payload": {"n": "x"}}).encode()), (key, _ping(4))]
    await _run(kafka_bootstrap, unique, handler, sends)
    letters = await _dead_letters_for(kafka_bootstrap, key, want=2)
    assert seen == [4]
    assert [r.value for r in letters] == [b"{not json", json.dumps({"payload": {"n": "x"}}).encode()]
    assert {dict(r.headers)[dl.ERROR_TYPE] for r in letters} == {b"ContractInvalid"}


async def test_a_failing_batch_dead_letters_each_record_with_its_own_headers(kafka_bootstrap: str, unique: str) -> None:
    settings = KernelSettings(kafka_bootstrap_servers=kafka_bootstrap, retry_max_attempts=2)
    kernel = build_kernel("itest", settings)
    topic = f"{PIPELINE}.itb{unique}.v1"
    await ensure_topics(kafka_bootstrap, [topic, dead_letter_topic(PIPELINE)], partitions=1)
    seen: list[int] = []

    async def handler(message: KafkaMessage) -> None:
        seen.append(len(message.raw_message))  # type: ignore[arg-type]
        raise ContractInvalid("the whole batch is refused", field="batch")

    kernel.broker.subscriber(topic, **kernel.batch_subscriber_options(PIPELINE, unique, 10, 1000))(handler)
    key = f"k-{unique}".encode()
    bodies = [_ping(n) for n in range(3)]
    await kernel.broker.start()
    try:
        for n, body in enumerate(bodies):
            await kernel.publisher.publish_raw(topic, body, key, {dl.MSG_CORRELATION_ID: f"{unique}-{n}"})
        letters = await _dead_letters_for(kafka_bootstrap, key, want=3)
    finally:
        await kernel.broker.stop()
    assert sum(seen) >= 3
    assert [r.value for r in letters] == bodies, "each record's own bytes, in order"
    headers = [{k: v.decode() for k, v in r.headers} for r in letters]
    assert [h[dl.CORRELATION_ID] for h in headers] == [f"{unique}-{n}" for n in range(3)]
    assert [h[dl.SOURCE_OFFSET] for h in headers] == ["0", "1", "2"]
    assert {h[dl.ERROR_FIELD] for h in headers} == {"batch"}
