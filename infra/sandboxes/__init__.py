"""Sandbox servers speaking the wire formats of QuickBooks Online, HubSpot, Slack, SMTP and Anthropic, plus a
receiving log (goods received against purchase orders) served beside QuickBooks."""

from infra.sandboxes.anthropic_api import AnthropicState, build_anthropic_app
from infra.sandboxes.crm import CrmState, build_crm_app, sign_hubspot_v3
from infra.sandboxes.qbo import build_qbo_app
from infra.sandboxes.qbo_ap_seed import BILL_OUTCOMES, HISTORY_BILLS, seed_ap
from infra.sandboxes.qbo_seed import SeedParams, seed_company
from infra.sandboxes.qbo_state import QboState
from infra.sandboxes.qbo_webhooks import sign_intuit
from infra.sandboxes.runner import (
    RunningSandboxes,
    SandboxConfig,
    SandboxStates,
    running_sandboxes,
    serve_sandboxes,
)
from infra.sandboxes.slack import SlackState, build_slack_app
from infra.sandboxes.smtp import SmtpSinkState, build_smtp_listing_app, start_smtp_sink

__all__ = [
    "BILL_OUTCOMES",
    "HISTORY_BILLS",
    "AnthropicState",
    "CrmState",
    "QboState",
    "RunningSandboxes",
    "SandboxConfig",
    "SandboxStates",
    "SeedParams",
    "SlackState",
    "SmtpSinkState",
    "build_anthropic_app",
    "build_crm_app",
    "build_qbo_app",
    "build_slack_app",
    "build_smtp_listing_app",
    "running_sandboxes",
    "seed_ap",
    "seed_company",
    "serve_sandboxes",
    "sign_hubspot_v3",
    "sign_intuit",
    "start_smtp_sink",
]
