from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

REPO = Path(__file__).resolve().parents[2]


class RulesSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SEAMLINE_RULES_", extra="ignore")

    http_port: int = 8803
    tenants_dir: Path = REPO / "infra" / "tenants"
