"""The committed Prometheus config and alert rules: valid for promtool, behaving as their unit tests say, and
referring only to metrics the services export. No broker needed."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.observability.conftest import ALERTS, PROMETHEUS_DIR, promtool
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
