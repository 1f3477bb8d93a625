"""Metric names a PromQL expression refers to, and the names the services export (read from the registry)."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable

from prometheus_client import REGISTRY
from prometheus_client.registry import CollectorRegistry

from services.ops.stack import REPO

# Series Prometheus writes itself for every target.
SCRAPE_SERIES = frozenset(
    {"up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling",
     "scrape_series_added"}
)  # fmt: skip

# A word list reads better as text than as a list literal.
_KEYWORDS = frozenset(
    # aggregations and their modifiers
    "sum min max avg group stddev stdvar count count_values bottomk topk quantile limitk limit_ratio "  # noqa: SIM905
    "by without on ignoring group_left group_right bool and or unless offset atan2 "
    # functions
    "abs absent absent_over_time ceil changes clamp clamp_max clamp_min day_of_month day_of_week day_of_year "
    "days_in_month delta deriv exp floor histogram_avg histogram_count histogram_fraction histogram_quantile "
    "histogram_stddev histogram_stdvar histogram_sum holt_winters hour idelta increase irate label_join "
    "label_replace ln log2 log10 minute month predict_linear rate resets round scalar sgn sort sort_desc "
    "sort_by_label sort_by_label_desc sqrt time timestamp vector year avg_over_time min_over_time "
    "max_over_time sum_over_time count_over_time quantile_over_time stddev_over_time stdvar_over_time "
    "last_over_time present_over_time mad_over_time "
    # Grafana query helpers (variables are stripped before this check)
    "label_values query_result metrics label_names "
    "inf nan".split()
)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_GRAFANA_VARIABLE = re.compile(r"\$\{[^}]*\}|\$\w+|\[\[\w+\]\]")
_LABEL_LIST = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGE = re.compile(r"\[[^\[\]]*\]")
_IDENTIFIER = re.compile(r"(?<![\w.])[a-zA-Z_:][\w:]*")
_LABEL_VALUES = re.compile(r"\blabel_values\(([^()]*?),\s*\w+\s*\)")


def metric_names(expr: str) -> set[str]:
    """Names of the series an expression selects (strings, label lists, matchers, ranges dropped first)."""
    text = _GRAFANA_VARIABLE.sub(" 1 ", _STRING.sub('""', expr))
    text = _LABEL_VALUES.sub(r" \1 ", text)
    text = _LABEL_LIST.sub(" ", text)
    text = _MATCHERS.sub(" ", text)
    text = _RANGE.sub(" ", text)
    text = re.sub(r"\boffset\s+-?\w+", " ", text)
    text = re.sub(r"\d+(?:\.\d+)?(?:e[+-]?\d+)?[a-zA-Z]*", " ", text)
    return {name for name in _IDENTIFIER.findall(text) if name not in _KEYWORDS}


def _modules_defining_metrics() -> Iterable[str]:
    for root in ("shared", "services"):
        for path in sorted((REPO / root).rglob("*.py")):
            if "prometheus_client" in path.read_text():
                parts = path.relative_to(REPO).with_suffix("").parts
                yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def exported_names(registry: CollectorRegistry = REGISTRY) -> set[str]:
    """Every series name the services can export: each module that defines metrics is imported first."""
    for module in _modules_defining_metrics():
        importlib.import_module(module)
    names: set[str] = set()
    for family in registry.collect():
        name = family.name
        if family.type == "counter":
            names |= {f"{name}_total", f"{name}_created"}
        elif family.type == "histogram":
            names |= {name, f"{name}_bucket", f"{name}_sum", f"{name}_count", f"{name}_created"}
        elif family.type == "summary":
            names |= {name, f"{name}_sum", f"{name}_count", f"{name}_created"}
        elif family.type == "info":
            names.add(f"{name}_info")
        else:
            names.add(name)
    return {n for n in names if n.startswith("seamline_")}
