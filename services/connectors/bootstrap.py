"""Picks the connectors' adapters: the QuickBooks client every pipeline may read through, here; each pipeline's
own in its part. Tests hand fakes: `qbo` here, the rest by pipeline name to `build_parts`."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from contracts.pipeline import PipelineSpec
from services.connectors import pipelines
from services.connectors.adapters.qbo_client import QboHttpClient, QboOAuth
from services.connectors.adapters.redis_tokens import RedisRefreshTokenStore
from services.connectors.ports import QuickBooks
from services.connectors.settings import ConnectorsSettings
from shared.kernel import Kernel
from shared.parts import PipelineParts


@dataclass
class ConnectorsDeps:
    kernel: Kernel
    settings: ConnectorsSettings
    qbo: QuickBooks


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
