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
