"""The approval service's SMTP mailer against the SMTP sandbox (aiosmtpd): a failure before DATA is a plain
retryable or final error, a lost answer after DATA is OutcomeUnknown (the mail may be out; never resent blindly)."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from infra.sandboxes import SmtpSinkState, start_smtp_sink
from services.approval.adapters.smtp_mailer import SmtpMailer
from shared.errors import OutcomeUnknown, UpstreamRejected, UpstreamUnavailable


@pytest_asyncio.fixture
async def sink() -> AsyncIterator[tuple[SmtpSinkState, int]]:
    state = SmtpSinkState()
    server = await start_smtp_sink(state, "127.0.0.1", 0)
    try:
        yield state, server.sockets[0].getsockname()[1]
    finally:
        server.close()


def _mailer(port: int, password: str = "smtp-sandbox-password", timeout_s: float = 5) -> SmtpMailer:
    return SmtpMailer(
        "127.0.0.1", port, "seamline", password, "AR <ar@demo-co.example>", use_tls=False, timeout_s=timeout_s
    )


async def test_a_mail_is_delivered_with_its_idempotency_message_id(sink: tuple[SmtpSinkState, int]) -> None:
    state, port = sink
    message_id = await _mailer(port).send("ap@acme.example", "Invoice 1042", "USD 1250.00 is due.", "k-1042")
    assert message_id == "<k-1042@seamline>"
    (stored,) = state.messages
    assert stored["mail_from"] == "ar@demo-co.example" and stored["rcpt_tos"] == ["ap@acme.example"]
    assert stored["message_id"] == "<k-1042@seamline>" and "USD 1250.00" in stored["text"]


async def test_a_wrong_password_is_a_final_refusal_and_nothing_is_sent(sink: tuple[SmtpSinkState, int]) -> None:
    state, port = sink
    with pytest.raises(UpstreamRejected):
        await _mailer(port, password="wrong").send("ap@acme.example", "s", "b", "k-1")
    assert state.messages == []


async def test_no_server_is_retryable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with pytest.raises(UpstreamUnavailable):
        await _mailer(closed_port).send("ap@acme.example", "s", "b", "k-2")


async def test_no_answer_after_data_is_outcome_unknown_though_the_mail_is_out(sink: tuple[SmtpSinkState, int]) -> None:
    state, port = sink
    state.ack_delay_s = 3  # the server takes the mail, then is slow to say so
    with pytest.raises(OutcomeUnknown):
        await _mailer(port, timeout_s=1).send("ap@acme.example", "Invoice 1042", "b", "k-3")
    assert [m["message_id"] for m in state.messages] == ["<k-3@seamline>"], "delivered, unacknowledged"
