"""The Grafana dashboards as code: `python -m infra.grafana.build` writes infra/grafana/dashboards/*.json.

tests/observability checks that the committed JSON matches this file and that every metric a panel queries is
exported by some service.
"""

# ruff: noqa: E501 - a PromQL query reads best on one line, so the panel table below runs past 110 columns.

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "dashboards"
DATASOURCE = {"type": "prometheus", "uid": "prometheus"}
PIPE = 'pipeline=~"$pipeline"'
WINDOW = "$__rate_interval"
# AP matching's KPIs over a window: bills are counted once when rules match them (a bill QuickBooks sends back
# unchanged is not counted again), touchless ones when their auto-approval is recorded in QuickBooks.
AP_BILLS = "sum(increase(seamline_ap_bills_matched_total[{w}]))"
AP_TOUCHLESS = 'sum(increase(seamline_ap_bills_approved_total{{route="auto"}}[{w}])) / ' + AP_BILLS
AP_EXCEPTION_RATE = (
    "sum by (kind) (increase(seamline_ap_exceptions_total[{w}])) / ignoring (kind) group_left " + AP_BILLS
)
AP_COST = 'sum(increase(seamline_llm_cost_usd_total{{pipeline="ap_matching"}}[{w}])) / ' + AP_BILLS
AP_CYCLE = "histogram_quantile({q}, sum by (le) (rate(seamline_ap_bill_cycle_time_seconds_bucket[{w}])))"


@dataclass(frozen=True)
class Panel:
    title: str
    exprs: tuple[tuple[str, str], ...]  # (PromQL, legend)
    unit: str = "short"
    kind: str = "timeseries"
    width: int = 12
    description: str = ""
    stack: bool = False


@dataclass(frozen=True)
class Dashboard:
    uid: str
    title: str
    description: str
    rows: tuple[tuple[str, tuple[Panel, ...]], ...]
    tags: tuple[str, ...] = field(default=("seamline",))


def _panel(panel: Panel, panel_id: int, x: int, y: int) -> dict[str, Any]:
    height = 4 if panel.kind == "stat" else 8
    body: dict[str, Any] = {
        "id": panel_id,
        "type": panel.kind,
        "title": panel.title,
        "description": panel.description,
        "datasource": DATASOURCE,
        "gridPos": {"h": height, "w": panel.width, "x": x, "y": y},
        "fieldConfig": {"defaults": {"unit": panel.unit}, "overrides": []},
        "targets": [
            {"refId": chr(ord("A") + i), "datasource": DATASOURCE, "expr": expr, "legendFormat": legend}
            for i, (expr, legend) in enumerate(panel.exprs)
        ],
    }
    if panel.kind == "timeseries":
        body["fieldConfig"]["defaults"]["custom"] = {"stacking": {"mode": "normal" if panel.stack else "none"}}
        body["options"] = {"legend": {"displayMode": "table", "placement": "bottom", "calcs": ["lastNotNull", "max"]}}
    else:
        body["options"] = {"reduceOptions": {"calcs": ["lastNotNull"]}, "colorMode": "value"}
    return body


def render(dashboard: Dashboard) -> dict[str, Any]:
    panels: list[dict[str, Any]] = []
    y = 0
    for row_title, row in dashboard.rows:
        panels.append({"id": len(panels) + 1, "type": "row", "title": row_title, "collapsed": False,
                       "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}, "panels": []})  # fmt: skip
        y += 1
        x = 0
        for panel in row:
            if x + panel.width > 24:
                x, y = 0, y + 8
            panels.append(_panel(panel, len(panels) + 1, x, y))
            x += panel.width
        y += 8
    return {
        "uid": dashboard.uid,
        "title": dashboard.title,
        "description": dashboard.description,
        "tags": list(dashboard.tags),
        "timezone": "utc",
        "schemaVersion": 39,
        "version": 1,
        "editable": False,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {
            "list": [
                {
                    "name": "pipeline",
                    "label": "Pipeline",
                    "type": "query",
                    "datasource": DATASOURCE,
                    "query": {"query": "label_values(seamline_pipeline_runs_total, pipeline)", "refId": "pipeline"},
                    "definition": "label_values(seamline_pipeline_runs_total, pipeline)",
                    "refresh": 2,
                    "multi": True,
                    "includeAll": True,
                    "allValue": ".*",
                    "current": {"text": "All", "value": "$__all"},
                }
            ]
        },
        "annotations": {"list": []},
        "panels": panels,
    }


OPERATIONS = Dashboard(
    uid="seamline-operations",
    title="Seamline / Operations",
    description="Throughput, failures, dead letters and lag per pipeline and service.",
    rows=(
        (
            "Health",
            (
                Panel(
                    "Services connected",
                    (("sum(seamline_service_up)", "connected"),),
                    kind="stat",
                    width=6,
                    description="Services whose broker connection is started (6 expected).",
                ),
                Panel("Scrape targets up", (('sum(up{job="seamline"})', "up"),), kind="stat", width=6),
                Panel(
                    "Dead letters (1h)",
                    ((f"sum(increase(seamline_dead_letters_total{{{PIPE}}}[1h]))", "dead letters"),),
                    kind="stat",
                    width=6,
                ),
                Panel(
                    "Runs started (24h)",
                    ((f"sum(increase(seamline_pipeline_runs_total{{{PIPE}}}[1d]))", "runs"),),
                    kind="stat",
                    width=6,
                ),
            ),
        ),
        (
            "Throughput",
            (
                Panel(
                    "Messages consumed per second",
                    (
                        (
                            f"sum by (pipeline, service) (rate(seamline_messages_consumed_total{{{PIPE}}}[{WINDOW}]))",
                            "{{pipeline}} / {{service}}",
                        ),
                    ),
                    unit="ops",
                    stack=True,
                ),
                Panel(
                    "Messages produced per topic",
                    ((f"sum by (topic) (rate(seamline_messages_produced_total{{{PIPE}}}[{WINDOW}]))", "{{topic}}"),),
                    unit="ops",
                ),
                Panel(
                    "Handler latency p50 / p99",
                    (
                        (
                            f"histogram_quantile(0.5, sum by (le, service) (rate(seamline_handler_duration_seconds_bucket{{{PIPE}}}[{WINDOW}])))",
                            "p50 {{service}}",
                        ),
                        (
                            f"histogram_quantile(0.99, sum by (le, service) (rate(seamline_handler_duration_seconds_bucket{{{PIPE}}}[{WINDOW}])))",
                            "p99 {{service}}",
                        ),
                    ),
                    unit="s",
                ),
                Panel(
                    "Records fetched from outside systems",
                    (
                        (
                            f"sum by (pipeline, kind) (rate(seamline_records_fetched_total{{{PIPE}}}[{WINDOW}]))",
                            "{{pipeline}} {{kind}}",
                        ),
                    ),
                    unit="ops",
                ),
            ),
        ),
        (
            "Failures",
            (
                Panel(
                    "Handler failures by error type",
                    (
                        (
                            f"sum by (service, error_type) (rate(seamline_handler_failures_total{{{PIPE}}}[{WINDOW}]))",
                            "{{service}} {{error_type}}",
                        ),
                    ),
                    unit="ops",
                    stack=True,
                ),
                Panel(
                    "Retries",
                    ((f"sum by (service) (rate(seamline_handler_retries_total{{{PIPE}}}[{WINDOW}]))", "{{service}}"),),
                    unit="ops",
                ),
                Panel(
                    "Dead letters by pipeline and error",
                    (
                        (
                            f"sum by (pipeline, service, error_type) (increase(seamline_dead_letters_total{{{PIPE}}}[1h]))",
                            "{{pipeline}} {{service}} {{error_type}}",
                        ),
                    ),
                    description="Inspect with `seamline deadletters list --pipeline <p>`.",
                ),
                Panel(
                    "Operator alerts and approver messages sent",
                    (
                        (
                            f"sum by (pipeline, kind) (increase(seamline_notifications_sent_total{{{PIPE}}}[1h]))",
                            "{{pipeline}} {{kind}}",
                        ),
                    ),
                ),
            ),
        ),
        (
            "Lag and schedule",
            (
                Panel(
                    "Consumer lag per pipeline",
                    ((f"sum by (pipeline) (seamline_consumer_lag_messages{{{PIPE}}})", "{{pipeline}}"),),
                    description="Messages not yet committed, summed over the pipeline's consumer groups.",
                ),
                Panel(
                    "Consumer lag per service and topic",
                    ((f"max by (service, topic) (seamline_consumer_lag_messages{{{PIPE}}})", "{{service}} {{topic}}"),),
                ),
                Panel(
                    "Time since the last run started",
                    (
                        (
                            f"time() - max by (pipeline) (seamline_pipeline_last_run_timestamp_seconds{{{PIPE}}})",
                            "{{pipeline}}",
                        ),
                    ),
                    unit="s",
                    width=24,
                ),
            ),
        ),
    ),
)

APPROVALS = Dashboard(
    uid="seamline-approvals",
    title="Seamline / Approvals",
    description="Requests waiting for a human, how long they wait, and what people decide.",
    rows=(
        (
            "Now",
            (
                Panel(
                    "Pending approvals",
                    ((f"sum(seamline_approvals_pending{{{PIPE}}})", "pending"),),
                    kind="stat",
                    width=8,
                ),
                Panel(
                    "Oldest pending",
                    ((f"max(seamline_approval_oldest_pending_age_seconds{{{PIPE}}})", "age"),),
                    kind="stat",
                    unit="s",
                    width=8,
                ),
                Panel(
                    "Decisions (24h)",
                    ((f"sum(increase(seamline_approval_decisions_total{{{PIPE}}}[1d]))", "decisions"),),
                    kind="stat",
                    width=8,
                ),
            ),
        ),
        (
            "Over time",
            (
                Panel(
                    "Pending by pipeline",
                    ((f"sum by (pipeline) (seamline_approvals_pending{{{PIPE}}})", "{{pipeline}}"),),
                ),
                Panel(
                    "Age of the oldest pending request",
                    ((f"max by (pipeline) (seamline_approval_oldest_pending_age_seconds{{{PIPE}}})", "{{pipeline}}"),),
                    unit="s",
                ),
                Panel(
                    "Decisions per hour",
                    (
                        (
                            f"sum by (pipeline, decision) (increase(seamline_approval_decisions_total{{{PIPE}}}[1h]))",
                            "{{pipeline}} {{decision}}",
                        ),
                    ),
                    stack=True,
                ),
                Panel(
                    "Share approved (24h)",
                    (
                        (
                            f'sum by (pipeline) (increase(seamline_approval_decisions_total{{decision="approve",{PIPE}}}[1d]))'
                            f" / sum by (pipeline) (increase(seamline_approval_decisions_total{{{PIPE}}}[1d]))",
                            "{{pipeline}}",
                        ),
                    ),
                    unit="percentunit",
                ),
            ),
        ),
    ),
)

COST = Dashboard(
    uid="seamline-cost",
    title="Seamline / LLM cost",
    description="Tokens and US dollars per pipeline, per model and per run, against the daily budget.",
    rows=(
        (
            "Today",
            (
                Panel(
                    "Spend today (USD)",
                    ((f"sum(seamline_llm_spend_today_usd{{{PIPE}}})", "spend"),),
                    kind="stat",
                    unit="currencyUSD",
                    width=8,
                ),
                Panel(
                    "Budget used today",
                    (
                        (
                            f"sum(seamline_llm_spend_today_usd{{{PIPE}}}) / sum(seamline_llm_budget_usd{{{PIPE}}})",
                            "used",
                        ),
                    ),
                    kind="stat",
                    unit="percentunit",
                    width=8,
                ),
                Panel(
                    "Pipelines paused for budget",
                    ((f"sum(seamline_llm_paused{{{PIPE}}})", "paused"),),
                    kind="stat",
                    width=8,
                ),
            ),
        ),
        (
            "Per pipeline",
            (
                Panel(
                    "Spend per pipeline (USD per hour)",
                    ((f"sum by (pipeline) (increase(seamline_llm_cost_usd_total{{{PIPE}}}[1h]))", "{{pipeline}}"),),
                    unit="currencyUSD",
                    stack=True,
                ),
                Panel(
                    "Spend today vs daily budget",
                    (
                        (f"max by (pipeline) (seamline_llm_spend_today_usd{{{PIPE}}})", "spent {{pipeline}}"),
                        (f"max by (pipeline) (seamline_llm_budget_usd{{{PIPE}}})", "budget {{pipeline}}"),
                    ),
                    unit="currencyUSD",
                ),
                Panel(
                    "Tokens per hour by kind",
                    (
                        (
                            f"sum by (pipeline, kind) (increase(seamline_llm_tokens_total{{{PIPE}}}[1h]))",
                            "{{pipeline}} {{kind}}",
                        ),
                    ),
                    stack=True,
                ),
                Panel(
                    "Spend per model (USD per hour)",
                    ((f"sum by (model) (increase(seamline_llm_cost_usd_total{{{PIPE}}}[1h]))", "{{model}}"),),
                    unit="currencyUSD",
                ),
            ),
        ),
        (
            "Per run and per item",
            (
                Panel(
                    "Cost per run (USD, 24h average)",
                    (
                        (
                            f"sum by (pipeline) (increase(seamline_llm_cost_usd_total{{{PIPE}}}[1d]))"
                            f" / sum by (pipeline) (increase(seamline_pipeline_runs_total{{{PIPE}}}[1d]))",
                            "{{pipeline}}",
                        ),
                    ),
                    unit="currencyUSD",
                ),
                Panel(
                    "Tokens per run (24h average)",
                    (
                        (
                            f"sum by (pipeline) (increase(seamline_llm_tokens_total{{{PIPE}}}[1d]))"
                            f" / sum by (pipeline) (increase(seamline_pipeline_runs_total{{{PIPE}}}[1d]))",
                            "{{pipeline}}",
                        ),
                    ),
                ),
                Panel(
                    "Cost per drafted item p50 / p95",
                    (
                        (
                            f"histogram_quantile(0.5, sum by (le, pipeline) (rate(seamline_run_cost_usd_bucket{{{PIPE}}}[1h])))",
                            "p50 {{pipeline}}",
                        ),
                        (
                            f"histogram_quantile(0.95, sum by (le, pipeline) (rate(seamline_run_cost_usd_bucket{{{PIPE}}}[1h])))",
                            "p95 {{pipeline}}",
                        ),
                    ),
                    unit="currencyUSD",
                    width=24,
                ),
            ),
        ),
    ),
)

KPIS = Dashboard(
    uid="seamline-kpis",
    title="Seamline / KPIs",
    description="What the business sees: invoices chased, bills matched and approved untouched, cycle time, exception rate, cost per bill.",
    rows=(
        (
            "Invoice follow-up",
            (
                Panel(
                    "Invoices chased (24h)",
                    (("sum(increase(seamline_invoices_chased_total[1d]))", "chased"),),
                    kind="stat",
                    width=8,
                ),
                Panel(
                    "Cycle time p50 (trigger to email)",
                    (
                        (
                            "histogram_quantile(0.5, sum by (le) (rate(seamline_followup_cycle_time_seconds_bucket[1d])))",
                            "p50",
                        ),
                    ),
                    kind="stat",
                    unit="s",
                    width=8,
                ),
                Panel(
                    "Exception rate (24h)",
                    (
                        (
                            f"sum(increase(seamline_exceptions_total{{{PIPE}}}[1d])) / sum(increase(seamline_items_processed_total{{{PIPE}}}[1d]))",
                            "exceptions",
                        ),
                    ),
                    kind="stat",
                    unit="percentunit",
                    width=8,
                    description="Items that needed a human or were dead-lettered, over items finished.",
                ),
                Panel("Invoices chased per hour", (("sum(increase(seamline_invoices_chased_total[1h]))", "chased"),)),
                Panel(
                    "Follow-up cycle time p50 / p90",
                    (
                        (
                            "histogram_quantile(0.5, sum by (le) (rate(seamline_followup_cycle_time_seconds_bucket[6h])))",
                            "p50",
                        ),
                        (
                            "histogram_quantile(0.9, sum by (le) (rate(seamline_followup_cycle_time_seconds_bucket[6h])))",
                            "p90",
                        ),
                    ),
                    unit="s",
                ),
            ),
        ),
        (
            "AP matching",
            (
                Panel(
                    "Touchless rate (24h)",
                    ((AP_TOUCHLESS.format(w="1d"), "touchless"),),
                    kind="stat",
                    unit="percentunit",
                    width=6,
                    description="Bills matched with no variance and approved by policy, the approval recorded in QuickBooks, over bills matched.",
                ),
                Panel("Bills matched (24h)", ((AP_BILLS.format(w="1d"), "bills"),), kind="stat", width=6),
                Panel(
                    "Cycle time p50 / p95 (bill received to approved)",
                    ((AP_CYCLE.format(q=0.5, w="1d"), "p50"), (AP_CYCLE.format(q=0.95, w="1d"), "p95")),
                    kind="stat",
                    unit="s",
                    width=6,
                    description="From the bill reaching Seamline (webhook, catch-up or command) to its approval being recorded in QuickBooks.",
                ),
                Panel(
                    "Cost per bill (24h)",
                    ((AP_COST.format(w="1d"), "per bill"),),
                    kind="stat",
                    unit="currencyUSD",
                    width=6,
                    description="LLM spend of ap_matching over bills matched; only bills with exceptions are explained by the LLM.",
                ),
                Panel(
                    "Bills matched by outcome",
                    (("sum by (outcome) (increase(seamline_ap_bills_matched_total[1h]))", "{{outcome}}"),),
                    stack=True,
                ),
                Panel(
                    "Bills approved by route",
                    (("sum by (route) (increase(seamline_ap_bills_approved_total[1h]))", "{{route}}"),),
                    stack=True,
                    description="Approvals recorded in QuickBooks: auto is touchless, human went through a person.",
                ),
                Panel("Touchless rate (6h)", ((AP_TOUCHLESS.format(w="6h"), "touchless"),), unit="percentunit"),
                Panel(
                    "Exception rate by kind (6h)",
                    ((AP_EXCEPTION_RATE.format(w="6h"), "{{kind}}"),),
                    unit="percentunit",
                    description="Exceptions of each kind per bill matched; a bill may have several.",
                ),
                Panel(
                    "Bill cycle time p50 / p95",
                    ((AP_CYCLE.format(q=0.5, w="6h"), "p50"), (AP_CYCLE.format(q=0.95, w="6h"), "p95")),
                    unit="s",
                ),
                Panel("Cost per bill (6h)", ((AP_COST.format(w="6h"), "per bill"),), unit="currencyUSD"),
            ),
        ),
        (
            "Outcomes",
            (
                Panel(
                    "Items finished by outcome",
                    (
                        (
                            f"sum by (pipeline, outcome) (increase(seamline_items_processed_total{{{PIPE}}}[1h]))",
                            "{{pipeline}} {{outcome}}",
                        ),
                    ),
                    stack=True,
                ),
                Panel(
                    "Exceptions by kind",
                    (
                        (
                            f"sum by (pipeline, kind) (increase(seamline_exceptions_total{{{PIPE}}}[1h]))",
                            "{{pipeline}} {{kind}}",
                        ),
                    ),
                    stack=True,
                ),
                Panel(
                    "Runs per day",
                    ((f"sum by (pipeline) (increase(seamline_pipeline_runs_total{{{PIPE}}}[1d]))", "{{pipeline}}"),),
                ),
                Panel(
                    "Dead-letter share of records fetched (24h)",
                    (
                        (
                            f"sum by (pipeline) (increase(seamline_dead_letters_total{{{PIPE}}}[1d]))"
                            f" / sum by (pipeline) (increase(seamline_records_fetched_total{{{PIPE}}}[1d]))",
                            "{{pipeline}}",
                        ),
                    ),
                    unit="percentunit",
                ),
            ),
        ),
    ),
)

DASHBOARDS = {"operations": OPERATIONS, "approvals": APPROVALS, "cost": COST, "kpis": KPIS}


def rendered() -> dict[str, str]:
    """File name -> JSON text, exactly as committed."""
    return {f"{name}.json": json.dumps(render(d), indent=2) + "\n" for name, d in DASHBOARDS.items()}


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, text in rendered().items():
        (OUT / name).write_text(text)
        print(f"wrote {OUT / name}")


if __name__ == "__main__":
    main()
