"""Prometheus metrics every service exports (base units, `_total` counters, `_seconds` histograms)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

MESSAGES_CONSUMED = Counter(
    "seamline_messages_consumed_total", "Messages taken from a topic", ["service", "pipeline", "topic"]
)
MESSAGES_PRODUCED = Counter(
    "seamline_messages_produced_total", "Messages published to a topic", ["service", "pipeline", "topic"]
)
HANDLER_FAILURES = Counter(
    "seamline_handler_failures_total", "Handler attempts that raised", ["service", "pipeline", "error_type"]
)
HANDLER_RETRIES = Counter(
    "seamline_handler_retries_total", "Handler attempts retried after a retryable error", ["service", "pipeline"]
)
DEAD_LETTERS = Counter(
    "seamline_dead_letters_total", "Messages sent to a dead-letter topic", ["service", "pipeline", "error_type"]
)
HANDLER_DURATION = Histogram(
    "seamline_handler_duration_seconds",
    "Time to handle one message, retries included",
    ["service", "pipeline", "topic"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
SERVICE_UP = Gauge("seamline_service_up", "1 while the service's broker connection is started", ["service"])
LLM_TOKENS = Counter("seamline_llm_tokens_total", "LLM tokens by kind", ["pipeline", "model", "kind"])
LLM_COST = Counter("seamline_llm_cost_usd_total", "LLM spend in US dollars", ["pipeline", "model"])
ALERTS_SENT = Counter(
    "seamline_notifications_sent_total",
    "Notifications posted to people; a dead-letter digest counts each letter it names",
    ["pipeline", "kind"],
)
RECORDS_FETCHED = Counter(
    "seamline_records_fetched_total", "Records fetched from outside systems", ["pipeline", "kind"]
)
CONSUMER_LAG = Gauge(
    "seamline_consumer_lag_messages", "Messages not yet committed by a consumer group", ["service", "pipeline", "topic"]
)
PIPELINE_RUNS = Counter("seamline_pipeline_runs_total", "Pipeline runs started", ["pipeline"])
PIPELINE_LAST_RUN = Gauge(
    "seamline_pipeline_last_run_timestamp_seconds", "Unix time the pipeline last started a run", ["pipeline"]
)
APPROVALS_PENDING = Gauge("seamline_approvals_pending", "Approval requests waiting for a human", ["pipeline"])
APPROVAL_OLDEST_AGE = Gauge(
    "seamline_approval_oldest_pending_age_seconds", "Age of the oldest pending approval request", ["pipeline"]
)
APPROVAL_DECISIONS = Counter(
    "seamline_approval_decisions_total", "Decisions on approval requests", ["pipeline", "decision"]
)
LLM_BUDGET = Gauge("seamline_llm_budget_usd", "Daily LLM budget in US dollars", ["pipeline"])
LLM_SPEND_TODAY = Gauge("seamline_llm_spend_today_usd", "LLM spend so far today in US dollars", ["pipeline"])
LLM_PAUSED = Gauge("seamline_llm_paused", "1 while the pipeline's LLM calls wait for budget", ["pipeline"])
RUN_COST = Histogram(
    "seamline_run_cost_usd",
    "LLM cost of one drafted item in US dollars",
    ["pipeline"],
    buckets=(0, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1),
)
EXCEPTIONS = Counter(
    "seamline_exceptions_total", "Items that needed a human or were dead-lettered", ["pipeline", "kind"]
)
# Items a pipeline finished: skipped by rules, decided (by policy or a person), or dead-lettered. The
# denominator of the exception rate on the KPI dashboard.
ITEMS_PROCESSED = Counter(
    "seamline_items_processed_total", "Items a pipeline finished, by outcome", ["pipeline", "outcome"]
)
PIPELINE_SCHEDULE_INTERVAL = Gauge(
    "seamline_pipeline_schedule_interval_seconds", "How often a scheduled pipeline is meant to run", ["pipeline"]
)
APPROVAL_SLA = Gauge("seamline_approval_sla_seconds", "How long an approval request may wait", ["pipeline"])
