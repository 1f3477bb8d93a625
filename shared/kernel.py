"""What every service is built from: broker with the dead-letter middleware, publisher, audit writer, Redis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from faststream.kafka import KafkaBroker
from faststream.middlewares import AckPolicy
from redis.asyncio import Redis

from contracts.envelope import Pipeline
from shared.audit import AuditWriter
from shared.broker import EventPublisher, build_broker
from shared.deadletter import RetryPolicy, dead_letter_middleware
from shared.settings import KernelSettings


@dataclass
class Kernel:
    service: str
    settings: KernelSettings
    broker: KafkaBroker
    publisher: EventPublisher
    audit: AuditWriter

    def redis(self) -> Redis:
        return Redis.from_url(self.settings.redis_url)

    def group_id(self, pipeline: Pipeline, role: str = "") -> str:
        """Consumer group = `<service>.<pipeline>[.<role>]`: one group per service and pipeline."""
        return f"{self.service}.{pipeline}" + (f".{role}" if role else "")

    def subscriber_options(self, pipeline: Pipeline, role: str = "") -> dict[str, Any]:
        """Commit after the handler (and its publishes) finished; a failed dead-letter write redelivers."""
        return {
            "group_id": self.group_id(pipeline, role),
            "ack_policy": AckPolicy.NACK_ON_ERROR,
            "auto_offset_reset": "earliest",
            "session_timeout_ms": self.settings.consumer_session_timeout_ms,
            "heartbeat_interval_ms": self.settings.consumer_heartbeat_interval_ms,
            "max_poll_interval_ms": self.settings.max_poll_interval_ms,
            "max_workers": self.settings.consumer_workers,
        }

    def batch_subscriber_options(self, pipeline: Pipeline, role: str, max_records: int, wait_ms: int) -> dict[str, Any]:
        """The same commit rule for a handler that takes up to `max_records` at once, waiting `wait_ms` for them."""
        options = self.subscriber_options(pipeline, role)
        del options["max_workers"]  # a batch subscriber handles one batch at a time
        return {**options, "batch": True, "max_records": max_records, "batch_timeout_ms": wait_ms}


def build_kernel(service: str, settings: KernelSettings) -> Kernel:
    policy = RetryPolicy(settings.retry_max_attempts, settings.retry_base_delay_s, settings.retry_max_delay_s)
    holder: list[EventPublisher] = []
    broker = build_broker(settings, service, [dead_letter_middleware(service, policy, lambda: holder[0])])
    publisher = EventPublisher(broker, service)
    holder.append(publisher)
    return Kernel(service, settings, broker, publisher, AuditWriter(publisher, service))
