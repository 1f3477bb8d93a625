from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib

from shared.errors import UpstreamRejected, UpstreamUnavailable


class SmtpMailer:
    """Plain SMTP with AUTH; the Message-ID is derived from the idempotency key so duplicates are traceable."""

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
        try:
            await aiosmtplib.send(
                message,
                hostname=self._host,
                port=self._port,
                username=self._username,
                password=self._password,
                use_tls=self._use_tls,
                start_tls=False,
                timeout=self._timeout,
            )
        except (aiosmtplib.SMTPRecipientsRefused, aiosmtplib.SMTPAuthenticationError) as exc:
            raise UpstreamRejected(f"SMTP refused: {type(exc).__name__}") from exc
        except aiosmtplib.SMTPResponseException as exc:
            if 400 <= exc.code < 500:
                raise UpstreamUnavailable(f"SMTP temporary failure {exc.code}") from exc
            raise UpstreamRejected(f"SMTP refused with {exc.code}") from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise UpstreamUnavailable(f"SMTP unavailable: {type(exc).__name__}") from exc
        return message_id
