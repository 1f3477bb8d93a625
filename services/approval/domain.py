"""The trust seam's rules: policy as code, routing, and who may decide. Pure."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.approval import ActionKind, ApprovalPayload, ApprovalRequested, GuardedAction, Route
from contracts.envelope import Pipeline
from shared.errors import PolicyRefused
from shared.idempotency import idempotency_key

NEVER_AUTOMATED: frozenset[str] = frozenset(GuardedAction)


class _Policy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Tier(_Policy):
    """Amounts up to `up_to` (inclusive; none: any amount) go to `approver_role`, then to each role of `then` in
    that order (the controller, then the owner): the action runs after the last of them approves."""

    up_to: Decimal | None = None
    approver_role: str
    then: tuple[str, ...] = ()


class ActionPolicy(_Policy):
    approver_role: str
    """Who decides; with `tiers`, who decides amounts above the last bounded tier."""
    then: tuple[str, ...] = ()
    """Who approves after `approver_role`, in order (ignored where a tier holds the amount: the tier's own)."""
    auto_below: Decimal | None = None
    tiers: tuple[Tier, ...] = ()
    """Dollar thresholds: the first tier whose bound holds the amount names the approver."""

    @model_validator(mode="after")
    def _tiers_ascend(self) -> ActionPolicy:
        bounds = [t.up_to for t in self.tiers]
        if None in bounds[:-1]:
            raise ValueError("only the last tier may be unbounded")
        bounded = [b for b in bounds if b is not None]
        if bounded != sorted(set(bounded)):
            raise ValueError("tier bounds must rise strictly")
        return self

    def role_for(self, amount: Decimal) -> str:
        return self.chain_for(amount)[0]

    def chain_for(self, amount: Decimal) -> tuple[str, ...]:
        """Every role that approves `amount`, in order; the first is asked first."""
        for tier in self.tiers:
            if tier.up_to is None or amount <= tier.up_to:
                return (tier.approver_role, *tier.then)
        return (self.approver_role, *self.then)


class PipelinePolicy(_Policy):
    read_only: bool = True
    link_ttl_hours: int = Field(default=72, ge=1, le=24 * 14)
    actions: dict[ActionKind, ActionPolicy] = {}


class TenantPolicy(_Policy):
    tenant: str
    version: str
    requesters_cannot_approve: bool = True
    never_automated: frozenset[ActionKind] = NEVER_AUTOMATED
    approvers: dict[str, tuple[str, ...]] = {}
    slack_users: dict[str, str] = {}  # Slack user id -> the approver identity that user acts as
    pipelines: dict[Pipeline, PipelinePolicy] = {}

    def for_pipeline(self, pipeline: Pipeline) -> PipelinePolicy:
        """A pipeline the policy does not name runs read-only."""
        return self.pipelines.get(pipeline, PipelinePolicy())


@dataclass(frozen=True)
class LoadedPolicy:
    policy: TenantPolicy
    sha256: str


def parse_policy(text: str) -> LoadedPolicy:
    policy = TenantPolicy.model_validate(yaml.safe_load(text))
    # The never-automated list can grow in a tenant's file but never shrink below the built-in one.
    policy = policy.model_copy(update={"never_automated": policy.never_automated | NEVER_AUTOMATED})
    return LoadedPolicy(policy, hashlib.sha256(text.encode()).hexdigest())


def route(policy: TenantPolicy, pipeline: Pipeline, action: ActionKind, amount: Decimal) -> tuple[Route, str | None]:
    if action in policy.never_automated:
        return Route.NEVER, None
    pipeline_policy = policy.for_pipeline(pipeline)
    rule = pipeline_policy.actions.get(action)
    if rule is None:
        return Route.NEVER, None
    if pipeline_policy.read_only:
        return Route.SHADOW, rule.role_for(amount)
    if rule.auto_below is not None and amount < rule.auto_below:
        return Route.AUTO, None
    return Route.HUMAN, rule.role_for(amount)


def new_request(
    *,
    pipeline: str,
    action: str,
    entity_id: str,
    amount: Decimal,
    currency: str,
    summary: str,
    payload: ApprovalPayload,
    tenant: str,
    loaded: LoadedPolicy,
    now: datetime,
    key: tuple[str, ...],
    always_human: bool = False,
) -> ApprovalRequested:
    """A request routed by the tenant's policy; its id is derived from tenant, pipeline, action and `key`, so
    asking again for the same thing yields the same request. `always_human` turns a route to auto-approval into
    a human decision (some pipelines are always decided by a person)."""
    chosen, role = route(loaded.policy, pipeline, action, amount)
    if always_human and chosen is Route.AUTO:
        chosen, role = Route.HUMAN, loaded.policy.for_pipeline(pipeline).actions[action].role_for(amount)
    then: tuple[str, ...] = ()
    if chosen is Route.HUMAN:
        then = loaded.policy.for_pipeline(pipeline).actions[action].chain_for(amount)[1:]
    ttl = timedelta(hours=loaded.policy.for_pipeline(pipeline).link_ttl_hours)
    return ApprovalRequested(
        request_id=idempotency_key(tenant, pipeline, action, *key),
        action=action,
        entity_id=entity_id,
        amount=amount,
        currency=currency,
        route=chosen,
        approver_role=role,
        requested_by=f"seamline:{pipeline}",
        policy_version=loaded.policy.version,
        policy_hash=loaded.sha256,
        summary=summary,
        payload=payload,
        expires_at=now + ttl,
        then=then,
    )


def next_in_chain(
    request: ApprovalRequested, approved_by: str, loaded: LoadedPolicy, now: datetime
) -> ApprovalRequested:
    """The request to the next role of an ordered chain, once `approved_by` approved this one: same action and
    payload, its own id and expiry, the approvals so far carried along; nothing runs until the last approves."""
    if not request.then:
        raise ValueError(f"request {request.request_id} has no one left to ask")
    role, *rest = request.then
    ttl = timedelta(hours=loaded.policy.for_pipeline(request.payload.pipeline).link_ttl_hours)
    return request.model_copy(
        update={
            "request_id": idempotency_key(request.request_id, "then", role),
            "approver_role": role,
            "then": tuple(rest),
            "approved_by": (*request.approved_by, approved_by),
            "links": (),
            "expires_at": now + ttl,
            "policy_version": loaded.policy.version,
            "policy_hash": loaded.sha256,
        }
    )


def check_decider(request: ApprovalRequested, decider: str, policy: TenantPolicy, now: datetime) -> None:
    """Raise PolicyRefused unless `decider` may decide this request now."""
    if request.action in policy.never_automated:
        raise PolicyRefused(f"{request.action} is never automated, even with an approval")
    if request.route is not Route.HUMAN or request.approver_role is None:
        raise PolicyRefused(f"request routed {request.route.value}: no human decision is taken")
    if now >= request.expires_at:
        raise PolicyRefused("approval request has expired")
    if decider not in policy.approvers.get(request.approver_role, ()):
        raise PolicyRefused(f"{decider} does not hold the {request.approver_role} role")
    if decider in request.approved_by:
        raise PolicyRefused(f"{decider} approved an earlier step: another person approves this one")
    if policy.requesters_cannot_approve and decider == request.requested_by:
        raise PolicyRefused("a requester cannot approve their own request")


@dataclass(frozen=True)
class PlannedAction:
    """One side effect an approved request leads to; `key` makes it run once however often it is planned."""

    action: ActionKind
    key: str
    to: str = ""
    subject: str = ""
    body: str = ""
    deal_id: str = ""
    target: str = ""
    """The outside record the action writes (a QuickBooks bill id), where it writes one."""
    target_version: str = ""
    """The version of `target` the decision was made on (its SyncToken): a newer one is checked again first."""
    amount: Decimal | None = None
    """The amount the decision was made on, where the write must check it still holds."""
    creates: str = ""
    """The record (JSON) the action creates, where it creates one instead of writing to `target`; an action on a
    record an earlier action creates carries it too, to find that record by."""
