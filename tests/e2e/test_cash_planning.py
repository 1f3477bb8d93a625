"""Cash planning end to end on the real broker: a company whose payroll in 12 days exceeds its cash while a large
receivable arrives in 20 days gets one timing-gap alert (the owner's Slack message and email, sent by policy);
recomputing the same projection sends nothing more."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from redis import Redis

from contracts.approval import ActionStatus, Route
from contracts.cash_planning import CashApproval, ShortfallCause
from infra.sandboxes.qbo_cash_seed import INVOICE_ID, INVOICE_NUMBER
from services.ops.pipelines.cash_planning.demo import REALM_ID, CashReport, cash_report, trigger
from services.ops.stack import Stack
from tests.e2e.conftest import TODAY, eventually, run

pytestmark = pytest.mark.e2e
OWNER = "alex.rivera@demo-co.example"  # infra/tenants/demo-co/policy.yaml: the owner role
PAYROLL_ON = TODAY + timedelta(days=12)


def _cash_file(tenants: Path) -> None:
    config = {
        "tenant": "demo-co", "version": "e2e.1", "currency": "USD", "horizon_days": 30,
        "buffer": {"minimum": "5000.00", "include_next_payroll": False, "realert_growth": "2500.00"},
        "payroll": [{"id": "staff", "description": "Biweekly payroll", "cadence": "biweekly",
                     "next_on": PAYROLL_ON.isoformat(), "amount": "42000.00"}],
    }  # fmt: skip
    (tenants / "demo-co" / "cash_planning.yaml").write_text(yaml.safe_dump(config))


def _settled(stack: Stack, correlation_id: str) -> CashReport:
    def probe() -> CashReport | None:
        found = run(cash_report(stack.config, correlation_id))
        return found if found.settled else None

    return eventually(probe, timeout_s=120, what=f"cash run {correlation_id} projected and acted on")


def _cash_posts(sandbox: httpx.Client, stack: Stack) -> list[dict[str, Any]]:
    posted = sandbox.get(f"{stack.config.sandbox_urls['slack']}/_sandbox/messages").json()
    return [m for m in posted if "Cash shortfall" in str(m)]


def test_payroll_before_a_large_receivable_is_one_timing_gap_alert_and_a_recomputation_sends_none(
    stack: Stack, sandbox: httpx.Client, policy_dir: Path
) -> None:
    urls = stack.config.sandbox_urls
    seeded = sandbox.post(
        f"{urls['qbo']}/_sandbox/cash/seed",
        json={"as_of": TODAY.isoformat(), "scenario": "timing_gap", "checking": "22000.00", "savings": "8000.00",
              "receivable": "60000.00", "receivable_in_days": 20},
    )  # fmt: skip
    seeded.raise_for_status()
    _cash_file(policy_dir)
    with Redis.from_url(stack.config.redis_url) as redis:
        redis.delete(f"cash:alert:demo-co:{REALM_ID}")  # no alert on file from an earlier test's checks

    first = _settled(stack, run(trigger(stack.config, "e2e")))
    assert first.dead_letters == []
    [request] = first.requests
    assert request.route is Route.AUTO and isinstance(request.payload, CashApproval)
    facts = request.payload.explained.decided.projection.shortfall
    assert facts is not None and facts.cause is ShortfallCause.TIMING_GAP
    assert TODAY + timedelta(days=9) <= facts.first_breach_on <= PAYROLL_ON, "payroll day (or the Friday before)"
    assert facts.recovers_on == TODAY + timedelta(days=20)
    assert [c.invoice_id for c in facts.receivables] == [INVOICE_ID]
    assert INVOICE_NUMBER in request.payload.explained.summary
    executed = [a for a in first.actions if a.status is ActionStatus.EXECUTED]
    assert [a.action for a in executed] == ["send_cash_alert"]
    [posted] = eventually(lambda: _cash_posts(sandbox, stack), timeout_s=30, what="the owner's Slack message")
    assert INVOICE_NUMBER in str(posted) and "timing gap" in str(posted)
    mails = sandbox.get(f"{urls['smtp_http']}/messages", params={"to": OWNER}).json()
    assert len(mails) == 1

    second = _settled(stack, run(trigger(stack.config, "e2e-again")))
    assert second.projected is not None and "alert:none" in second.projected, second.projected
    assert second.requests == [] and second.dead_letters == []
    assert len(_cash_posts(sandbox, stack)) == 1, "no second Slack message"
    assert len(sandbox.get(f"{urls['smtp_http']}/messages", params={"to": OWNER}).json()) == 1, "no second email"
