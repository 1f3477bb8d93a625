from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ApConnectorsSettings(BaseSettings):
    """The tenant's receiving log, if it keeps one: without a base URL bills are matched two-way (no receipts)."""

    model_config = SettingsConfigDict(env_prefix="SEAMLINE_CONNECTORS_", extra="ignore")

    receiving_log_base_url: str | None = None
    receiving_log_token: SecretStr | None = None
