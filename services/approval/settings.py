from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO = Path(__file__).resolve().parents[2]


class ApprovalSettings(BaseSettings):
    """The approval service alone holds the credentials that write to the outside world."""

    model_config = SettingsConfigDict(env_prefix="SEAMLINE_APPROVAL_", extra="ignore")

    http_port: int = 8805
    approval_sla_s: float = 24 * 3600
    public_url: str = "http://127.0.0.1:8805"
    policy_dir: Path = REPO / "infra" / "tenants"
    link_secret: SecretStr
    api_token: SecretStr
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8725
    smtp_username: str = "seamline"
    smtp_password: SecretStr
    smtp_use_tls: bool = False
    smtp_sender: str = "Accounts Receivable <ar@demo-co.example>"
    smtp_timeout_s: float = 15.0
    crm_base_url: str = "http://127.0.0.1:8711"
    crm_token: SecretStr
    http_timeout_s: float = 10.0
    # Slack interactivity (the approve / reject buttons): the app's signing secret, and where response URLs
    # may point. Without a secret the interactions endpoint refuses every request.
    slack_signing_secret: SecretStr | None = None
    slack_response_url_prefix: str = "https://hooks.slack.com/"
