from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ContractReviewConnectorsSettings(BaseSettings):
    """The CRM (deals, signed webhooks) and the document store. Without the webhook secret the webhook endpoint
    refuses every request."""

    model_config = SettingsConfigDict(env_prefix="SEAMLINE_CONNECTORS_", extra="ignore")

    crm_base_url: str = "http://127.0.0.1:8711"
    crm_token: SecretStr | None = None
    crm_webhook_secret: SecretStr | None = None
    crm_won_stage: str = "closedwon"
    webhook_public_url: str | None = None
    webhook_max_age_s: int = 300
    documents_base_url: str = "http://127.0.0.1:8715"
    documents_token: SecretStr | None = None
    max_document_bytes: int = 512_000
