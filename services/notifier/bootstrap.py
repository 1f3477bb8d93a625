"""Picks the notifier's adapters; each pipeline's part brings how its approval requests are drawn. Tests hand a
fake chat and, by pipeline name, fake message builders."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from contracts.pipeline import PipelineSpec
from services.notifier import pipelines
from services.notifier.adapters.slack_webhook import SlackWebhookPoster
from services.notifier.ports import ChatPoster, SentLog
from services.notifier.settings import NotifierSettings
from shared.idempotency import RedisIdempotencyStore
from shared.kernel import Kernel
from shared.parts import PipelineParts


@dataclass
class NotifierDeps:
    kernel: Kernel
    settings: NotifierSettings
    chat: ChatPoster
    sent: SentLog


def build_deps(kernel: Kernel, settings: NotifierSettings, chat: ChatPoster | None = None) -> NotifierDeps:
    poster = chat or SlackWebhookPoster(httpx.AsyncClient(timeout=settings.http_timeout_s))
    return NotifierDeps(kernel, settings, poster, RedisIdempotencyStore(kernel.redis(), "notifier"))


def build_parts(
    deps: NotifierDeps, specs: Collection[PipelineSpec], ports: Mapping[str, Any] | None = None
) -> PipelineParts[NotifierDeps]:
    return PipelineParts.load(pipelines.__name__, specs, deps, ports)
