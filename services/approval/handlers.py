from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from faststream.kafka import KafkaRouter

from contracts import registry
from contracts.alerts import OperatorAlert
from contracts.approval import (
    ActionExecuted,
    ActionStatus,
    ApprovalDecided,
    ApprovalLink,
    ApprovalRequested,
    Decision,
    Route,
)
from contracts.envelope import Envelope
from contracts.pipeline import Topic
from services.approval.bootstrap import ApprovalDeps
from services.approval.domain import LoadedPolicy, next_in_chain
from services.approval.executor import Journal
from services.approval.flow import ApprovalFlow
from shared.kernel import Kernel
from shared.metrics import APPROVAL_DECISIONS, EXCEPTIONS, ITEMS_PROCESSED
from shared.parts import PipelineParts, decoding

_POLICY_DECISION = {
    Route.AUTO: (Decision.APPROVED, "below the auto-approval threshold"),
    Route.SHADOW: (Decision.SHADOWED, "pipeline is in read-only mode: recorded, not sent"),
    Route.NEVER: (Decision.REFUSED, "action is never automated or has no policy"),
}


def build_router(deps: ApprovalDeps, parts: PipelineParts[ApprovalDeps]) -> KafkaRouter:
    return parts.router(deps)


def subscribe_flow(router: KafkaRouter, deps: ApprovalDeps, flow: ApprovalFlow) -> None:
    """One pipeline at the trust seam: its approval source becomes requests routed by policy; its decisions
    become the side effects its flow plans, each run once. Every pipeline's part subscribes through this."""
    kernel, pipeline = deps.kernel, flow.pipeline

    async def on_approval_source(msg: Envelope[Any]) -> None:
        loaded = deps.policies.for_tenant(msg.tenant)
        request = flow.request(msg.payload, msg.tenant, loaded, datetime.now(UTC))
        if flow.asks_once and await deps.store.get(request.request_id) is not None:
            await kernel.audit.write(msg, "route", "duplicate", policy_hash=loaded.sha256)
            return
        await _route(deps, msg, _with_links(deps, request, loaded), loaded)

    source = Envelope[pipeline.approval_source.payload]  # type: ignore[name-defined]
    router.subscriber(pipeline.approval_source, **kernel.subscriber_options(pipeline.name))(
        decoding(on_approval_source, msg=source)
    )

    @router.subscriber(pipeline.decisions, **kernel.subscriber_options(pipeline.name, "executor"))
    async def on_approval_decided(msg: Envelope[ApprovalDecided]) -> None:
        decided = msg.payload
        request = decided.request
        if decided.decision is Decision.APPROVED and request.then:
            await _ask_next(deps, msg)
            return
        planned = flow.plan(decided)
        if planned:
            await deps.ensure_index()
        journal, executor = _journal(deps, msg), deps.executor(pipeline.name)
        results = [await executor.run(request.request_id, request.entity_id, p, journal) for p in planned] or [
            _not_executed(decided, flow.unexecuted(decided))
        ]
        await _record_results(deps, msg, results)
        flow.executed(msg, results)


async def _ask_next(deps: ApprovalDeps, msg: Envelope[ApprovalDecided]) -> None:
    """One step of an ordered chain approved: the next role is asked; nothing is executed yet. A redelivered
    decision asks again under the same request id, which the store and the approver's page treat as one."""
    decided = msg.payload
    loaded = deps.policies.for_tenant(msg.tenant)
    following = next_in_chain(decided.request, decided.decided_by, loaded, datetime.now(UTC))
    if await deps.store.get(following.request_id) is not None:
        await deps.kernel.audit.write(msg, "route", "duplicate", policy_hash=loaded.sha256)
        return
    await _route(deps, msg, _with_links(deps, following, loaded), loaded)


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
    await kernel.publisher.publish(registry.spec(pipeline).approval_requested, requested, key=request.entity_id)
    await deps.store.add(requested)
    await kernel.audit.write(msg, "route", request.route.value, policy_hash=loaded.sha256)
    if request.route is Route.HUMAN:
        EXCEPTIONS.labels(pipeline, "needs_human").inc()
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
    await kernel.publisher.publish(registry.spec(pipeline).decisions, requested.follow(decided), key=request.entity_id)


def _journal(deps: ApprovalDeps, msg: Envelope[ApprovalDecided]) -> Journal:
    """Writes an action's STARTED record to the pipeline's actions topic before the side effect runs."""

    async def journal(started: ActionExecuted) -> None:
        await deps.kernel.publisher.publish(
            registry.spec(msg.pipeline).actions, msg.follow(started), key=started.entity_id
        )

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
    topics = registry.spec(pipeline)
    for result in results:
        await kernel.publisher.publish(topics.actions, msg.follow(result), key=result.entity_id)
        if result.status is ActionStatus.UNCERTAIN:
            await _alert_uncertain(kernel, msg, result, topics.alerts)
    APPROVAL_DECISIONS.labels(pipeline, decided.decision.value).inc()
    ITEMS_PROCESSED.labels(pipeline, decided.decision.value).inc()
    await kernel.audit.write(
        msg,
        "execute",
        ",".join(f"{r.action}:{r.status.value}" for r in results),
        policy_hash=decided.request.policy_hash,
        decision=decided.decision.value,
        approver=decided.decided_by,
    )


async def _alert_uncertain(
    kernel: Kernel, msg: Envelope[ApprovalDecided], result: ActionExecuted, topic: Topic[OperatorAlert]
) -> None:
    alert = OperatorAlert(
        kind="uncertain_side_effect",
        service=kernel.service,
        message=f"{result.action} for {result.entity_id} (request {result.request_id}): {result.detail}. "
        f"Once checked: `seamline actions resolve {result.request_id} {result.action} --sent` (it went out) "
        "or `--not-sent` (send it now, once)",
        dedupe_key=f"uncertain:{result.idempotency_key}",
    )
    await kernel.publisher.publish(topic, msg.follow(alert), key=result.entity_id)
