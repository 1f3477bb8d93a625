from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage

import httpx
import pytest

from infra.sandboxes import SmtpSinkState, build_smtp_listing_app, start_smtp_sink


def _message() -> EmailMessage:
    message = EmailMessage()
    message["From"] = "ar@seamline.example"
    message["To"] = "ap@acme-logistics.example"
    message["Subject"] = "Invoice 1042 reminder"
    message["Message-ID"] = "<draft-1042@seamline.example>"
    message.set_content("Invoice 1042 for USD 1250.00 was due on 2026-10-01.")
    return message


def _send(port: int, login: bool) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
        client.ehlo()
        if login:
            client.login("seamline", "smtp-sandbox-password")
        client.send_message(_message())


@pytest.mark.asyncio
async def test_smtp_sink_requires_auth_and_stores_the_message() -> None:
    state = SmtpSinkState()
    server = await start_smtp_sink(state, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            await asyncio.to_thread(_send, port, False)
        assert refused.value.smtp_code == 530

        with pytest.raises(smtplib.SMTPAuthenticationError):
            await asyncio.to_thread(_wrong_password, port)

        await asyncio.to_thread(_send, port, True)
    finally:
        server.close()
        await server.wait_closed()

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=build_smtp_listing_app(state)), base_url="http://sink"
    ) as listing:
        messages = (await listing.get("/messages", params={"to": "ap@acme-logistics.example"})).json()
        assert len(messages) == 1
        stored = messages[0]
        assert stored["mail_from"] == "ar@seamline.example"
        assert stored["rcpt_tos"] == ["ap@acme-logistics.example"]
        assert stored["subject"] == "Invoice 1042 reminder"
        assert stored["message_id"] == "<draft-1042@seamline.example>"
        assert "USD 1250.00" in stored["text"]
        assert stored["headers"]["To"] == "ap@acme-logistics.example"
        assert (await listing.get("/messages", params={"to": "someone@else.example"})).json() == []
        await listing.delete("/messages")
        assert (await listing.get("/messages")).json() == []


def _wrong_password(port: int) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
        client.login("seamline", "wrong")
