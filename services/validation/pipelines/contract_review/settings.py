from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class ContractValidationSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SEAMLINE_VALIDATION_", extra="ignore")

    max_document_bytes: int = 512_000
