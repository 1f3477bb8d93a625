"""Prometheus alerts as Alertmanager delivers them (webhook payload version 4), turned into one Slack message
per notification. Pure: the payload in, a JSON-ready dict out."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_TEXT = 2900  # Slack caps a section's text at 3000 characters
MAX_ALERTS_SHOWN = 20


class _Am(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class AmAlert(_Am):
    status: Literal["firing", "resolved"]
    labels: dict[str, str] = Field(max_length=64)
    annotations: dict[str, str] = Field(default_factory=dict, max_length=64)
    startsAt: datetime  # noqa: N815 - Alertmanager's field names
    generatorURL: str = ""  # noqa: N815


class AmNotification(_Am):
    """One webhook POST: a group of alerts sharing the route's group_by labels."""

    version: Literal["4"]
    status: Literal["firing", "resolved"]
    receiver: str
    groupLabels: dict[str, str] = Field(default_factory=dict)  # noqa: N815
    alerts: tuple[AmAlert, ...] = Field(min_length=1, max_length=1000)


def prometheus_alert_message(notification: AmNotification) -> dict[str, Any]:
    firing = [a for a in notification.alerts if a.status == "firing"]
    resolved = [a for a in notification.alerts if a.status == "resolved"]
    name = notification.groupLabels.get("alertname") or notification.alerts[0].labels.get("alertname", "alert")
    state = f"FIRING ({len(firing)})" if firing else "RESOLVED"
    lines = [_line(a) for a in [*firing, *resolved][:MAX_ALERTS_SHOWN]]
    hidden = len(notification.alerts) - len(lines)
    if hidden:
        lines.append(f"... and {hidden} more")
    text = "\n".join(lines)[:MAX_TEXT]
    return {
        "text": f"{state}: {name}",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": f"{state}: {name}"[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        ],
    }


def _line(alert: AmAlert) -> str:
    labels = alert.labels
    where = " · ".join(f"{k} `{labels[k]}`" for k in ("pipeline", "service", "error_type", "topic") if k in labels)
    summary = alert.annotations.get("summary", labels.get("alertname", ""))
    mark = ":white_check_mark:" if alert.status == "resolved" else ":red_circle:"
    head = f"{mark} *{labels.get('severity', '?')}* {summary}"
    description = alert.annotations.get("description", "")
    since = f"since {alert.startsAt:%Y-%m-%d %H:%M} UTC"
    return "\n".join(x for x in (head, f"{where} · {since}" if where else since, description[:600]) if x)
