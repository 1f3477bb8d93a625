from __future__ import annotations

from contextlib import suppress
from email.message import EmailMessage
from email.utils import parseaddr

import aiosmtplib

from shared.errors import OutcomeUnknown, UpstreamRejected, UpstreamUnavailable

# Lost after the message was handed over: the server may have accepted it.
_LOST_IN_FLIGHT = (aiosmtplib.SMTPTimeoutError, aiosmtplib.SMTPServerDisconnected, ConnectionError, TimeoutError)


class SmtpMailer:
    """Plain SMTP with AUTH; the Message-ID is derived from the idempotency key so duplicates are traceable.

    The conversation runs step by step so a failure is placed: anything before DATA means the mail was not
    sent (safe to retry); a timeout or a dropped connection after DATA means nobody knows (OutcomeUnknown).
    """

    def __init__(
        self, host: str, port: int, username: str, password: str, sender: str, *, use_tls: bool, timeout_s: float
    ) -> None:
        self._host, self._port = host, port
        self._username, self._password = username, password
        self._sender = sender
        self._use_tls = use_tls
        self._timeout = timeout_s

    async def send(self, to: str, subject: str, body: str, idempotency_key: str) -> str:
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = to
        message["Subject"] = subject
        message_id = f"<{idempotency_key}@seamline>"
        message["Message-ID"] = message_id
        message["X-Seamline-Idempotency-Key"] = idempotency_key
        message.set_content(body)
        client = aiosmtplib.SMTP(
            hostname=self._host,
            port=self._port,
            username=self._username,
            password=self._password,
            use_tls=self._use_tls,
            start_tls=False,
            timeout=self._timeout,
        )
        try:
            await _before_data(client, parseaddr(self._sender)[1], to)
            try:
                await client.data(aiosmtplib.email.flatten_message(message))
            except _LOST_IN_FLIGHT as exc:
                raise OutcomeUnknown(f"SMTP: no answer after DATA ({type(exc).__name__})") from exc
            except aiosmtplib.SMTPResponseException as exc:
                raise _refusal(exc) from exc
            with suppress(aiosmtplib.SMTPException, OSError):
                await client.quit()  # the mail is accepted; a failed goodbye changes nothing
        finally:
            if client.is_connected:
                client.close()
        return message_id


async def _before_data(client: aiosmtplib.SMTP, sender: str, to: str) -> None:
    """Connect, log in, MAIL FROM and RCPT TO; a failure here means nothing was sent."""
    try:
        await client.connect()
        await client.mail(sender)
        await client.rcpt(to)
    except (aiosmtplib.SMTPRecipientRefused, aiosmtplib.SMTPAuthenticationError) as exc:
        raise UpstreamRejected(f"SMTP refused: {type(exc).__name__}") from exc
    except aiosmtplib.SMTPResponseException as exc:
        raise _refusal(exc) from exc
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise UpstreamUnavailable(f"SMTP unavailable: {type(exc).__name__}") from exc


def _refusal(exc: aiosmtplib.SMTPResponseException) -> UpstreamUnavailable | UpstreamRejected:
    """A reply code: 4xx is temporary (retry), 5xx is final."""
    if 400 <= exc.code < 500:
        return UpstreamUnavailable(f"SMTP temporary failure {exc.code}")
    return UpstreamRejected(f"SMTP refused with {exc.code}")
