from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from faststream.kafka import KafkaRouter

from contracts.alerts import OperatorAlert
from contracts.approval import (
    ActionExecuted,
    ActionKind,
    ActionStatus,
    ApprovalDecided,
    ApprovalLink,
    ApprovalRequested,
    Decision,
    Route,
)
from contracts.contract_review import ContractReviewSummary
from contracts.envelope import Envelope, Pipeline
from contracts.invoice_followup import FollowUpDrafted
from contracts.topics import ContractReview, InvoiceFollowup, alerts_topic, topic
from services.approval.bootstrap import ApprovalDeps
from services.approval.contract_domain import contract_review_request, plan_contract_actions
from services.approval.domain import LoadedPolicy, followup_request, plan_actions
from services.approval.executor import Journal
from shared.kernel import Kernel
from shared.metrics import APPROVAL_DECISIONS, EXCEPTIONS, FOLLOWUP_CYCLE_TIME, INVOICES_CHASED, ITEMS_PROCESSED

_POLICY_DECISION = {
    Route.AUTO: (Decision.APPROVED, "below the auto-approval threshold"),
    Route.SHADOW: (Decision.SHADOWED, "pipeline is in read-only mode: recorded, not sent"),
    Route.NEVER: (Decision.REFUSED, "action is never automated or has no policy"),
}


def build_router(deps: ApprovalDeps, pipelines: Collection[Pipeline]) -> KafkaRouter:
    router = KafkaRouter()
    if Pipeline.INVOICE_FOLLOWUP in pipelines:
        _subscribe_invoice_followup(router, deps)
    if Pipeline.CONTRACT_REVIEW in pipelines:
        _subscribe_contract_review(router, deps)
    return router


def _subscribe_invoice_followup(router: KafkaRouter, deps: ApprovalDeps) -> None:
    kernel, pipeline = deps.kernel, Pipeline.INVOICE_FOLLOWUP

    @router.subscriber(InvoiceFollowup.DRAFTED, **kernel.subscriber_options(pipeline))
    async def on_follow_up_drafted(msg: Envelope[FollowUpDrafted]) -> None:
        loaded = deps.policies.for_tenant(msg.tenant)
        request = followup_request(msg.payload, msg.tenant, pipeline, loaded, datetime.now(UTC))
        await _route(deps, msg, _with_links(deps, request, loaded), loaded)

    @router.subscriber(InvoiceFollowup.DECISIONS, **kernel.subscriber_options(pipeline, "executor"))
    async def on_approval_decided(msg: Envelope[ApprovalDecided]) -> None:
        decided = msg.payload
        request = decided.request
        if decided.decision is Decision.APPROVED:
            planned = plan_actions(request)
            await deps.ensure_index()
            journal = _journal(deps, msg)
            results = [await deps.executor.run(request.request_id, request.entity_id, p, journal) for p in planned]
        else:
            draft = request.draft
            would = f"would send to {draft.facts.customer_email}: {draft.subject}" if draft else "nothing sent"
            results = [_not_executed(decided, f"{decided.reason}; {would}")]
        await _record_results(deps, msg, results)
        if any(r.action is ActionKind.SEND_FOLLOWUP_EMAIL and r.status is ActionStatus.EXECUTED for r in results):
            INVOICES_CHASED.inc()
            if msg.run_started_at is not None:
                FOLLOWUP_CYCLE_TIME.observe((datetime.now(UTC) - msg.run_started_at).total_seconds())


def _subscribe_contract_review(router: KafkaRouter, deps: ApprovalDeps) -> None:
    kernel, review = deps.kernel, Pipeline.CONTRACT_REVIEW

    @router.subscriber(ContractReview.REVIEWED, **kernel.subscriber_options(review))
    async def on_contract_reviewed(msg: Envelope[ContractReviewSummary]) -> None:
        loaded = deps.policies.for_tenant(msg.tenant)
        request = contract_review_request(msg.payload, msg.tenant, review, loaded, datetime.now(UTC))
        if await deps.store.get(request.request_id) is not None:
            await kernel.audit.write(msg, "route", "duplicate_review", policy_hash=loaded.sha256)
            return
        await _route(deps, msg, _with_links(deps, request, loaded), loaded)

    @router.subscriber(ContractReview.DECISIONS, **kernel.subscriber_options(review, "executor"))
    async def on_contract_review_decided(msg: Envelope[ApprovalDecided]) -> None:
        decided = msg.payload
        request = decided.request
        planned = plan_contract_actions(decided)
        if planned:
            await deps.ensure_index()
        journal = _journal(deps, msg)
        results = [await deps.executor.run(request.request_id, request.entity_id, p, journal) for p in planned] or [
            _not_executed(decided, f"{decided.reason}; review of deal {request.entity_id} recorded, nothing written")
        ]
        await _record_results(deps, msg, results)


def _with_links(deps: ApprovalDeps, request: ApprovalRequested, loaded: LoadedPolicy) -> ApprovalRequested:
    """A signed, expiring link per approver of the routed role."""
    if request.route is not Route.HUMAN or not request.approver_role:
        return request
    approvers = loaded.policy.approvers.get(request.approver_role, ())
    links = tuple(ApprovalLink(approver=a, url=deps.links.link(request.request_id, a)) for a in approvers)
    return request.model_copy(update={"links": links})


async def _route(deps: ApprovalDeps, msg: Envelope[Any], request: ApprovalRequested, loaded: LoadedPolicy) -> None:
    """Record and publish the request; where policy decides alone, publish its decision too."""
    kernel, pipeline = deps.kernel, msg.pipeline
    requested = msg.follow(request)
    # Published before it is indexed: a crash in between republishes on redelivery instead of losing it.
    await kernel.publisher.publish(topic(pipeline, "approval_requested"), requested, key=request.entity_id)
    await deps.store.add(requested)
    await kernel.audit.write(msg, "route", request.route.value, policy_hash=loaded.sha256)
    if request.route is Route.HUMAN:
        EXCEPTIONS.labels(pipeline.value, "needs_human").inc()
        return
    decision, reason = _POLICY_DECISION[request.route]
    decided = ApprovalDecided(
        request_id=request.request_id,
        decision=decision,
        decided_by=f"policy:{request.route.value}",
        reason=reason,
        request=request,
    )
    await deps.store.claim_decision(decided)
    await kernel.publisher.publish(topic(pipeline, "decisions"), requested.follow(decided), key=request.entity_id)


def _journal(deps: ApprovalDeps, msg: Envelope[ApprovalDecided]) -> Journal:
    """Writes an action's STARTED record to the pipeline's actions topic before the side effect runs."""

    async def journal(started: ActionExecuted) -> None:
        await deps.kernel.publisher.publish(topic(msg.pipeline, "actions"), msg.follow(started), key=started.entity_id)

    return journal


def _not_executed(decided: ApprovalDecided, detail: str) -> ActionExecuted:
    request = decided.request
    shadowed = decided.decision is Decision.SHADOWED
    return ActionExecuted(
        request_id=request.request_id,
        action=request.action,
        entity_id=request.entity_id,
        status=ActionStatus.RECORDED_ONLY if shadowed else ActionStatus.NOT_EXECUTED,
        idempotency_key="",
        detail=detail,
        executed_at=datetime.now(UTC),
    )


async def _record_results(deps: ApprovalDeps, msg: Envelope[ApprovalDecided], results: list[ActionExecuted]) -> None:
    """Publish what was done, alert on what is uncertain, count the decision and audit it."""
    kernel, pipeline, decided = deps.kernel, msg.pipeline, msg.payload
    for result in results:
        await kernel.publisher.publish(topic(pipeline, "actions"), msg.follow(result), key=result.entity_id)
        if result.status is ActionStatus.UNCERTAIN:
            await _alert_uncertain(kernel, msg, result, alerts_topic(pipeline))
    APPROVAL_DECISIONS.labels(pipeline.value, decided.decision.value).inc()
    ITEMS_PROCESSED.labels(pipeline.value, decided.decision.value).inc()
    await kernel.audit.write(
        msg,
        "execute",
        ",".join(f"{r.action.value}:{r.status.value}" for r in results),
        policy_hash=decided.request.policy_hash,
        decision=decided.decision.value,
        approver=decided.decided_by,
    )


async def _alert_uncertain(kernel: Kernel, msg: Envelope[ApprovalDecided], result: ActionExecuted, topic: str) -> None:
    alert = OperatorAlert(
        kind="uncertain_side_effect",
        service=kernel.service,
        message=f"{result.action.value} for {result.entity_id} (request {result.request_id}): {result.detail}. "
        f"Once checked: `seamline actions resolve {result.request_id} {result.action.value} --sent` (it went out) "
        "or `--not-sent` (send it now, once)",
        dedupe_key=f"uncertain:{result.idempotency_key}",
    )
    await kernel.publisher.publish(topic, msg.follow(alert), key=result.entity_id)
