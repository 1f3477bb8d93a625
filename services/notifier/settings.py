from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class NotifierSettings(BaseSettings):
    """Webhook URLs are secrets: whoever has one can post to the channel."""

    model_config = SettingsConfigDict(env_prefix="SEAMLINE_NOTIFIER_", extra="ignore")

    http_port: int = 8806
    approvals_webhook_url: SecretStr
    alerts_webhook_url: SecretStr
    http_timeout_s: float = 10.0
    # Alertmanager's webhook (POST /alertmanager) presents this as a bearer token; unset refuses every call.
    alertmanager_token: SecretStr | None = None
    # Dead letters arriving together are posted as one digest of at most this many (Slack's incoming webhooks
    # take about one message a second); a lone dead letter waits at most `alert_digest_wait_ms` for company.
    alert_digest_max: int = Field(default=25, ge=1, le=50)
    alert_digest_wait_ms: int = Field(default=500, ge=0, le=10_000)
    alert_min_interval_ms: int = Field(default=1000, ge=0, le=60_000)
    """Dead-letter digests of one pipeline are posted at most this often; a burst waits and gathers meanwhile."""
