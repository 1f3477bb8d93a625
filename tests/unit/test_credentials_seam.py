"""The reasoning service holds no business-system credentials: not in its settings, not in its process."""

from __future__ import annotations

from services.ops.stack import SERVICES, StackConfig
from services.reasoning.settings import ReasoningSettings

BUSINESS_SECRETS = ("QBO", "SMTP", "CRM", "WEBHOOK", "LINK_SECRET", "API_TOKEN", "DOCUMENTS_TOKEN", "REFRESH_TOKEN")


def test_the_reasoning_settings_have_no_field_for_a_business_system() -> None:
    names = " ".join(ReasoningSettings.model_fields).upper()
    assert not [s for s in BUSINESS_SECRETS if s in names]


def test_each_service_process_sees_only_its_own_credentials() -> None:
    config = StackConfig()
    reasoning = config.env_for("reasoning")
    assert not [k for k in reasoning if any(s in k for s in BUSINESS_SECRETS)]
    approval = config.env_for("approval")
    assert "SEAMLINE_APPROVAL_SMTP_PASSWORD" in approval
    assert not [k for k in approval if k.startswith("SEAMLINE_CONNECTORS_")]
    for service in SERVICES:
        own = config.env_for(service)
        foreign = [k for k in own if k.startswith("SEAMLINE_") and k.split("_")[1].lower() in set(SERVICES) - {service}]
        assert foreign == [], service
