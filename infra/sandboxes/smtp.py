"""SMTP sink requiring AUTH, plus an HTTP app listing what it received."""

from __future__ import annotations

import asyncio
import email
import email.policy
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

DEFAULT_SMTP_USER = "seamline"
DEFAULT_SMTP_PASSWORD = "smtp-sandbox-password"  # noqa: S105 - published sandbox credential


@dataclass
class SmtpSinkState:
    user: str = DEFAULT_SMTP_USER
    password: str = DEFAULT_SMTP_PASSWORD
    messages: list[dict[str, Any]] = field(default_factory=list)
    # A slow server: after taking a message it waits this long before answering 250 (the mail is already
    # delivered, the client does not know yet). POST /_sandbox/fault {"ack_delay_s": 30} sets it.
    ack_delay_s: float = 0.0


def _bodies(message: EmailMessage) -> tuple[str | None, str | None]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return (
        text.get_content() if isinstance(text, EmailMessage) else None,
        html.get_content() if isinstance(html, EmailMessage) else None,
    )


class _Handler:
    def __init__(self, state: SmtpSinkState) -> None:
        self.state = state

    async def handle_DATA(  # noqa: N802 - hook name fixed by aiosmtpd
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        raw = envelope.original_content or envelope.content or b""
        message = email.message_from_bytes(raw if isinstance(raw, bytes) else raw.encode(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        text, html = _bodies(message)
        login = getattr(session.auth_data, "login", None)
        self.state.messages.append(
            {
                "mail_from": envelope.mail_from,
                "rcpt_tos": list(envelope.rcpt_tos),
                "subject": message.get("Subject"),
                "message_id": message.get("Message-ID"),
                "headers": {name: str(value) for name, value in message.items()},
                "text": text,
                "html": html,
                "auth_user": login.decode() if isinstance(login, bytes) else login,
                "received_at": datetime.now(UTC).isoformat(),
            }
        )
        if self.state.ack_delay_s:
            await asyncio.sleep(self.state.ack_delay_s)
        return "250 Message accepted for delivery"


def _authenticator(state: SmtpSinkState) -> Any:
    def authenticate(server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        ok = data.login.decode() == state.user and data.password.decode() == state.password
        return AuthResult(success=ok, handled=False, auth_data=data if ok else None)

    return authenticate


async def start_smtp_sink(state: SmtpSinkState, host: str, port: int) -> asyncio.Server:
    """Serve SMTP on the running loop; AUTH LOGIN/PLAIN is required before MAIL (530 otherwise)."""
    handler = _Handler(state)
    authenticator = _authenticator(state)

    def protocol() -> SMTP:
        with warnings.catch_warnings():
            # AUTH without TLS is deliberate: the sink only listens on loopback.
            warnings.simplefilter("ignore")
            return SMTP(
                handler,
                hostname="smtp.sandbox.seamline.local",
                authenticator=authenticator,
                auth_required=True,
                auth_require_tls=False,
            )

    return await asyncio.get_running_loop().create_server(protocol, host, port)


def build_smtp_listing_app(state: SmtpSinkState) -> Starlette:
    async def messages(request: Request) -> Response:
        if request.method == "DELETE":
            state.messages.clear()
            return JSONResponse([])
        recipient = request.query_params.get("to")
        found = state.messages
        if recipient is not None:
            found = [m for m in found if recipient.lower() in (r.lower() for r in m["rcpt_tos"])]
        return JSONResponse(found)

    async def fault(request: Request) -> Response:
        try:
            delay = float((await request.json()).get("ack_delay_s", 0))
        except (ValueError, TypeError, AttributeError):
            return JSONResponse({"error": 'expected {"ack_delay_s": seconds}'}, status_code=400)
        state.ack_delay_s = max(0.0, min(delay, 600.0))
        return JSONResponse({"ack_delay_s": state.ack_delay_s})

    return Starlette(
        routes=[
            Route("/messages", messages, methods=["GET", "DELETE"]),
            Route("/_sandbox/fault", fault, methods=["POST"]),
        ]
    )
