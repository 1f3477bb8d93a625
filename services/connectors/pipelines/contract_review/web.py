"""The CRM webhook endpoint: verify the v3 signature, accept a batch, publish closed-won deals once, answer fast."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from contracts.contract_review import SPEC, ContractReview, DealClosedWon
from contracts.envelope import Envelope
from services.connectors.bootstrap import ConnectorsDeps
from services.connectors.pipelines.contract_review.domain import (
    MAX_BODY_BYTES,
    MAX_EVENTS_PER_REQUEST,
    WebhookRejected,
    closed_won_events,
    review_ids,
    verify_hubspot_v3,
)
from services.connectors.pipelines.contract_review.ports import WebhookDedupe
from services.connectors.pipelines.contract_review.settings import ContractReviewConnectorsSettings

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/webhooks/hubspot/deals"


def build_routes(
    deps: ConnectorsDeps, settings: ContractReviewConnectorsSettings, dedupe: WebhookDedupe
) -> list[Route]:
    kernel = deps.kernel
    tenant = kernel.settings.tenant

    async def deal_webhook(request: Request) -> Response:
        if int(request.headers.get("content-length") or 0) > MAX_BODY_BYTES:
            return JSONResponse({"error": "body too large"}, status_code=413)
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return JSONResponse({"error": "body too large"}, status_code=413)
        if settings.crm_webhook_secret is None:
            return JSONResponse({"error": "webhook not configured"}, status_code=401)
        uri = (
            f"{settings.webhook_public_url.rstrip('/')}{request.url.path}"
            if settings.webhook_public_url
            else str(request.url)
        )
        if settings.webhook_public_url and request.url.query:
            uri += f"?{request.url.query}"
        try:
            verify_hubspot_v3(
                settings.crm_webhook_secret.get_secret_value(),
                request.method,
                uri,
                body,
                request.headers.get("x-hubspot-signature-v3"),
                request.headers.get("x-hubspot-request-timestamp"),
                int(time.time() * 1000),
                settings.webhook_max_age_s * 1000,
            )
        except WebhookRejected as exc:
            log.warning("webhook rejected", extra={"fields": {"reason": str(exc)}})
            return JSONResponse({"error": "invalid signature"}, status_code=401)
        signature = request.headers["x-hubspot-signature-v3"]
        if not await dedupe.claim_request(tenant, signature, 2 * settings.webhook_max_age_s):
            log.warning("webhook rejected", extra={"fields": {"reason": "replayed request"}})
            return JSONResponse({"error": "replayed request"}, status_code=401)
        try:
            return await _accept(body)
        except Exception:
            await dedupe.release_request(tenant, signature)  # the CRM's retry of this request must get through
            raise

    async def _accept(body: bytes) -> Response:
        try:
            events = json.loads(body)
        except ValueError:
            return JSONResponse({"error": "body is not JSON"}, status_code=400)
        except RecursionError:
            return JSONResponse({"error": "body is nested too deeply"}, status_code=400)
        if not isinstance(events, list):
            return JSONResponse({"error": "body must be a JSON array of events"}, status_code=400)
        if len(events) > MAX_EVENTS_PER_REQUEST:
            return JSONResponse({"error": f"at most {MAX_EVENTS_PER_REQUEST} events per request"}, status_code=413)
        published = duplicates = 0
        for event in closed_won_events(events, settings.crm_won_stage):
            if not await dedupe.claim(tenant, event.event_id):
                duplicates += 1
                continue
            try:
                await kernel.publisher.publish(ContractReview.TRIGGER, _envelope(tenant, event), key=event.deal_id)
            except Exception:
                await dedupe.release(tenant, event.event_id)  # let the CRM's retry publish it
                raise
            published += 1
        return JSONResponse({"received": len(events), "published": published, "duplicates": duplicates})

    return [Route(WEBHOOK_PATH, deal_webhook, methods=["POST"])]


def _envelope(tenant: str, event: DealClosedWon) -> Envelope[DealClosedWon]:
    event_id, correlation_id = review_ids(tenant, event)
    now = datetime.now(UTC)
    return Envelope[DealClosedWon](
        event_id=event_id,
        event_type=type(event).__name__,
        occurred_at=now,
        run_started_at=now,
        correlation_id=correlation_id,
        pipeline=SPEC.name,
        tenant=tenant,
        payload=event,
    )
