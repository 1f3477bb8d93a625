"""contract_review in the connectors: the CRM webhook turns a deal closed-won into a trigger; a trigger fetches
the deal and its contract document."""

from __future__ import annotations

import base64
from dataclasses import dataclass

import httpx
from faststream.kafka import KafkaRouter
from pydantic import SecretStr

from contracts.contract_review import SPEC, ContractReview, DealClosedWon, RawContractFetched
from contracts.envelope import Envelope
from services.connectors.bootstrap import ConnectorsDeps
from services.connectors.pipelines.contract_review.adapters.document_store import HttpDocumentStore
from services.connectors.pipelines.contract_review.adapters.hubspot_deals import HubSpotDeals
from services.connectors.pipelines.contract_review.adapters.redis_dedupe import RedisWebhookDedupe
from services.connectors.pipelines.contract_review.domain import contract_document_id
from services.connectors.pipelines.contract_review.ports import CrmDeals, DocumentStore, WebhookDedupe
from services.connectors.pipelines.contract_review.settings import ContractReviewConnectorsSettings
from services.connectors.pipelines.contract_review.web import build_routes
from shared.metrics import RECORDS_FETCHED
from shared.parts import ServicePart
from shared.runtime import ServiceRuntime


@dataclass
class ContractReviewPorts:
    settings: ContractReviewConnectorsSettings
    crm: CrmDeals | None
    """None without a CRM token: then no deal is fetched (and no trigger consumed)."""
    documents: DocumentStore | None
    dedupe: WebhookDedupe


def build_ports(deps: ConnectorsDeps) -> ContractReviewPorts:
    """Read-only CRM and document-store clients, when their tokens are configured."""
    settings, timeout_s = ContractReviewConnectorsSettings(), deps.settings.http_timeout_s
    crm = documents = None
    if settings.crm_token is not None:
        crm = HubSpotDeals(_bearer_client(settings.crm_base_url, settings.crm_token, timeout_s))
    if settings.documents_token is not None:
        documents = HttpDocumentStore(_bearer_client(settings.documents_base_url, settings.documents_token, timeout_s))
    return ContractReviewPorts(settings, crm, documents, RedisWebhookDedupe(deps.kernel.redis()))


def _bearer_client(base_url: str, token: SecretStr, timeout_s: float) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url, headers={"Authorization": f"Bearer {token.get_secret_value()}"}, timeout=timeout_s
    )


def subscribe(router: KafkaRouter, deps: ConnectorsDeps, ports: ContractReviewPorts) -> None:
    if ports.crm is None or ports.documents is None:
        return
    kernel, crm, documents = deps.kernel, ports.crm, ports.documents
    max_bytes = ports.settings.max_document_bytes

    @router.subscriber(ContractReview.TRIGGER, **kernel.subscriber_options(SPEC.name))
    async def on_deal_closed_won(msg: Envelope[DealClosedWon]) -> None:
        event = msg.payload
        deal = await crm.deal(event.deal_id)
        document_id = contract_document_id(deal)
        fetched = await documents.fetch(document_id, max_bytes) if document_id else None
        raw = RawContractFetched(
            deal_id=event.deal_id,
            as_of=event.occurred_on,
            deal=deal,
            document_id=document_id,
            content_type=fetched.content_type if fetched else None,
            filename=fetched.filename if fetched else None,
            size_bytes=fetched.size_bytes if fetched else 0,
            content_b64=base64.b64encode(fetched.content).decode() if fetched and fetched.content else None,
        )
        await kernel.publisher.publish(ContractReview.RAW, msg.follow(raw), key=event.deal_id)
        RECORDS_FETCHED.labels(SPEC.name, "crm_deal_contract").inc()
        await kernel.audit.write(msg, "fetch", f"document:{document_id or 'none'}:{raw.size_bytes}")


def attach(runtime: ServiceRuntime, deps: ConnectorsDeps, ports: ContractReviewPorts) -> None:
    runtime.routes.extend(build_routes(deps, ports.settings, ports.dedupe))


PART = ServicePart(build_ports, subscribe, attach)
