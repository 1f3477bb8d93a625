from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConnectorsSettings(BaseSettings):
    """Read-only credentials for the systems the pipelines fetch from; each pipeline's own are in its settings."""

    model_config = SettingsConfigDict(env_prefix="SEAMLINE_CONNECTORS_", extra="ignore")

    http_port: int = 8801
    qbo_base_url: str = "http://127.0.0.1:8710"
    qbo_token_url: str = "http://127.0.0.1:8710/oauth2/v1/tokens/bearer"  # noqa: S105 - a URL
    qbo_realm_id: str = "9341453000000000"
    qbo_client_id: str
    qbo_client_secret: SecretStr
    qbo_refresh_token: SecretStr
    qbo_page_size: int = 100
    http_timeout_s: float = 10.0
    qbo_webhook_verifier: SecretStr | None = None
    """The verifier token Intuit signs webhooks with; without it POST /webhooks/intuit refuses every request."""
    qbo_event_ttl_s: int = 7 * 24 * 3600
    """How long a QuickBooks change is remembered as delivered (Intuit retries a webhook for hours, CDC overlaps)."""
    qbo_cdc_interval_s: int = 900
    """Seconds between change-data-capture catch-ups for changes a webhook missed; 0 turns them off."""
    qbo_cdc_lookback_s: int = 24 * 3600
    """Where the first catch-up starts, in seconds before now (QuickBooks keeps 30 days of changes)."""
