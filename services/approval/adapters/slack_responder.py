from __future__ import annotations

import logging
from typing import Any

import httpx

log = logging.getLogger(__name__)


class SlackResponder:
    """Posts to the `response_url` of a Slack click: updates the message or tells the clicker why not.

    Best effort by design: the decision is already recorded in Kafka when this runs, and a response URL only
    changes what the channel shows. Only URLs under `allowed_prefix` are posted to (a payload names the URL).
    """

    def __init__(self, client: httpx.AsyncClient, allowed_prefix: str) -> None:
        self._client = client
        self._prefix = allowed_prefix

    async def respond(self, response_url: str | None, message: dict[str, Any]) -> bool:
        if not response_url or not response_url.startswith(self._prefix):
            log.warning("slack response url refused", extra={"fields": {"allowed_prefix": self._prefix}})
            return False
        try:
            response = await self._client.post(response_url, json=message)
        except httpx.TransportError as exc:
            log.warning("slack response failed", extra={"fields": {"error": type(exc).__name__}})
            return False
        if response.status_code >= 400:
            log.warning("slack response refused", extra={"fields": {"status": response.status_code}})
        return response.status_code < 400
