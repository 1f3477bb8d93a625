"""Slack incoming-webhook sink answering with Slack's plain-text responses."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route


@dataclass
class SlackState:
    messages: list[dict[str, Any]] = field(default_factory=list)


def build_slack_app(state: SlackState) -> Starlette:
    async def incoming(request: Request) -> Response:
        try:
            payload = json.loads(await request.body())
        except ValueError:
            return PlainTextResponse("invalid_payload", status_code=400)
        if not isinstance(payload, dict):
            return PlainTextResponse("invalid_payload", status_code=400)
        if not payload.get("text") and not payload.get("blocks"):
            return PlainTextResponse("no_text", status_code=400)
        state.messages.append(
            {
                "path": request.url.path,
                "payload": payload,
                "received_at": datetime.now(UTC).isoformat(),
            }
        )
        return PlainTextResponse("ok")

    async def messages(request: Request) -> Response:
        if request.method == "DELETE":
            state.messages.clear()
        return JSONResponse(state.messages)

    return Starlette(
        routes=[
            Route("/services/{team}/{bot}/{secret}", incoming, methods=["POST"]),
            Route("/_sandbox/messages", messages, methods=["GET", "DELETE"]),
        ],
        exception_handlers={HTTPException: _slack_http_error},
    )


async def _slack_http_error(_: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 404:
        return PlainTextResponse("no_service", status_code=404)
    return PlainTextResponse("invalid_method" if status == 405 else "internal_error", status_code=status)
