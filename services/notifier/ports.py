"""Side effects the notifier needs: posting to a chat channel and remembering what it already posted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from contracts.approval import ApprovalRequested


class ChatPoster(Protocol):
    async def post(self, webhook_url: str, message: dict[str, Any]) -> None: ...


class SentLog(Protocol):
    """What was posted, by idempotency key: a message delivered twice is posted once."""

    async def result(self, key: str) -> str | None: ...

    async def record(self, key: str, result: str) -> None: ...


ApprovalMessage = Callable[[ApprovalRequested, str], dict[str, Any]]
"""A pipeline's own drawing of its approval request for Slack: the request and its tenant in, Block Kit out."""
