"""cash_planning in the notifier: every cash alert the policy lets out (sent without asking, or waiting for the
owner) is posted to Slack once, drawn with its summary, cause and recommended actions; a refused or read-only one
is not."""

from __future__ import annotations

from faststream.kafka import KafkaRouter

from contracts.approval import ApprovalRequested, Route
from contracts.cash_planning import SPEC
from contracts.envelope import Envelope
from services.notifier.bootstrap import NotifierDeps
from services.notifier.pipelines.cash_planning.domain import alert_message
from services.notifier.ports import ApprovalMessage
from shared.idempotency import idempotency_key
from shared.metrics import ALERTS_SENT
from shared.parts import ServicePart, decoding

POSTED_ROUTES = frozenset({Route.AUTO, Route.HUMAN})


def build_ports(deps: NotifierDeps) -> ApprovalMessage:
    return alert_message


def subscribe(router: KafkaRouter, deps: NotifierDeps, message: ApprovalMessage) -> None:
    async def on_cash_alert_requested(msg: Envelope[ApprovalRequested]) -> None:
        request = msg.payload
        if request.route not in POSTED_ROUTES:
            return
        key = idempotency_key("approval", request.request_id)
        if await deps.sent.result(key):
            return
        await deps.chat.post(deps.settings.approvals_webhook_url.get_secret_value(), message(request, msg.tenant))
        await deps.sent.record(key, "posted")
        ALERTS_SENT.labels(SPEC.name, "cash_alert").inc()

    typed = decoding(on_cash_alert_requested, msg=Envelope[SPEC.approval_request])  # type: ignore[name-defined]
    router.subscriber(SPEC.approval_requested, **deps.kernel.subscriber_options(SPEC.name))(typed)


PART = ServicePart(build_ports, subscribe)
