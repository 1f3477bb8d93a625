from __future__ import annotations

from typing import Any

import httpx

from shared.errors import UpstreamUnavailable
from shared.http_errors import raise_for_upstream


class SlackWebhookPoster:
    """Slack incoming webhooks: POST JSON, the answer is the text `ok`."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def post(self, webhook_url: str, message: dict[str, Any]) -> None:
        try:
            response = await self._client.post(webhook_url, json=message)
        except httpx.TransportError as exc:
            raise UpstreamUnavailable(f"Slack unreachable: {type(exc).__name__}") from exc
        raise_for_upstream(response, "Slack")
