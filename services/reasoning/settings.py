from __future__ import annotations

from decimal import Decimal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ReasoningSettings(BaseSettings):
    """No business-system credentials live here, by design: only the LLM key."""

    model_config = SettingsConfigDict(env_prefix="SEAMLINE_REASONING_", extra="ignore")

    http_port: int = 8804
    anthropic_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SEAMLINE_REASONING_ANTHROPIC_API_KEY", "ANTHROPIC_API_KEY")
    )
    anthropic_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("SEAMLINE_REASONING_ANTHROPIC_BASE_URL", "ANTHROPIC_BASE_URL")
    )
    model: str = "claude-sonnet-4-6"
    timeout_s: float = 60.0
    sender_name: str = "Accounts Receivable"
    daily_budget_usd: Decimal = Decimal("20.00")
    budget_poll_s: float = 30.0
