"""The committed Prometheus config and alert rules: valid for promtool, behaving as their unit tests say, and
referring only to metrics the services export. No broker needed."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.observability.conftest import ALERTS, PROMETHEUS_DIR, amtool, promtool
from tests.observability.promql import SCRAPE_SERIES, exported_names, metric_names


@pytest.mark.parametrize("config", ["prometheus.yml", "prometheus.compose.yml"])
def test_promtool_accepts_the_scrape_config_and_its_rule_files(config: str) -> None:
    result = promtool("check", "config", PROMETHEUS_DIR / config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 1 rule files found" in result.stdout


@pytest.mark.parametrize("config", ["prometheus.yml", "prometheus.compose.yml"])
def test_both_configs_scrape_the_six_services(config: str) -> None:
    loaded = yaml.safe_load((PROMETHEUS_DIR / config).read_text())
    (job,) = loaded["scrape_configs"]
    services = {group["labels"]["service"]: group["targets"] for group in job["static_configs"]}
    assert set(services) == {"connectors", "validation", "rules", "reasoning", "approval", "notifier"}
    ports = sorted(int(target.rsplit(":", 1)[1]) for targets in services.values() for target in targets)
    assert ports == list(range(8801, 8807))


@pytest.mark.parametrize(
    ("prometheus", "alertmanager", "target", "webhook"),
    [
        ("prometheus.yml", "alertmanager.yml", "127.0.0.1:9093", "http://127.0.0.1:8806/alertmanager"),
        (
            "prometheus.compose.yml",
            "alertmanager.compose.yml",
            "alertmanager:9093",
            "http://notifier:8806/alertmanager",
        ),
    ],
)
def test_firing_alerts_go_through_alertmanager_to_the_notifier(
    prometheus: str, alertmanager: str, target: str, webhook: str
) -> None:
    loaded = yaml.safe_load((PROMETHEUS_DIR / prometheus).read_text())
    assert loaded["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"] == [target]
    checked = amtool("check-config", PROMETHEUS_DIR / alertmanager)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    (receiver,) = yaml.safe_load((PROMETHEUS_DIR / alertmanager).read_text())["receivers"]
    (hook,) = receiver["webhook_configs"]
    assert hook["url"] == webhook and hook["send_resolved"] is True
    for rule in _rules(ALERTS):
        labels = [f"alertname={rule['alert']}", "pipeline=invoice_followup", "service=validation"]
        routed = amtool("config", "routes", "test", f"--config.file={PROMETHEUS_DIR / alertmanager}", *labels)
        assert routed.stdout.strip() == "seamline-notifier", (rule["alert"], routed.stdout + routed.stderr)


def test_promtool_accepts_the_alert_rules() -> None:
    result = promtool("check", "rules", ALERTS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_alert_rules_pass_their_unit_tests() -> None:
    result = promtool("test", "rules", PROMETHEUS_DIR / "alerts.test.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def _rules(path: Path) -> list[dict[str, str]]:
    return [rule for group in yaml.safe_load(path.read_text())["groups"] for rule in group["rules"]]


def test_the_alerts_operators_rely_on_exist() -> None:
    names = {rule["alert"] for rule in _rules(ALERTS)}
    assert {
        "DeadLetter", "ConsumerLagGrowing", "PipelineSilent", "ApprovalOverdue", "LlmSpendOverBudget",
        "ServiceDown",
    } <= names  # fmt: skip
    dead_letter = next(rule for rule in _rules(ALERTS) if rule["alert"] == "DeadLetter")
    assert dead_letter["for"] == "0m"


def test_alert_rules_refer_only_to_exported_metrics() -> None:
    exported = exported_names() | SCRAPE_SERIES
    missing = {
        rule["alert"]: sorted(metric_names(rule["expr"]) - exported)
        for rule in _rules(ALERTS)
        if metric_names(rule["expr"]) - exported
    }
    assert not missing, f"alert rules use metrics no service exports: {missing}"
