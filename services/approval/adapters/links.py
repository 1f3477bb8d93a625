"""Signed, expiring approval links (itsdangerous). Single use comes from the one-decision rule."""

from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from shared.errors import PolicyRefused


class LinkSigner:
    def __init__(self, secret: str, public_url: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="seamline-approval-link")
        self._public_url = public_url.rstrip("/")

    def link(self, request_id: str, approver: str) -> str:
        token = self._serializer.dumps({"r": request_id, "a": approver})
        return f"{self._public_url}/approvals/{request_id}/decision?token={token}"

    def verify(self, token: str, request_id: str, max_age_s: int) -> str:
        """The approver the token was issued to; PolicyRefused if forged, expired or for another request."""
        try:
            data = self._serializer.loads(token, max_age=max_age_s)
        except SignatureExpired as exc:
            raise PolicyRefused("approval link has expired") from exc
        except BadSignature as exc:
            raise PolicyRefused("approval link signature is invalid") from exc
        if not isinstance(data, dict) or data.get("r") != request_id:
            raise PolicyRefused("approval link is for another request")
        return str(data["a"])
