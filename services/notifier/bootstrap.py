from __future__ import annotations

from dataclasses import dataclass

import httpx

from services.notifier.adapters.slack_webhook import SlackWebhookPoster
from services.notifier.ports import ChatPoster
from services.notifier.settings import NotifierSettings
from shared.idempotency import RedisIdempotencyStore
from shared.kernel import Kernel


@dataclass
class NotifierDeps:
    kernel: Kernel
    settings: NotifierSettings
    chat: ChatPoster
    sent: RedisIdempotencyStore


def build_deps(kernel: Kernel, settings: NotifierSettings, chat: ChatPoster | None = None) -> NotifierDeps:
    poster = chat or SlackWebhookPoster(httpx.AsyncClient(timeout=settings.http_timeout_s))
    return NotifierDeps(kernel, settings, poster, RedisIdempotencyStore(kernel.redis(), "notifier"))
