from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ApApprovalSettings(BaseSettings):
    """The QuickBooks credentials that write an approved bill: held by the approval service alone. The refresh
    token rotates in Redis under the company's key, shared with the connectors' reads of the same company."""

    model_config = SettingsConfigDict(env_prefix="SEAMLINE_APPROVAL_", extra="ignore")

    qbo_base_url: str = "http://127.0.0.1:8710"
    qbo_token_url: str = "http://127.0.0.1:8710/oauth2/v1/tokens/bearer"  # noqa: S105 - a URL
    qbo_realm_id: str = "9341453000000000"
    qbo_client_id: str
    qbo_client_secret: SecretStr
    qbo_refresh_token: SecretStr
    qbo_payment_account_id: str = "35"
    """The bank account bills are paid from (a QuickBooks Account id), where a tenant turns payment on."""
    http_timeout_s: float = 10.0
