"""Runs one service: its Kafka subscribers and its small HTTP app (/metrics, /healthz, own routes)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from faststream.kafka import KafkaBroker
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from shared.metrics import SERVICE_UP

log = logging.getLogger(__name__)

Hook = Callable[[], Coroutine[Any, Any, object]]


@dataclass
class ServiceRuntime:
    name: str
    broker: KafkaBroker
    http_port: int
    routes: list[BaseRoute] = field(default_factory=list)
    before_start: list[Hook] = field(default_factory=list)
    on_start: list[Hook] = field(default_factory=list)
    on_stop: list[Hook] = field(default_factory=list)
    background: list[Hook] = field(default_factory=list)
    """Loops that run while the service is up (metrics probes); cancelled at shutdown."""
    started: bool = False

    def http_app(self) -> Starlette:
        async def metrics(_: Request) -> Response:
            return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

        async def healthz(_: Request) -> Response:
            return JSONResponse({"service": self.name, "ok": self.started}, status_code=200 if self.started else 503)

        return Starlette(routes=[Route("/metrics", metrics), Route("/healthz", healthz), *self.routes])


async def serve(runtime: ServiceRuntime, host: str) -> None:
    """Run start-up hooks, start the broker, serve HTTP until SIGTERM/SIGINT, then stop in reverse order."""
    for hook in runtime.before_start:
        await hook()
    await runtime.broker.start()
    for hook in runtime.on_start:
        await hook()
    tasks = [asyncio.create_task(loop()) for loop in runtime.background]
    runtime.started = True
    SERVICE_UP.labels(runtime.name).set(1)
    config = uvicorn.Config(runtime.http_app(), host=host, port=runtime.http_port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    log.info("service started", extra={"fields": {"port": runtime.http_port}})
    try:
        await server.serve()
    finally:
        runtime.started = False
        SERVICE_UP.labels(runtime.name).set(0)
        for task in tasks:
            task.cancel()
        for hook in reversed(runtime.on_stop):
            await hook()
        await asyncio.wait_for(runtime.broker.stop(), timeout=15)
        log.info("service stopped")
