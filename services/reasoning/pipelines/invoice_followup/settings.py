from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class FollowUpReasoningSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SEAMLINE_REASONING_", extra="ignore")

    sender_name: str = "Accounts Receivable"
