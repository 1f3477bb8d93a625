"""Change requests, decisions and executed actions: the messages of the trust seam, shared by pipelines.

A request carries its pipeline's own payload (a subclass of ApprovalPayload, named by its `pipeline` field and
resolved through the registry): the union of every registered pipeline's payload, discriminated by pipeline.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Final

from pydantic import AfterValidator, SerializeAsAny, create_model, field_validator, model_validator

from contracts.envelope import Contract, Pipeline


class GuardedAction(StrEnum):
    """Actions no pipeline may automate, whatever a policy or a person says."""

    CHANGE_BANK_DETAILS = "change_bank_details"
    FILE_TAX_RETURN = "file_tax_return"
    SUBMIT_PAYROLL = "submit_payroll"
    CHANGE_POLICY = "change_policy"
    CHANGE_RULES = "change_rules"


def known_action(kind: str) -> str:
    """An action kind some registered pipeline declares, or a guarded one; else a ValueError listing them."""
    from contracts.registry import action_kinds

    known = action_kinds() | set(GuardedAction)
    if kind not in known:
        raise ValueError(f"unknown action kind {kind!r}; known: {', '.join(sorted(known))}")
    return kind


ActionKind = Annotated[str, AfterValidator(known_action)]
"""A pipeline's action kinds are declared in its spec (each pipeline's contracts module)."""


class Route(StrEnum):
    AUTO = "auto"
    HUMAN = "human"
    NEVER = "never"
    SHADOW = "shadow"


class ApprovalLink(Contract):
    """A signed, expiring link for one approver; the approval_requested topic is readable by the notifier only."""

    approver: str
    url: str


class ApprovalPayload(Contract):
    """What one pipeline's approver needs to decide; each pipeline subclasses it with `pipeline` fixed."""

    pipeline: Pipeline


class ApprovalRequested(Contract):
    request_id: str
    action: ActionKind
    entity_id: str
    amount: Decimal
    currency: str
    route: Route
    approver_role: str | None
    requested_by: str
    policy_version: str
    policy_hash: str
    summary: str
    payload: SerializeAsAny[ApprovalPayload]
    expires_at: datetime
    links: tuple[ApprovalLink, ...] = ()
    then: tuple[str, ...] = ()
    """Roles that approve after `approver_role`, in order (an ordered chain: controller, then owner); the action
    runs only once the last of them approved."""
    approved_by: tuple[str, ...] = ()
    """Who approved the earlier steps of the chain, in order."""

    @model_validator(mode="before")
    @classmethod
    def _upcast_v1(cls, data: Any) -> Any:
        """v1 carried each pipeline's payload in a field of its own (`draft`, `review`): move it under `payload`."""
        if isinstance(data, dict) and "payload" not in data:
            from contracts.registry import PIPELINES

            legacy = {s.approval_legacy_field: s.name for s in PIPELINES if s.approval_legacy_field}
            carried = [(name, data[name]) for name in legacy if data.get(name) is not None]
            if carried:
                name, value = carried[0]
                data = {k: v for k, v in data.items() if k not in legacy}
                data["payload"] = {"pipeline": legacy[name], name: value}
        return data

    @field_validator("payload", mode="before")
    @classmethod
    def _pipeline_payload(cls, value: Any) -> Any:
        """The registered pipeline's own payload type, chosen by the `pipeline` field."""
        from contracts.registry import spec

        if isinstance(value, ApprovalPayload):
            return value
        if not isinstance(value, dict) or "pipeline" not in value:
            raise ValueError("payload must name its pipeline")
        return spec(str(value["pipeline"])).approval_payload.model_validate(value)


def request_type(payload: type[ApprovalPayload]) -> type[ApprovalRequested]:
    """ApprovalRequested narrowed to one pipeline's payload: what that pipeline's subscribers decode, and what the
    AsyncAPI document shows on its channel. Its instances are ApprovalRequested."""
    narrowed: type[ApprovalRequested] = create_model(
        f"{payload.__name__}Requested",
        __base__=ApprovalRequested,
        __module__=payload.__module__,
        payload=(SerializeAsAny[payload], ...),  # type: ignore[valid-type,misc]
    )
    return narrowed


class Decision(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    REFUSED = "refused"
    SHADOWED = "shadowed"


class ApprovalDecided(Contract):
    request_id: str
    decision: Decision
    decided_by: str
    reason: str
    request: ApprovalRequested


class ActionStatus(StrEnum):
    STARTED = "started"
    """Journaled before the side effect: after a Redis loss it marks an attempt that must not be repeated."""
    EXECUTED = "executed"
    ALREADY_DONE = "already_done"
    RECORDED_ONLY = "recorded_only"
    NOT_EXECUTED = "not_executed"
    UNCERTAIN = "uncertain"
    """A previous attempt was cut off mid-send: not repeated, an operator checks."""


class ActionExecuted(Contract):
    request_id: str
    action: ActionKind
    entity_id: str
    status: ActionStatus
    idempotency_key: str
    detail: str
    executed_at: datetime


# Slack button action ids of an approval message: the notifier draws them, the approval service takes the click.
SLACK_APPROVE_ACTION: Final = "seamline_approve"
SLACK_REJECT_ACTION: Final = "seamline_reject"
