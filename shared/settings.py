"""Settings every service shares. Built at start-up and passed down; never read at import time."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class KernelSettings(BaseSettings):
    """Broker, Redis and retry settings (prefix SEAMLINE_; KAFKA_BOOTSTRAP_SERVERS and REDIS_URL also work)."""

    model_config = SettingsConfigDict(env_prefix="SEAMLINE_", extra="ignore")

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:19092",
        validation_alias=AliasChoices("SEAMLINE_KAFKA_BOOTSTRAP_SERVERS", "KAFKA_BOOTSTRAP_SERVERS"),
    )
    redis_url: str = Field(
        default="redis://127.0.0.1:16379/0",
        validation_alias=AliasChoices("SEAMLINE_REDIS_URL", "REDIS_URL"),
    )
    tenant: str = "demo-co"
    log_level: str = "INFO"
    http_host: str = "127.0.0.1"
    retry_max_attempts: int = Field(default=4, ge=1, le=20)
    retry_base_delay_s: float = Field(default=0.2, gt=0)
    retry_max_delay_s: float = Field(default=5.0, gt=0)
    consumer_session_timeout_ms: int = 10_000
    consumer_heartbeat_interval_ms: int = 1_000
    max_poll_interval_ms: int = 300_000
    consumer_workers: int = Field(default=3, ge=1, le=32)
    """Consumers per subscriber in the same group: partitions are handled in parallel, each one in order."""
