"""Runs one service's router on FastStream's TestKafkaBroker: handlers through the service's own bootstrap, with
fakes for every port, and every message they publish captured by topic. No broker, no network: routing and
handler logic only (the real broker proves the wiring in tests/integration and tests/e2e)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from faststream.kafka import KafkaMessage, KafkaRouter, TestKafkaBroker

from contracts.envelope import Envelope
from contracts.pipeline import PipelineSpec, Topic
from shared.kernel import Kernel, build_kernel
from shared.settings import KernelSettings


@dataclass
class Captured:
    """What the handlers published, as raw JSON per topic (decode with `of`)."""

    by_topic: dict[str, list[bytes]] = field(default_factory=lambda: defaultdict(list))

    def of(self, topic: Topic[Any]) -> list[Envelope[Any]]:
        model: Any = Envelope[topic.payload]  # type: ignore[name-defined]
        return [model.model_validate_json(body) for body in self.by_topic.get(topic, [])]


def _catcher(captured: Captured, name: str) -> Callable[[KafkaMessage], Awaitable[None]]:
    async def catch(message: KafkaMessage) -> None:
        captured.by_topic[name].append(message.body)

    return catch


def kernel_for(service: str) -> Kernel:
    return build_kernel(service, KernelSettings(retry_max_attempts=1))


@asynccontextmanager
async def running(kernel: Kernel, router: KafkaRouter, specs: Iterable[PipelineSpec]) -> AsyncIterator[Captured]:
    """The router on a TestKafkaBroker, with a catcher on every topic of `specs` the router does not consume."""
    captured = Captured()
    kernel.broker.include_router(router)
    consumed = {name for s in kernel.broker.subscribers for name in s.topic_names}
    for spec in specs:
        for name in spec.topics:
            if name in consumed:
                continue

            kernel.broker.subscriber(name, group_id=f"catcher.{name}")(_catcher(captured, name))

    async with TestKafkaBroker(kernel.broker):
        yield captured
