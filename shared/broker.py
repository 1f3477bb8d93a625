"""Broker factory and the one way to publish an envelope."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from faststream.kafka import KafkaBroker

from contracts import deadletter as dl
from contracts.envelope import Contract, Envelope
from contracts.pipeline import Topic
from contracts.topics import pipeline_of
from shared.metrics import MESSAGES_PRODUCED
from shared.settings import KernelSettings

P = TypeVar("P", bound=Contract)


def build_broker(settings: KernelSettings, service: str, middlewares: Sequence[Any] = ()) -> KafkaBroker:
    """Idempotent producer with acks=all: a retried send never writes a message twice."""
    return KafkaBroker(
        settings.kafka_bootstrap_servers,
        client_id=f"seamline-{service}",
        enable_idempotence=True,
        acks="all",
        middlewares=tuple(middlewares),
        logger=None,
    )


class EventPublisher:
    """Publishes envelopes as JSON, keyed by business entity, with the correlation id in a header."""

    def __init__(self, broker: KafkaBroker, service: str) -> None:
        self._broker = broker
        self._service = service

    async def publish(self, topic: Topic[P], envelope: Envelope[P], key: str) -> None:
        """Refuses (WrongTopic) an envelope whose payload is not the type the topic is declared for."""
        topic.check(envelope)
        await self._broker.publish(
            envelope.model_dump_json().encode(),
            topic,
            key=key.encode(),
            headers={
                dl.MSG_CORRELATION_ID: str(envelope.correlation_id),
                dl.MSG_EVENT_TYPE: envelope.event_type,
                "content-type": "application/json",
            },
        )
        MESSAGES_PRODUCED.labels(self._service, pipeline_of(topic), topic).inc()

    async def publish_raw(self, topic: str, body: bytes, key: bytes | None, headers: dict[str, str]) -> None:
        await self._broker.publish(body, topic, key=key, headers=headers)
        MESSAGES_PRODUCED.labels(self._service, pipeline_of(topic), topic).inc()
