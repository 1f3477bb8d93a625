from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

REPO = Path(__file__).resolve().parents[4]


class CashConnectorsSettings(BaseSettings):
    """Where each tenant's cash planning file is, how often the projection is recomputed on a schedule, and how
    many QuickBooks changes in a row start one recomputation."""

    model_config = SettingsConfigDict(env_prefix="SEAMLINE_CONNECTORS_CASH_", extra="ignore")

    tenants_dir: Path = REPO / "infra" / "tenants"
    check_interval_s: int = 86_400
    """Seconds between scheduled checks (at least daily); 0 turns the schedule off."""
    debounce_s: int = 60
    """At most one check per tenant in this many seconds is started by QuickBooks changes."""
    history_days_default: int = 365
