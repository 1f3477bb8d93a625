from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, cast

from aiokafka import ConsumerRecord
from faststream.kafka import KafkaMessage, KafkaRouter

from contracts import deadletter as dl
from contracts.alerts import OperatorAlert
from contracts.approval import ApprovalRequested, Route
from contracts.envelope import Envelope, Pipeline
from contracts.topics import alerts_topic, dead_letter_topic, topic
from services.notifier.bootstrap import NotifierDeps
from services.notifier.contract_domain import contract_review_message
from services.notifier.domain import DeadLetterRef, approval_message, dead_letter_digest, operator_alert
from shared.idempotency import idempotency_key
from shared.metrics import ALERTS_SENT


def build_router(deps: NotifierDeps, pipelines: Collection[Pipeline]) -> KafkaRouter:
    router = KafkaRouter()
    for pipeline in pipelines:
        _subscribe_dead_letters(router, deps, pipeline)
        _subscribe_operator_alerts(router, deps, pipeline)
    messages = {Pipeline.INVOICE_FOLLOWUP: approval_message, Pipeline.CONTRACT_REVIEW: contract_review_message}
    for pipeline in pipelines:
        if pipeline in messages:
            _subscribe_approval_requests(router, deps, pipeline, messages[pipeline])
    return router


def _subscribe_approval_requests(
    router: KafkaRouter,
    deps: NotifierDeps,
    pipeline: Pipeline,
    message: Callable[[ApprovalRequested, str], dict[str, Any]],
) -> None:
    @router.subscriber(topic(pipeline, "approval_requested"), **deps.kernel.subscriber_options(pipeline))
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
        ALERTS_SENT.labels(pipeline.value, "approval").inc()


def _subscribe_dead_letters(router: KafkaRouter, deps: NotifierDeps, pipeline: Pipeline) -> None:
    source = dead_letter_topic(pipeline)
    settings = deps.settings
    options = deps.kernel.batch_subscriber_options(
        pipeline, "alerts", settings.alert_digest_max, settings.alert_digest_wait_ms
    )

    @router.subscriber(source, **options)
    async def on_dead_letters(message: KafkaMessage) -> None:
        """Alert the operators once per dead letter; letters polled together go out as one digest."""
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
        await deps.chat.post(
            deps.settings.alerts_webhook_url.get_secret_value(), dead_letter_digest([x for _, x in letters])
        )
        for key, _ in letters:
            await deps.sent.record(key, "posted")
        ALERTS_SENT.labels(pipeline.value, "dead_letter").inc(len(letters))


def _subscribe_operator_alerts(router: KafkaRouter, deps: NotifierDeps, pipeline: Pipeline) -> None:
    @router.subscriber(alerts_topic(pipeline), **deps.kernel.subscriber_options(pipeline, "operator-alerts"))
    async def on_operator_alert(msg: Envelope[OperatorAlert]) -> None:
        alert = msg.payload
        key = idempotency_key("operator-alert", alert.dedupe_key)
        if await deps.sent.result(key):
            return
        await deps.chat.post(deps.settings.alerts_webhook_url.get_secret_value(), operator_alert(alert, pipeline))
        await deps.sent.record(key, "posted")
        ALERTS_SENT.labels(pipeline.value, alert.kind).inc()
