"""Alertmanager's webhook receiver: Prometheus alerts (silent pipeline, lag, budget, service down) reach the
operators' Slack channel through the notifier, like dead letters do."""

from __future__ import annotations

import secrets

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.notifier.bootstrap import NotifierDeps
from services.notifier.prometheus_domain import AmNotification, prometheus_alert_message
from shared.errors import UpstreamUnavailable
from shared.metrics import ALERTS_SENT

ALERTMANAGER_PATH = "/alertmanager"
MAX_BODY_BYTES = 512 * 1024


def build_routes(deps: NotifierDeps) -> list[Route]:
    async def alertmanager(request: Request) -> Response:
        token = deps.settings.alertmanager_token
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if token is None or not secrets.compare_digest(given.encode(), token.get_secret_value().encode()):
            return JSONResponse({"error": "unauthorised"}, status_code=401)
        if int(request.headers.get("content-length") or 0) > MAX_BODY_BYTES:
            return JSONResponse({"error": "body too large"}, status_code=413)
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return JSONResponse({"error": "body too large"}, status_code=413)
        try:
            notification = AmNotification.model_validate_json(body)
        except ValidationError as exc:
            first = exc.errors()[0]
            return JSONResponse({"error": first["msg"], "field": ".".join(map(str, first["loc"]))}, status_code=400)
        try:
            await deps.chat.post(
                deps.settings.alerts_webhook_url.get_secret_value(), prometheus_alert_message(notification)
            )
        except UpstreamUnavailable as exc:  # Alertmanager retries a failed webhook: nothing is lost
            return JSONResponse({"error": exc.message}, status_code=503)
        for alert in notification.alerts:
            ALERTS_SENT.labels(alert.labels.get("pipeline", "none"), f"prometheus_{alert.status}").inc()
        return JSONResponse({"posted": len(notification.alerts)})

    return [Route(ALERTMANAGER_PATH, alertmanager, methods=["POST"])]
