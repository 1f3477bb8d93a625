"""Change requests, decisions and executed actions: the messages of the trust seam, shared by pipelines."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Final

from contracts.contract_review import ContractReviewSummary
from contracts.envelope import Contract
from contracts.invoice_followup import FollowUpDrafted


class ActionKind(StrEnum):
    SEND_FOLLOWUP_EMAIL = "send_followup_email"
    POST_CRM_NOTE = "post_crm_note"
    CHANGE_BANK_DETAILS = "change_bank_details"
    FILE_TAX_RETURN = "file_tax_return"
    SUBMIT_PAYROLL = "submit_payroll"
    CHANGE_POLICY = "change_policy"
    CHANGE_RULES = "change_rules"
    REVIEW_CONTRACT = "review_contract"


class Route(StrEnum):
    AUTO = "auto"
    HUMAN = "human"
    NEVER = "never"
    SHADOW = "shadow"


class ApprovalLink(Contract):
    """A signed, expiring link for one approver; the approval_requested topic is readable by the notifier only."""

    approver: str
    url: str


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
    draft: FollowUpDrafted | None = None
    expires_at: datetime
    links: tuple[ApprovalLink, ...] = ()
    review: ContractReviewSummary | None = None


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
