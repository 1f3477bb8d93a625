"""Picks the connectors' adapters: the QuickBooks client every pipeline may read through, the claims and positions
behind QuickBooks change notifications, here; each pipeline's own in its part. Tests hand fakes: `qbo` here, claims
and positions to `attach_intuit`, the rest by pipeline name to `build_parts`."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx

from contracts.pipeline import PipelineSpec
from services.connectors import pipelines
from services.connectors.adapters.qbo_client import QboHttpClient
from services.connectors.adapters.redis_cdc import RedisCdcPositions
from services.connectors.intuit.cdc import CdcCatchUp, build_cdc_scheduler
from services.connectors.intuit.delivery import IntuitDelivery, IntuitSubscriptions
from services.connectors.intuit.web import build_routes
from services.connectors.ports import CdcPositions, EventClaims, QuickBooks
from services.connectors.settings import ConnectorsSettings
from shared.idempotency import RedisIdempotencyStore
from shared.kernel import Kernel
from shared.parts import PipelineParts
from shared.qbo_oauth import QboOAuth, RedisRefreshTokenStore
from shared.runtime import ServiceRuntime


@dataclass
class ConnectorsDeps:
    kernel: Kernel
    settings: ConnectorsSettings
    qbo: QuickBooks
    intuit: IntuitSubscriptions = field(default_factory=IntuitSubscriptions)
    """Parts register interest in QuickBooks changes here: `deps.intuit.on({"Bill"}, handler)`."""


def build_deps(kernel: Kernel, settings: ConnectorsSettings, qbo: QuickBooks | None = None) -> ConnectorsDeps:
    if qbo is None:
        client = httpx.AsyncClient(base_url=settings.qbo_base_url, timeout=settings.http_timeout_s)
        oauth = QboOAuth(
            client,
            settings.qbo_token_url,
            settings.qbo_client_id,
            settings.qbo_client_secret.get_secret_value(),
            settings.qbo_refresh_token.get_secret_value(),
            RedisRefreshTokenStore(kernel.redis(), settings.qbo_realm_id),
        )
        qbo = QboHttpClient(client, oauth, settings.qbo_realm_id, settings.qbo_page_size)
    return ConnectorsDeps(kernel, settings, qbo)


def build_parts(
    deps: ConnectorsDeps, specs: Collection[PipelineSpec], ports: Mapping[str, Any] | None = None
) -> PipelineParts[ConnectorsDeps]:
    return PipelineParts.load(pipelines.__name__, specs, deps, ports)


def attach_intuit(
    runtime: ServiceRuntime,
    deps: ConnectorsDeps,
    claims: EventClaims | None = None,
    positions: CdcPositions | None = None,
) -> IntuitDelivery:
    """POST /webhooks/intuit and, unless its interval is 0, the change data capture catch-up; both deliver to the
    handlers the parts registered (call after `build_router`, which runs the parts' `subscribe`)."""
    kernel, settings = deps.kernel, deps.settings
    tenant, realm, redis = kernel.settings.tenant, settings.qbo_realm_id, kernel.redis()
    delivery = IntuitDelivery(
        deps.intuit, claims or RedisIdempotencyStore(redis, "intuit", settings.qbo_event_ttl_s), tenant, {realm}
    )
    runtime.routes.extend(build_routes(settings, delivery))
    if settings.qbo_cdc_interval_s <= 0:
        return delivery
    catch_up = CdcCatchUp(
        deps.qbo,
        deps.intuit,
        delivery,
        positions or RedisCdcPositions(redis, tenant),
        realm_id=realm,
        lookback=timedelta(seconds=settings.qbo_cdc_lookback_s),
    )
    scheduler = build_cdc_scheduler(catch_up, redis, tenant, realm, settings.qbo_cdc_interval_s)

    async def start() -> None:
        scheduler.start()

    async def stop() -> None:
        scheduler.shutdown(wait=False)

    runtime.on_start.append(start)
    runtime.on_stop.append(stop)
    return delivery
