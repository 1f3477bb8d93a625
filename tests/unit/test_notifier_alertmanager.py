"""Alertmanager's webhook into the notifier: Prometheus alerts reach the operators' Slack channel, the token is
required, a bad payload is a clear 400 and a Slack outage a 503 that Alertmanager retries."""

from __future__ import annotations

import os
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from starlette.applications import Starlette

from services.notifier.bootstrap import NotifierDeps
from services.notifier.settings import NotifierSettings
from services.notifier.web import ALERTMANAGER_PATH, build_routes
from shared.errors import UpstreamUnavailable

TOKEN = "alertmanager-token-for-tests"
ALERTS_URL = "http://slack.test/services/T0/B0ALERTS/alerts"
FUZZ_EXAMPLES = int(os.environ.get("SEAMLINE_FUZZ_EXAMPLES", "150"))


class Chat:
    def __init__(self, down: bool = False) -> None:
        self.posted: list[tuple[str, dict[str, Any]]] = []
        self.down = down

    async def post(self, webhook_url: str, message: dict[str, Any]) -> None:
        if self.down:
            raise UpstreamUnavailable("Slack answered 503")
        self.posted.append((webhook_url, message))


def _alert(status: str = "firing", **labels: str) -> dict[str, Any]:
    return {
        "status": status,
        "labels": {"alertname": "PipelineSilent", "severity": "page", "pipeline": "invoice_followup", **labels},
        "annotations": {
            "summary": "invoice_followup has not run on schedule",
            "description": "No trigger for 2h; check the connectors' scheduler.",
        },
        "startsAt": "2026-11-22T03:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus/graph",
        "fingerprint": "abc",
    }


def _notification(*alerts: dict[str, Any], status: str = "firing") -> dict[str, Any]:
    return {
        "version": "4",
        "groupKey": '{}:{alertname="PipelineSilent"}',
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "seamline-notifier",
        "groupLabels": {"alertname": "PipelineSilent"},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager",
        "alerts": list(alerts),
    }


async def _post(chat: Chat, body: Any, token: str | None = TOKEN) -> httpx.Response:
    settings = NotifierSettings(
        approvals_webhook_url=SecretStr("http://slack.test/a"),
        alerts_webhook_url=SecretStr(ALERTS_URL),
        alertmanager_token=SecretStr(TOKEN),
    )
    deps = NotifierDeps(kernel=None, settings=settings, chat=chat, sent=None)  # type: ignore[arg-type]
    app = Starlette(routes=build_routes(deps))
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://notifier.test") as client:
        if isinstance(body, bytes):
            return await client.post(ALERTMANAGER_PATH, content=body, headers=headers)
        return await client.post(ALERTMANAGER_PATH, json=body, headers=headers)


async def test_a_firing_alert_is_posted_to_the_operators_channel_with_what_to_do() -> None:
    chat = Chat()
    answer = await _post(chat, _notification(_alert()))
    assert answer.status_code == 200
    ((url, message),) = chat.posted
    assert url == ALERTS_URL
    assert message["text"] == "FIRING (1): PipelineSilent"
    text = message["blocks"][1]["text"]["text"]
    assert "*page* invoice_followup has not run on schedule" in text
    assert "pipeline `invoice_followup`" in text and "since 2026-11-22 03:00 UTC" in text
    assert "check the connectors' scheduler" in text


async def test_a_resolved_group_says_so() -> None:
    chat = Chat()
    await _post(chat, _notification(_alert("resolved"), status="resolved"))
    assert chat.posted[0][1]["text"] == "RESOLVED: PipelineSilent"
    assert ":white_check_mark:" in chat.posted[0][1]["blocks"][1]["text"]["text"]


async def test_a_large_group_stays_within_slack_limits() -> None:
    chat = Chat()
    alerts = [_alert(service=f"svc-{n}" * 20) for n in range(200)]
    await _post(chat, _notification(*alerts))
    message = chat.posted[0][1]
    assert len(message["blocks"][1]["text"]["text"]) <= 3000
    assert message["text"] == "FIRING (200): PipelineSilent"


@pytest.mark.parametrize("token", [None, "wrong-token"])
async def test_without_the_token_nothing_is_posted(token: str | None) -> None:
    chat = Chat()
    answer = await _post(chat, _notification(_alert()), token=token)
    assert answer.status_code == 401 and chat.posted == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"{not json", ""),
        ({"version": "3", "status": "firing", "receiver": "r", "alerts": [_alert()]}, "version"),
        (_notification(), "alerts"),
        (_notification({**_alert(), "status": "pending"}), "alerts.0.status"),
    ],
)
async def test_a_malformed_notification_is_a_clear_400(body: Any, field: str) -> None:
    chat = Chat()
    answer = await _post(chat, body)
    assert answer.status_code == 400
    assert answer.json()["field"] == field or not field
    assert chat.posted == []


async def test_slack_down_answers_503_so_alertmanager_retries() -> None:
    answer = await _post(Chat(down=True), _notification(_alert()))
    assert answer.status_code == 503


_json = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20)
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=12,
)
_alerts = st.lists(
    st.fixed_dictionaries(
        {"status": st.sampled_from(["firing", "resolved", "x"]), "labels": _json, "startsAt": _json},
        optional={"annotations": _json},
    ),
    max_size=3,
)


@settings(max_examples=FUZZ_EXAMPLES, deadline=None)
@given(
    body=st.one_of(
        st.binary(max_size=200),
        _json,
        st.fixed_dictionaries(
            {
                "version": st.sampled_from(["4", "3"]),
                "status": st.sampled_from(["firing", "resolved"]),
                "alerts": _alerts,
            },
            optional={"receiver": _json, "groupLabels": _json},
        ),
    )
)
async def test_fuzzed_notifications_never_cause_a_server_error(body: Any) -> None:
    answer = await _post(Chat(), body)
    assert answer.status_code in (200, 400), answer.text
