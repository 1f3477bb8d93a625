from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class NotifierSettings(BaseSettings):
    """Webhook URLs are secrets: whoever has one can post to the channel."""

    model_config = SettingsConfigDict(env_prefix="SEAMLINE_NOTIFIER_", extra="ignore")

    http_port: int = 8806
    approvals_webhook_url: SecretStr
    alerts_webhook_url: SecretStr
    http_timeout_s: float = 10.0
