from __future__ import annotations

from typing import Any, Protocol


class ChatPoster(Protocol):
    async def post(self, webhook_url: str, message: dict[str, Any]) -> None: ...
