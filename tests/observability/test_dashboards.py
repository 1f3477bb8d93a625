"""Grafana provisioning and dashboards: every query names only metrics the services export, and the committed
JSON is what infra/grafana/build.py generates. No broker needed: the names come from the metrics registry."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.grafana.build import rendered
from services.ops.stack import REPO
from tests.observability.promql import SCRAPE_SERIES, exported_names, metric_names

GRAFANA = REPO / "infra" / "grafana"
DASHBOARD_FILES = sorted((GRAFANA / "dashboards").glob("*.json"))


def _queries(dashboard: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(where, PromQL) for every panel target, nested row panels and template variables included."""
    panels = list(dashboard["panels"])
    while panels:
        panel = panels.pop()
        panels.extend(panel.get("panels", ()))
        for target in panel.get("targets", ()):
            yield f"panel {panel['title']!r} target {target['refId']}", target["expr"]
    for variable in dashboard.get("templating", {}).get("list", ()):
        query = variable.get("query")
        yield f"variable {variable['name']}", query["query"] if isinstance(query, dict) else query


def test_the_four_dashboards_are_there() -> None:
    titles = {json.loads(path.read_text())["title"] for path in DASHBOARD_FILES}
    assert titles == {
        "Seamline / Operations",
        "Seamline / Approvals",
        "Seamline / LLM cost",
        "Seamline / KPIs",
    }


def test_committed_dashboards_match_the_generator() -> None:
    committed = {path.name: path.read_text() for path in DASHBOARD_FILES}
    assert committed == rendered(), "run `python -m infra.grafana.build` and commit the JSON"


@pytest.mark.parametrize("path", DASHBOARD_FILES, ids=lambda p: p.stem)
def test_every_panel_queries_only_exported_metrics(path: Path) -> None:
    exported = exported_names() | SCRAPE_SERIES
    dashboard = json.loads(path.read_text())
    queries = list(_queries(dashboard))
    assert queries, "a dashboard without queries"
    unknown = {where: sorted(metric_names(expr) - exported) for where, expr in queries if metric_names(expr) - exported}
    assert not unknown, f"{path.name} queries metrics no service exports: {unknown}"


def test_every_panel_uses_the_provisioned_datasource() -> None:
    provisioned = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text())
    (source,) = provisioned["datasources"]
    for path in DASHBOARD_FILES:
        for panel in json.loads(path.read_text())["panels"]:
            if panel["type"] != "row":
                assert panel["datasource"] == {"type": "prometheus", "uid": source["uid"]}, (
                    path.name,
                    panel["title"],
                )


def test_the_dashboard_provider_reads_the_directory_compose_mounts() -> None:
    provider = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "dashboards.yml").read_text())["providers"][0]
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    mounts = compose["services"]["grafana"]["volumes"]
    assert f"./infra/grafana/dashboards:{provider['options']['path']}:ro" in mounts


def test_metric_name_extraction() -> None:
    expr = (
        "histogram_quantile(0.99, sum by (le, service) (rate(seamline_handler_duration_seconds_bucket"
        '{pipeline=~"$pipeline", service!="rules"}[$__rate_interval]))) / on (pipeline) group_left '
        "max(seamline_llm_budget_usd offset 5m) or vector(0) > bool 1e3"
    )
    assert metric_names(expr) == {"seamline_handler_duration_seconds_bucket", "seamline_llm_budget_usd"}
    assert metric_names("label_values(seamline_pipeline_runs_total, pipeline)") == {"seamline_pipeline_runs_total"}
    assert "seamline_not_a_metric_total" not in exported_names()
