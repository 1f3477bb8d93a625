from __future__ import annotations

from dataclasses import dataclass

import httpx
from pydantic import SecretStr

from services.connectors.adapters.document_store import HttpDocumentStore
from services.connectors.adapters.hubspot_deals import HubSpotDeals
from services.connectors.adapters.qbo_client import QboHttpClient, QboOAuth
from services.connectors.adapters.redis_dedupe import RedisWebhookDedupe
from services.connectors.adapters.redis_tokens import RedisRefreshTokenStore
from services.connectors.ports import CrmDeals, DocumentStore, QuickBooks, WebhookDedupe
from services.connectors.settings import ConnectorsSettings
from shared.kernel import Kernel


@dataclass
class ConnectorsDeps:
    kernel: Kernel
    settings: ConnectorsSettings
    qbo: QuickBooks
    crm: CrmDeals | None = None
    documents: DocumentStore | None = None
    dedupe: WebhookDedupe | None = None


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
    return ConnectorsDeps(kernel, settings, qbo, *contract_review_adapters(kernel, settings))


def contract_review_adapters(
    kernel: Kernel, settings: ConnectorsSettings
) -> tuple[CrmDeals | None, DocumentStore | None, WebhookDedupe]:
    """Read-only CRM and document-store clients, when their tokens are configured."""
    crm = documents = None
    if settings.crm_token is not None:
        crm = HubSpotDeals(_bearer_client(settings.crm_base_url, settings.crm_token, settings.http_timeout_s))
    if settings.documents_token is not None:
        documents = HttpDocumentStore(
            _bearer_client(settings.documents_base_url, settings.documents_token, settings.http_timeout_s)
        )
    return crm, documents, RedisWebhookDedupe(kernel.redis())


def _bearer_client(base_url: str, token: SecretStr, timeout_s: float) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url, headers={"Authorization": f"Bearer {token.get_secret_value()}"}, timeout=timeout_s
    )
