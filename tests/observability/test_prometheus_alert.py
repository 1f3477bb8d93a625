"""A real Prometheus server, the committed alert rules, a real Alertmanager and the running stack: one malformed
invoice in a run makes the DeadLetter alert fire within seconds, and the operators' Slack channel hears of it
from the notifier."""

from __future__ import annotations

import asyncio
import time
from datetime import date, timedelta

import httpx
import pytest

from services.ops.pipelines.invoice_followup.demo import trigger
from services.ops.stack import Stack
from tests.observability.conftest import PrometheusServer

pytestmark = pytest.mark.e2e


def _add_malformed_invoice(stack: Stack) -> None:
    """The same record tests/e2e uses: TotalAmt is "12x.50", which validation refuses by field."""
    qbo = stack.config.sandbox_urls["qbo"]
    today = date.today()
    due = today - timedelta(days=9)
    customer = {
        "Id": "c-obs", "DisplayName": "Observability Co", "CompanyName": "Observability Co",
        "PrimaryEmailAddr": {"Address": "ap@c-obs.example"}, "Active": True, "Balance": 0,
        "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
    }  # fmt: skip
    invoice = {
        "Id": "obs-1", "SyncToken": "0", "DocNumber": "OBS-1",
        "TxnDate": (due - timedelta(days=30)).isoformat(), "DueDate": due.isoformat(),
        "TotalAmt": "12x.50", "Balance": 99.0,
        "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
        "CustomerRef": {"value": "c-obs", "name": "c-obs"}, "BillEmail": {"Address": "ap@c-obs.example"},
        "Line": [{"Id": "1", "LineNum": 1, "Amount": 99.0, "DetailType": "SalesItemLineDetail"}],
    }  # fmt: skip
    with httpx.Client(timeout=10) as client:
        client.post(f"{qbo}/_sandbox/seed", json={"as_of": today.isoformat(), "customers": 0, "invoices": 0})
        client.post(f"{qbo}/_sandbox/customers", json=customer).raise_for_status()
        client.post(f"{qbo}/_sandbox/invoices", json=invoice).raise_for_status()


def _wait_for_targets(prometheus: PrometheusServer, count: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        targets = prometheus.api("targets")["activeTargets"]
        if sum(t["health"] == "up" for t in targets) == count:
            return
        time.sleep(0.3)
    raise AssertionError(f"not every target is up after {timeout_s}s: {prometheus.api('targets')}")


def test_a_dead_letter_fires_the_committed_dead_letter_alert(stack: Stack, prometheus: PrometheusServer) -> None:
    started = time.monotonic()
    _wait_for_targets(prometheus, len(stack.config.service_ports), timeout_s=15)
    rules = {r["name"] for g in prometheus.api("rules")["groups"] for r in g["rules"]}
    assert "DeadLetter" in rules
    assert prometheus.firing("DeadLetter") == []

    _add_malformed_invoice(stack)
    correlation_id = asyncio.run(trigger(stack.config, "observability-test"))

    deadline = started + 60
    firing: list[dict[str, object]] = []
    while not firing and time.monotonic() < deadline:
        time.sleep(0.5)
        firing = prometheus.firing("DeadLetter")
    assert firing, f"DeadLetter did not fire within 60s (run {correlation_id}); alerts: {prometheus.api('alerts')}"
    labels = firing[0]["labels"]
    assert isinstance(labels, dict)
    assert labels["pipeline"] == "invoice_followup"
    assert labels["service"] == "validation"
    assert labels["error_type"] == "ContractInvalid"
    assert labels["severity"] == "ticket"

    slack = stack.config.sandbox_urls["slack"]

    def announced() -> list[dict[str, object]]:
        messages = httpx.get(f"{slack}/_sandbox/messages", timeout=5).json()
        return [
            m
            for m in messages
            if m["payload"].get("text", "").startswith("FIRING") and "DeadLetter" in m["payload"]["text"]
        ]

    deadline = time.monotonic() + 30
    while not (posted := announced()) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert posted, "Alertmanager -> notifier -> Slack: the firing DeadLetter alert was not posted within 30s"
    assert "Dead letters in invoice_followup (validation, ContractInvalid)" in str(posted[0]["payload"])
    assert "B0ALERTS" in str(posted[0]["path"])
