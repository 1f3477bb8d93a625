"""The notifier's handlers through its bootstrap, on TestKafkaBroker, with a fake chat and a fake sent log: what
reaches the approvers' and operators' channels, and that a redelivered message is not posted twice."""

from __future__ import annotations

from typing import Any

import pytest
from faststream.kafka import KafkaRouter
from prometheus_client import REGISTRY
from pydantic import SecretStr

from contracts import deadletter as dl
from contracts.alerts import OperatorAlert
from contracts.approval import SLACK_APPROVE_ACTION, SLACK_REJECT_ACTION, ApprovalRequested, Route
from contracts.contract_review import SPEC as REVIEW
from contracts.envelope import Envelope
from contracts.invoice_followup import SPEC as FOLLOWUP
from contracts.pipeline import PipelineSpec
from contracts.registry import PIPELINES
from services.notifier.app import create_app
from services.notifier.bootstrap import build_deps, build_parts
from services.notifier.handlers import build_router
from services.notifier.settings import NotifierSettings
from shared.kernel import Kernel
from tests.unit.harness import kernel_for, running
from tests.unit.test_notifier_domain import followup_request, review_request

APPROVALS_URL = "http://slack.test/services/T0/B0APPROVALS/approvals"
ALERTS_URL = "http://slack.test/services/T0/B0ALERTS/alerts"


class FakeChatPoster:
    def __init__(self) -> None:
        self.posted: list[tuple[str, dict[str, Any]]] = []

    async def post(self, webhook_url: str, message: dict[str, Any]) -> None:
        self.posted.append((webhook_url, message))


class FakeSentLog:
    """RedisIdempotencyStore as the notifier uses it: a mark per key."""

    def __init__(self) -> None:
        self.marks: dict[str, str] = {}

    async def result(self, key: str) -> str | None:
        return self.marks.get(key)

    async def record(self, key: str, result: str) -> None:
        self.marks[key] = result


def _notifier(
    specs: list[PipelineSpec], ports: dict[str, Any] | None = None
) -> tuple[Kernel, FakeChatPoster, KafkaRouter]:
    kernel = kernel_for("notifier")
    chat = FakeChatPoster()
    settings = NotifierSettings(
        approvals_webhook_url=SecretStr(APPROVALS_URL), alerts_webhook_url=SecretStr(ALERTS_URL)
    )
    deps = build_deps(kernel, settings, chat=chat)
    deps.sent = FakeSentLog()
    return kernel, chat, build_router(deps, build_parts(deps, specs, ports=ports))


def _sent(pipeline: str, kind: str) -> float:
    return REGISTRY.get_sample_value("seamline_notifications_sent_total", {"pipeline": pipeline, "kind": kind}) or 0.0


async def _request(kernel: Kernel, spec: PipelineSpec, request: ApprovalRequested) -> None:
    message = Envelope.start(request, pipeline=spec.name, tenant="demo-co")
    await kernel.publisher.publish(spec.approval_requested, message, key=request.entity_id)


@pytest.mark.parametrize(
    ("spec", "request_", "header"),
    [
        (FOLLOWUP, followup_request(), "Approval needed: invoice 1131"),
        (REVIEW, review_request(), "Contract review: Acme Freight renewal"),
    ],
    ids=["invoice_followup", "contract_review"],
)
async def test_a_request_a_person_must_decide_is_posted_once_with_approve_and_reject(
    spec: PipelineSpec, request_: ApprovalRequested, header: str
) -> None:
    kernel, chat, router = _notifier([FOLLOWUP, REVIEW])
    before = _sent(spec.name, "approval")
    async with running(kernel, router, [FOLLOWUP, REVIEW]):
        await _request(kernel, spec, request_)
        await _request(kernel, spec, request_)  # redelivered
    ((url, message),) = chat.posted
    assert url == APPROVALS_URL
    assert message["blocks"][0]["text"]["text"] == header
    (actions,) = [b for b in message["blocks"] if b["type"] == "actions"]
    assert [(b["action_id"], b["value"], b["text"]["text"]) for b in actions["elements"]] == [
        (SLACK_APPROVE_ACTION, request_.request_id, "Approve"),
        (SLACK_REJECT_ACTION, request_.request_id, "Reject"),
    ]
    assert _sent(spec.name, "approval") == before + 1


@pytest.mark.parametrize("route", [Route.AUTO, Route.NEVER, Route.SHADOW])
async def test_a_request_the_policy_decided_posts_nothing(route: Route) -> None:
    kernel, chat, router = _notifier([FOLLOWUP, REVIEW])
    async with running(kernel, router, [FOLLOWUP, REVIEW]):
        await _request(kernel, FOLLOWUP, followup_request(route=route))
        await _request(kernel, REVIEW, review_request(route=route))
    assert chat.posted == []


async def test_each_pipeline_draws_its_own_requests_through_its_part() -> None:
    def drawn_as(name: str) -> Any:
        return lambda request, tenant: {"text": f"{name}:{request.request_id}:{tenant}"}

    ports = {FOLLOWUP.name: drawn_as("followup"), REVIEW.name: drawn_as("review")}
    kernel, chat, router = _notifier([FOLLOWUP, REVIEW], ports)
    async with running(kernel, router, [FOLLOWUP, REVIEW]):
        await _request(kernel, REVIEW, review_request(request_id="r-1"))
        await _request(kernel, FOLLOWUP, followup_request(request_id="f-1"))
    assert sorted(m["text"] for _, m in chat.posted) == ["followup:f-1:demo-co", "review:r-1:demo-co"]


async def test_only_the_pipelines_run_here_are_subscribed() -> None:
    kernel, chat, router = _notifier([REVIEW])
    async with running(kernel, router, [FOLLOWUP, REVIEW]):
        await _request(kernel, FOLLOWUP, followup_request())
        await _request(kernel, REVIEW, review_request())
    assert [m["blocks"][0]["text"]["text"] for _, m in chat.posted] == ["Contract review: Acme Freight renewal"]


async def test_an_operator_alert_is_posted_once_per_dedupe_key() -> None:
    kernel, chat, router = _notifier([FOLLOWUP, REVIEW])
    before = _sent(REVIEW.name, "budget_exhausted")
    async with running(kernel, router, [FOLLOWUP, REVIEW]):
        for key in ("budget:2026-11-21", "budget:2026-11-21", "budget:2026-11-22"):
            alert = OperatorAlert(
                kind="budget_exhausted", service="reasoning", message="LLM budget spent", dedupe_key=key
            )
            await kernel.publisher.publish(
                REVIEW.alerts, Envelope.start(alert, pipeline=REVIEW.name, tenant="demo-co"), key=key
            )
    assert [(url, m["text"]) for url, m in chat.posted] == [
        (ALERTS_URL, "contract_review: LLM budget spent"),
        (ALERTS_URL, "contract_review: LLM budget spent"),
    ]
    assert _sent(REVIEW.name, "budget_exhausted") == before + 2


def _letter_headers(source: str, error: str = "ContractInvalid") -> dict[str, str]:
    return {
        dl.ERROR_TYPE: error,
        dl.ERROR_MESSAGE: "Invoice.DueDate: Field required",
        dl.SOURCE_TOPIC: source,
        dl.SOURCE_PARTITION: "0",
        dl.SOURCE_OFFSET: "41",
        dl.ATTEMPTS: "1",
        dl.SERVICE: "validation",
        dl.CORRELATION_ID: "5b0c7f8e-0000-4000-8000-000000000001",
    }


async def test_each_dead_letter_is_posted_once_and_a_failed_alert_is_not_realerted() -> None:
    kernel, chat, router = _notifier([FOLLOWUP, REVIEW])
    before = _sent(FOLLOWUP.name, "dead_letter")
    source = FOLLOWUP.stages[1]
    # TestKafkaBroker gives every record offset 0: the partition tells the letters apart.
    letters = [
        (0, source, "ContractInvalid"),
        (0, source, "ContractInvalid"),  # the same letter, redelivered
        (1, FOLLOWUP.dead_letter, "UpstreamUnavailable"),  # the notifier's own alert that failed
        (2, source, "UnexpectedError"),
    ]
    async with running(kernel, router, [FOLLOWUP, REVIEW]):
        for partition, failed_on, error in letters:
            headers = _letter_headers(failed_on, error)
            await kernel.broker.publish(b"{not json", FOLLOWUP.dead_letter, partition=partition, headers=headers)
    assert [(url, m["text"]) for url, m in chat.posted] == [
        (ALERTS_URL, f"Dead letter on {FOLLOWUP.dead_letter}: ContractInvalid"),
        (ALERTS_URL, f"Dead letter on {FOLLOWUP.dead_letter}: UnexpectedError"),
    ]
    first = chat.posted[0][1]["blocks"][1]["text"]["text"]
    assert f"source `{source}`" in first
    assert f"`seamline deadletters replay {FOLLOWUP.dead_letter}:0:0`" in first
    assert _sent(FOLLOWUP.name, "dead_letter") == before + 2


def test_the_app_keeps_todays_topics_and_consumer_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEAMLINE_NOTIFIER_APPROVALS_WEBHOOK_URL", APPROVALS_URL)
    monkeypatch.setenv("SEAMLINE_NOTIFIER_ALERTS_WEBHOOK_URL", ALERTS_URL)
    runtime = create_app(PIPELINES)
    subscribed = {(name, s.group_id) for s in runtime.broker.subscribers for name in s.topic_names}
    expected = set()
    for spec in PIPELINES:
        expected |= {
            (spec.approval_requested, f"notifier.{spec.name}"),
            (spec.alerts, f"notifier.{spec.name}.operator-alerts"),
            (spec.dead_letter, f"notifier.{spec.name}.alerts"),
        }
    assert subscribed == expected
    assert "/alertmanager" in [getattr(r, "path", None) for r in runtime.routes]
