from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class FollowUpRulesSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SEAMLINE_RULES_", extra="ignore")

    cadence_days: int = 7
    stage_starts: str = "1:gentle,8:firm,31:final,61:escalate"
