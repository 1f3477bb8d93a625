"""POST /webhooks/intuit: verify the signature, read either payload shape, deliver each change once, answer fast
(the handlers only publish; fetching happens behind Kafka)."""

from __future__ import annotations

import logging
from dataclasses import asdict

from prometheus_client import Counter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.connectors.intuit.delivery import IntuitDelivery
from services.connectors.intuit.domain import (
    MalformedNotification,
    SignatureInvalid,
    parse_notification,
    verify_intuit_signature,
)
from services.connectors.settings import ConnectorsSettings

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/webhooks/intuit"
MAX_BODY_BYTES = 1024 * 1024
MAX_EVENTS_PER_REQUEST = 1000
WEBHOOKS_REFUSED = Counter(
    "seamline_intuit_webhooks_refused_total", "QuickBooks webhook requests refused, by reason", ["reason"]
)


def build_routes(settings: ConnectorsSettings, delivery: IntuitDelivery) -> list[Route]:
    verifier = settings.qbo_webhook_verifier.get_secret_value() if settings.qbo_webhook_verifier else ""

    async def intuit_webhook(request: Request) -> Response:
        body = await _read_at_most(request, MAX_BODY_BYTES)
        if body is None:
            return _refused("too_large", {"error": "body too large"}, 413)
        if not verifier:
            return _refused("not_configured", {"error": "webhook not configured"}, 401)
        try:
            verify_intuit_signature(verifier, body, request.headers.get("intuit-signature"))
        except SignatureInvalid as exc:
            log.warning("intuit webhook rejected", extra={"fields": {"reason": str(exc)}})
            return _refused("invalid_signature", {"error": "invalid signature"}, 401)
        try:
            events = parse_notification(body)
        except MalformedNotification as exc:
            log.warning("intuit webhook malformed", extra={"fields": {"field": exc.field, "error": exc.message}})
            return _refused("malformed", {"error": exc.message, "type": type(exc).__name__, "field": exc.field}, 400)
        if len(events) > MAX_EVENTS_PER_REQUEST:
            return _refused("too_many_events", {"error": f"at most {MAX_EVENTS_PER_REQUEST} events per request"}, 413)
        delivered = await delivery.deliver(events)
        return JSONResponse({"received": len(events), **asdict(delivered)})

    return [Route(WEBHOOK_PATH, intuit_webhook, methods=["POST"])]


def _refused(reason: str, answer: dict[str, str], status_code: int) -> Response:
    WEBHOOKS_REFUSED.labels(reason).inc()
    return JSONResponse(answer, status_code=status_code)


async def _read_at_most(request: Request, limit: int) -> bytes | None:
    """The body, or None if it declares or passes `limit` (a body without Content-Length is not read whole)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)
