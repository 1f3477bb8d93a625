from __future__ import annotations

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ApConnectorsSettings(BaseSettings):
    """The tenant's receiving log, if it keeps one (without a base URL bills are matched two-way, no receipts), and
    the intake of vendor invoices uploaded as documents."""

    model_config = SettingsConfigDict(env_prefix="SEAMLINE_CONNECTORS_", extra="ignore")

    receiving_log_base_url: str | None = None
    receiving_log_token: SecretStr | None = None
    bill_intake_token: SecretStr | None = None
    """The bearer token vendor invoices are uploaded with (POST /intake/bills); without it every upload is refused."""
    bill_document_max_bytes: int = 2_000_000
    bill_document_ttl_s: int = 90 * 24 * 3600
    """How long an uploaded document is remembered (the same file again within it is not read twice)."""
    bill_expense_account_id: str = "7"
    """The tenant's expense account for document lines that name no purchase order line."""
