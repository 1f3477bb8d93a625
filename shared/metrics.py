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
ALERTS_SENT = Counter("seamline_notifications_sent_total", "Messages posted to people", ["pipeline", "kind"])
RECORDS_FETCHED = Counter("seamline_records_fetched_total", "Records fetched from outside systems", ["pipeline", "kind"])
