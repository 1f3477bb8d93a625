"""Slack interactivity: the approve and reject buttons of an approval message, as Slack posts a click. Pure.

Slack sends `block_actions` as a form field `payload` holding JSON; who clicked is Slack's user id, which the
tenant's policy maps to an approver identity. A click on any other button (the browser links) is not a decision.
"""

from __future__ import annotations

import json
from typing import Literal
from urllib.parse import parse_qs

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from contracts.approval import SLACK_APPROVE_ACTION, SLACK_REJECT_ACTION, Decision
from services.approval.domain import TenantPolicy
from shared.errors import ContractInvalid, PolicyRefused

SLACK_DECISIONS = {SLACK_APPROVE_ACTION: Decision.APPROVED, SLACK_REJECT_ACTION: Decision.REJECTED}


class _Slack(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SlackUser(_Slack):
    id: str = Field(min_length=1, max_length=64)
    username: str | None = None


class SlackAction(_Slack):
    action_id: str = Field(max_length=255)
    value: str | None = Field(default=None, max_length=2000)


class SlackBlockActions(_Slack):
    type: Literal["block_actions"]
    user: SlackUser
    actions: tuple[SlackAction, ...] = Field(min_length=1)
    response_url: str | None = Field(default=None, max_length=2000)

    @property
    def decision(self) -> tuple[Decision, str] | None:
        """(decision, request id) when the click was on an approve or reject button, else None."""
        action = self.actions[0]
        if action.action_id not in SLACK_DECISIONS or not action.value:
            return None
        return SLACK_DECISIONS[action.action_id], action.value


def parse_block_actions(body: str) -> SlackBlockActions:
    """The form body Slack posts; anything else is a ContractInvalid naming what is wrong."""
    try:
        fields = parse_qs(body, strict_parsing=False, max_num_fields=10)
        raw = json.loads(fields["payload"][0])
    except (ValueError, KeyError, IndexError):
        raise ContractInvalid("expected a form field `payload` holding JSON", field="payload") from None
    except RecursionError:
        raise ContractInvalid("payload is nested too deeply", field="payload") from None
    try:
        return SlackBlockActions.model_validate(raw)
    except ValidationError as exc:
        loc = ".".join(str(p) for p in exc.errors()[0]["loc"])
        raise ContractInvalid(exc.errors()[0]["msg"], field=f"payload.{loc}") from None


def slack_approver(policy: TenantPolicy, user_id: str) -> str:
    """The approver identity a Slack user acts as; a user the policy does not name decides nothing."""
    approver = policy.slack_users.get(user_id)
    if approver is None:
        raise PolicyRefused(f"Slack user {user_id} is not mapped to an approver in the {policy.tenant} policy")
    return approver


def outcome_message(decision: Decision, approver: str, summary: str) -> dict[str, object]:
    """Replaces the approval message once decided, so nobody clicks it again."""
    verb = "Approved" if decision is Decision.APPROVED else "Rejected"
    text = f"{verb} by {approver}: {summary}"[:2900]
    return {
        "replace_original": True,
        "text": text,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


def refusal_message(reason: str) -> dict[str, object]:
    """Shown only to the person who clicked; the approval message stays as it was."""
    return {"response_type": "ephemeral", "replace_original": False, "text": f"Not recorded: {reason}"[:2900]}
