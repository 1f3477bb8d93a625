from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from contracts.envelope import Pipeline


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
    daily_budget_usd: Decimal = Field(default=Decimal("20.00"), ge=0)  # each pipeline's, unless overridden below
    # JSON, e.g. {"<pipeline>": "50.00"}; 0 turns a pipeline's LLM calls off (its messages wait in Kafka).
    pipeline_budgets_usd: dict[Pipeline, Annotated[Decimal, Field(ge=0)]] = Field(default_factory=dict)
    budget_poll_s: float = 30.0
