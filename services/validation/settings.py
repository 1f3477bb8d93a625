from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class ValidationSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SEAMLINE_VALIDATION_", extra="ignore")

    http_port: int = 8802
