"""The notifier's subscriptions, the same for every pipeline: dead letters and operator alerts to the operators'
channel, approval requests a human must decide to the approvers' channel, each posted once. A pipeline's part
(services/notifier/pipelines/) only says how its approval request is drawn."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import cast

from aiokafka import ConsumerRecord
from faststream.kafka import KafkaMessage, KafkaRouter

from contracts import deadletter as dl
from contracts.alerts import OperatorAlert
from contracts.approval import ApprovalRequested, Route
from contracts.envelope import Envelope
from contracts.pipeline import PipelineSpec
from services.notifier.bootstrap import NotifierDeps
from services.notifier.domain import DeadLetterRef, dead_letter_digest, operator_alert
from services.notifier.ports import ApprovalMessage
from shared.idempotency import idempotency_key
from shared.metrics import ALERTS_SENT
from shared.parts import PipelineParts, decoding


def build_router(deps: NotifierDeps, parts: PipelineParts[NotifierDeps]) -> KafkaRouter:
    router = parts.router(deps)
    for spec in parts.parts:
        _subscribe_dead_letters(router, deps, spec)
        _subscribe_operator_alerts(router, deps, spec)
    return router


def approval_requests(spec: PipelineSpec) -> Callable[[KafkaRouter, NotifierDeps, ApprovalMessage], None]:
    """The subscription every pipeline's part uses: its approval requests, drawn by the part's `message`."""

    def subscribe(router: KafkaRouter, deps: NotifierDeps, message: ApprovalMessage) -> None:
        async def on_approval_requested(msg: Envelope[ApprovalRequested]) -> None:
            """Post each request a human must decide to the approvers' channel, once."""
            request = msg.payload
            if request.route is not Route.HUMAN:
                return
            key = idempotency_key("approval", request.request_id)
            if await deps.sent.result(key):
                return
            url = deps.settings.approvals_webhook_url.get_secret_value()
            await deps.chat.post(url, message(request, msg.tenant))
            await deps.sent.record(key, "posted")
            ALERTS_SENT.labels(spec.name, "approval").inc()

        typed = decoding(on_approval_requested, msg=Envelope[spec.approval_request])  # type: ignore[name-defined]
        router.subscriber(spec.approval_requested, **deps.kernel.subscriber_options(spec.name))(typed)

    return subscribe


def _subscribe_dead_letters(router: KafkaRouter, deps: NotifierDeps, spec: PipelineSpec) -> None:
    source = spec.dead_letter
    settings = deps.settings
    options = deps.kernel.batch_subscriber_options(
        spec.name, "alerts", settings.alert_digest_max, settings.alert_digest_wait_ms
    )

    pace = settings.alert_min_interval_ms / 1000
    last_post = [0.0]

    @router.subscriber(source, **options)
    async def on_dead_letters(message: KafkaMessage) -> None:
        """Alert the operators once per dead letter; letters polled together go out as one digest. Posts are paced
        (one per `alert_min_interval_ms`, Slack's pace): while one waits, the burst's next letters gather in Kafka,
        so a burst arrives as full digests however fast the notifier polls."""
        records = cast("tuple[ConsumerRecord[bytes, bytes], ...]", message.raw_message)
        letters = []
        for record in records:
            headers = {k: v.decode(errors="replace") for k, v in record.headers}
            if headers.get(dl.SOURCE_TOPIC) == source:
                continue  # an alert that itself failed: counted by the middleware, never re-alerted (no loop)
            key = idempotency_key("deadletter", record.topic, str(record.partition), str(record.offset))
            if not await deps.sent.result(key):
                letters.append((key, DeadLetterRef(headers, record.topic, record.partition, record.offset)))
        if not letters:
            return
        wait = last_post[0] + pace - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        await deps.chat.post(
            deps.settings.alerts_webhook_url.get_secret_value(), dead_letter_digest([x for _, x in letters])
        )
        last_post[0] = time.monotonic()
        for key, _ in letters:
            await deps.sent.record(key, "posted")
        ALERTS_SENT.labels(spec.name, "dead_letter").inc(len(letters))


def _subscribe_operator_alerts(router: KafkaRouter, deps: NotifierDeps, spec: PipelineSpec) -> None:
    @router.subscriber(spec.alerts, **deps.kernel.subscriber_options(spec.name, "operator-alerts"))
    async def on_operator_alert(msg: Envelope[OperatorAlert]) -> None:
        alert = msg.payload
        key = idempotency_key("operator-alert", alert.dedupe_key)
        if await deps.sent.result(key):
            return
        await deps.chat.post(deps.settings.alerts_webhook_url.get_secret_value(), operator_alert(alert, spec.name))
        await deps.sent.record(key, "posted")
        ALERTS_SENT.labels(spec.name, alert.kind).inc()
