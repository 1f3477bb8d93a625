"""Slack as Seamline meets it: an incoming-webhook sink answering with Slack's plain-text responses, and the
interactivity side: a person clicking a button of a posted message (a signed `block_actions` POST to the app's
request URL, with a response URL the app may post back to)."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import httpx
from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

DEFAULT_SIGNING_SECRET = "slack-signing-secret"  # noqa: S105 - the sandbox app's, opens nothing real


def sign_slack_v0(signing_secret: str, timestamp: int, body: bytes) -> str:
    """X-Slack-Signature: `v0=` + hex HMAC-SHA256 over `v0:<timestamp>:<body>`, keyed with the signing secret."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class SlackState:
    messages: list[dict[str, Any]] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)
    signing_secret: str = DEFAULT_SIGNING_SECRET
    # Tests swap in an ASGI transport to receive clicks without a socket.
    transport: httpx.AsyncBaseTransport | None = None


class ClickRequest(BaseModel):
    """Which button of which posted message a person clicks, and who they are in Slack."""

    target_url: str
    action_id: str
    value: str | None = None  # the button's value, to pick the message when several carry the action
    user_id: str
    username: str = "sandbox.user"
    signing_secret: str | None = None  # sign with another secret (a forged click)
    age_s: int = 0  # pretend the click was sent this long ago (a stale click)


def _find_button(messages: list[dict[str, Any]], action_id: str, value: str | None) -> tuple[int, dict[str, Any]]:
    for index in range(len(messages) - 1, -1, -1):
        for block in messages[index]["payload"].get("blocks", []):
            for element in block.get("elements", []) if block.get("type") == "actions" else []:
                if element.get("action_id") == action_id and (value is None or element.get("value") == value):
                    return index, element
    raise LookupError(action_id)


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
            state.responses.clear()
        return JSONResponse(state.messages)

    async def click(request: Request) -> Response:
        try:
            wanted = ClickRequest.model_validate_json(await request.body())
            index, button = _find_button(state.messages, wanted.action_id, wanted.value)
        except (ValidationError, LookupError) as exc:
            return JSONResponse({"error": f"no such button: {exc}"}, status_code=404)
        payload = {
            "type": "block_actions",
            "team": {"id": "T0DEMO", "domain": "demo-co"},
            "user": {"id": wanted.user_id, "username": wanted.username, "team_id": "T0DEMO"},
            "api_app_id": "A0SEAMLINE",
            "container": {"type": "message", "message_ts": f"{index}.000000", "channel_id": "C0APPROVALS"},
            "channel": {"id": "C0APPROVALS", "name": "approvals"},
            "message": state.messages[index]["payload"],
            "response_url": f"{str(request.base_url).rstrip('/')}/actions/T0DEMO/{index}/{secrets.token_hex(8)}",
            "trigger_id": f"{index}.{secrets.randbelow(10**9)}",
            "actions": [
                {
                    "type": "button",
                    "action_id": button["action_id"],
                    "block_id": "approval",
                    "value": button.get("value"),
                    "text": button.get("text"),
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        body = urlencode({"payload": json.dumps(payload)}).encode()
        timestamp = int(time.time()) - wanted.age_s
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": sign_slack_v0(wanted.signing_secret or state.signing_secret, timestamp, body),
        }
        async with httpx.AsyncClient(transport=state.transport, timeout=10) as client:
            answer = await client.post(wanted.target_url, content=body, headers=headers)
        return JSONResponse(
            {"status": answer.status_code, "body": answer.text, "response_url": payload["response_url"]}
        )

    async def respond(request: Request) -> Response:
        try:
            message = json.loads(await request.body())
        except ValueError:
            return PlainTextResponse("invalid_payload", status_code=400)
        state.responses.append({"path": request.url.path, "payload": message})
        return PlainTextResponse("ok")

    async def responses(_: Request) -> Response:
        return JSONResponse(state.responses)

    return Starlette(
        routes=[
            Route("/services/{team}/{bot}/{secret}", incoming, methods=["POST"]),
            Route("/_sandbox/messages", messages, methods=["GET", "DELETE"]),
            Route("/_sandbox/interactions/click", click, methods=["POST"]),
            Route("/actions/{team}/{message}/{token}", respond, methods=["POST"]),
            Route("/_sandbox/responses", responses, methods=["GET"]),
        ],
        exception_handlers={HTTPException: _slack_http_error},
    )


async def _slack_http_error(_: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 404:
        return PlainTextResponse("no_service", status_code=404)
    return PlainTextResponse("invalid_method" if status == 405 else "internal_error", status_code=status)
