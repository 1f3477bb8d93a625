from __future__ import annotations

from dataclasses import dataclass

import httpx

from services.connectors.adapters.qbo_client import QboHttpClient, QboOAuth
from services.connectors.adapters.redis_tokens import RedisRefreshTokenStore
from services.connectors.ports import QuickBooks
from services.connectors.settings import ConnectorsSettings
from shared.kernel import Kernel


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
