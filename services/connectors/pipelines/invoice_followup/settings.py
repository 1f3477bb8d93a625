from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class FollowUpConnectorsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SEAMLINE_CONNECTORS_", extra="ignore")

    scan_interval_s: int = 86_400
    publish_concurrency: int = 64
