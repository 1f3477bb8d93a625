"""Approval: the policy file, routing, deterministic requests, who may decide, what runs, signed links."""

from __future__ import annotations

import hashlib
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from pydantic import ValidationError

from contracts.approval import ActionKind, ApprovalRequested, GuardedAction, Route
from contracts.invoice_followup import FollowUpAction
from contracts.registry import action_kinds
from services.approval.adapters.links import LinkSigner
from services.approval.domain import NEVER_AUTOMATED, LoadedPolicy, check_decider, parse_policy, route
from services.approval.pipelines.invoice_followup.domain import followup_request, plan_actions
from shared.errors import PolicyRefused
from tests.unit.factories import DEMO_POLICY, NOW, follow_up_drafted, follow_up_due

FOLLOWUP = "invoice_followup"
SEND = FollowUpAction.SEND_FOLLOWUP_EMAIL
MARIA = "maria.lopez@demo-co.example"  # ar_manager
SAM = "sam.chen@demo-co.example"  # controller
DEMO_TEXT = DEMO_POLICY.read_text()
LIVE_FOLLOWUP = (  # a `pipelines:` entry: follow-ups live, every amount to a human
    "  invoice_followup:\n    read_only: false\n    actions:\n      send_followup_email: {approver_role: ar_manager}\n"
)


@pytest.fixture(scope="module")
def demo() -> LoadedPolicy:
    return parse_policy(DEMO_TEXT)


def _policy(pipelines: str = "", never: str = "[]") -> LoadedPolicy:
    return parse_policy(
        f"tenant: t1\nversion: '1'\nnever_automated: {never}\n"
        f"approvers:\n  ar_manager: [{MARIA}]\n" + (f"pipelines:\n{pipelines}" if pipelines else "")
    )


def _request(demo: LoadedPolicy, amount: str = "1250.00", **update: object) -> ApprovalRequested:
    drafted = follow_up_drafted(follow_up_due(amount_due=Decimal(amount)))
    request = followup_request(drafted, "demo-co", demo, NOW)
    return request.model_copy(update=update) if update else request


# --- the policy file ---------------------------------------------------------------------------------


def test_the_demo_tenant_policy_loads(demo: LoadedPolicy) -> None:
    policy = demo.policy
    assert (policy.tenant, policy.version) == ("demo-co", "2026-11-21.1")
    assert demo.sha256 == hashlib.sha256(DEMO_TEXT.encode()).hexdigest()
    assert policy.approvers["ar_manager"] == (MARIA,)
    followup = policy.for_pipeline(FOLLOWUP)
    assert followup.read_only is False
    assert followup.link_ttl_hours == 72
    assert followup.actions[SEND].auto_below == Decimal("1000.00")
    assert followup.actions[SEND].approver_role == "ar_manager"


def test_the_never_automated_list_cannot_shrink() -> None:
    loaded = _policy(never="[]")
    assert loaded.policy.never_automated >= NEVER_AUTOMATED
    assert route(loaded.policy, FOLLOWUP, GuardedAction.CHANGE_BANK_DETAILS, Decimal(1)) == (Route.NEVER, None)


def test_the_never_automated_list_can_grow() -> None:
    loaded = _policy(LIVE_FOLLOWUP, never="[send_followup_email]")
    assert route(loaded.policy, FOLLOWUP, SEND, Decimal("5.00")) == (Route.NEVER, None)


@pytest.mark.parametrize(
    "text",
    [
        "tenant: t1\nversion: '1'\nread_onyl: false\n",  # a typo must not be silently ignored
        "tenant: t1\nversion: '1'\nnever_automated: [wire_money]\n",
        "tenant: t1\nversion: '1'\npipelines:\n  invoice_followup: {link_ttl_hours: 0}\n",
        "tenant: t1\nversion: '1'\npipelines:\n  invoice_followup: {link_ttl_hours: 10000}\n",
        "version: '1'\n",
    ],
    ids=["unknown-key", "unknown-action", "ttl-zero", "ttl-too-long", "no-tenant"],
)
def test_a_broken_policy_file_is_rejected(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_policy(text)


def test_the_hash_changes_with_any_edit() -> None:
    assert parse_policy(DEMO_TEXT).sha256 != parse_policy(DEMO_TEXT + "\n# reviewed\n").sha256


# --- routing -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "amount", "expected"),
    [
        (SEND, "0.01", (Route.AUTO, None)),
        (SEND, "999.99", (Route.AUTO, None)),
        (SEND, "1000.00", (Route.HUMAN, "ar_manager")),  # at the threshold a human decides
        (SEND, "1000.01", (Route.HUMAN, "ar_manager")),
        (SEND, "250000.00", (Route.HUMAN, "ar_manager")),
        (FollowUpAction.POST_CRM_NOTE, "10.00", (Route.NEVER, None)),  # no rule for it: never
        *((kind, "10.00", (Route.NEVER, None)) for kind in sorted(NEVER_AUTOMATED)),
    ],
)
def test_route_with_the_demo_policy(
    demo: LoadedPolicy, action: ActionKind, amount: str, expected: tuple[Route, str | None]
) -> None:
    assert route(demo.policy, FOLLOWUP, action, Decimal(amount)) == expected


def test_a_read_only_pipeline_only_shadows() -> None:
    rules = (
        "  invoice_followup:\n    read_only: true\n    actions:\n      send_followup_email:\n"
        "        {auto_below: '1000.00', approver_role: ar_manager}\n"
    )
    policy = _policy(rules).policy
    assert route(policy, FOLLOWUP, SEND, Decimal("5.00")) == (Route.SHADOW, "ar_manager")
    assert route(policy, FOLLOWUP, SEND, Decimal("5000.00")) == (Route.SHADOW, "ar_manager")


def test_a_pipeline_is_read_only_unless_the_policy_says_otherwise() -> None:
    rules = "  invoice_followup:\n    actions:\n      send_followup_email: {approver_role: ar_manager}\n"
    assert route(_policy(rules).policy, FOLLOWUP, SEND, Decimal("5000.00")) == (Route.SHADOW, "ar_manager")


def test_a_pipeline_missing_from_the_policy_executes_nothing() -> None:
    rules = "  invoice_followup:\n    actions:\n      send_followup_email: {approver_role: ar_manager}\n"
    policy = _policy(rules).policy
    assert policy.for_pipeline("cash_planning").read_only is True
    for action in (*action_kinds(), *GuardedAction):
        assert route(policy, "cash_planning", action, Decimal("1.00")) == (Route.NEVER, None)


# --- requests ----------------------------------------------------------------------------------------


def test_followup_request_carries_the_facts_and_the_policy(demo: LoadedPolicy) -> None:
    request = _request(demo)
    assert request.action == SEND
    assert (request.entity_id, request.amount, request.currency) == ("131", Decimal("1250.00"), "USD")
    assert (request.route, request.approver_role) == (Route.HUMAN, "ar_manager")
    assert (request.policy_version, request.policy_hash) == ("2026-11-21.1", demo.sha256)
    assert request.requested_by == "seamline:invoice_followup"
    assert request.expires_at == NOW + timedelta(hours=72)
    assert request.links == ()
    assert request.summary == (
        "Send the final follow-up to Harbor Marine <billing@harbor-marine.example> for invoice 1131: "
        "USD 1250.00, 32 days overdue."
    )


def test_small_balances_route_automatically(demo: LoadedPolicy) -> None:
    request = _request(demo, "999.99")
    assert (request.route, request.approver_role) == (Route.AUTO, None)


def test_request_id_is_the_same_for_the_same_invoice_and_scan_date(demo: LoadedPolicy) -> None:
    first = followup_request(follow_up_drafted(), "demo-co", demo, NOW)
    rerun = followup_request(
        follow_up_drafted(subject="Another wording", model="claude-sonnet-4-5"),
        "demo-co",
        demo,
        NOW + timedelta(hours=5),
    )
    assert rerun.request_id == first.request_id
    assert len(first.request_id) == 32


@pytest.mark.parametrize(
    ("tenant", "invoice_id", "as_of"),
    [
        ("other-co", "131", date(2026, 11, 21)),
        ("demo-co", "132", date(2026, 11, 21)),
        ("demo-co", "131", date(2026, 11, 28)),
    ],
    ids=["other-tenant", "other-invoice", "next-scan"],
)
def test_request_id_differs_for_another_tenant_invoice_or_scan(
    demo: LoadedPolicy, tenant: str, invoice_id: str, as_of: date
) -> None:
    base = followup_request(follow_up_drafted(), "demo-co", demo, NOW)
    other = follow_up_drafted(follow_up_due(invoice_id=invoice_id, as_of=as_of))
    assert followup_request(other, tenant, demo, NOW).request_id != base.request_id


# --- who may decide ----------------------------------------------------------------------------------


def test_the_named_approver_may_decide_before_expiry(demo: LoadedPolicy) -> None:
    request = _request(demo)
    check_decider(request, MARIA, demo.policy, NOW + timedelta(hours=71, minutes=59))


@pytest.mark.parametrize(
    ("update", "decider", "after", "complaint"),
    [
        ({}, MARIA, timedelta(hours=72), "expired"),
        ({}, MARIA, timedelta(days=30), "expired"),
        ({}, SAM, timedelta(0), "does not hold the ar_manager role"),
        ({}, "mallory@evil.example", timedelta(0), "does not hold the ar_manager role"),
        ({"requested_by": MARIA}, MARIA, timedelta(0), "cannot approve their own request"),
        (
            {"action": GuardedAction.CHANGE_BANK_DETAILS},
            MARIA,
            timedelta(0),
            "never automated, even with an approval",
        ),
        ({"route": Route.AUTO, "approver_role": None}, MARIA, timedelta(0), "no human decision"),
        ({"route": Route.SHADOW}, MARIA, timedelta(0), "no human decision"),
    ],
    ids=[
        "at-expiry",
        "long-expired",
        "wrong-role",
        "stranger",
        "own-request",
        "never-automated",
        "auto",
        "shadow",
    ],
)
def test_check_decider_refuses(
    demo: LoadedPolicy, update: dict[str, object], decider: str, after: timedelta, complaint: str
) -> None:
    request = _request(demo, **update)
    with pytest.raises(PolicyRefused, match=complaint):
        check_decider(request, decider, demo.policy, NOW + after)


def test_a_tenant_may_let_requesters_approve() -> None:
    loaded = parse_policy(
        "tenant: t1\nversion: '1'\nrequesters_cannot_approve: false\n"
        f"approvers:\n  ar_manager: [{MARIA}]\npipelines:\n{LIVE_FOLLOWUP}"
    )
    request = _request(loaded, requested_by=MARIA)
    check_decider(request, MARIA, loaded.policy, NOW)


# --- planned actions ---------------------------------------------------------------------------------


def test_an_approved_follow_up_is_one_email_and_one_crm_note(demo: LoadedPolicy) -> None:
    request = _request(demo)
    email, note = plan_actions(request)
    assert email.action is SEND
    assert email.to == "billing@harbor-marine.example"
    assert (email.subject, email.body) == (request.payload.draft.subject, request.payload.draft.body)
    assert note.action == FollowUpAction.POST_CRM_NOTE
    assert note.body == (
        "Follow-up (final) sent to billing@harbor-marine.example for invoice 1131: "
        "USD 1250.00, 32 days overdue. Subject: Final reminder: invoice 1131"
    )
    assert email.key != note.key
    assert plan_actions(request) == (email, note)  # planned again, same keys: the side effects run once


@pytest.mark.parametrize("action", sorted(NEVER_AUTOMATED))
def test_never_automated_actions_are_never_planned(demo: LoadedPolicy, action: ActionKind) -> None:
    with pytest.raises(PolicyRefused, match="never automated"):
        plan_actions(_request(demo, action=action))


# --- signed links ------------------------------------------------------------------------------------

SECRET = "link-secret-for-tests"


def _token(url: str) -> str:
    return url.split("?token=", 1)[1]


def _swapped_approver() -> str:
    """Maria's signature on a payload naming Sam: someone editing the link to approve as another person."""
    signer = LinkSigner(SECRET, "https://x")
    marias, sams = _token(signer.link("req-1", MARIA)), _token(signer.link("req-1", SAM))
    return sams.split(".", 1)[0] + "." + marias.split(".", 1)[1]


def test_a_link_names_the_request_and_verifies_to_its_approver() -> None:
    signer = LinkSigner(SECRET, "https://approvals.demo-co.example/")
    url = signer.link("req-1", MARIA)
    assert url.startswith("https://approvals.demo-co.example/approvals/req-1/decision?token=")
    assert signer.verify(_token(url), "req-1", max_age_s=3600) == MARIA


@pytest.mark.parametrize(
    ("make_token", "complaint"),
    [
        (
            lambda: _token(LinkSigner("another-secret", "https://x").link("req-1", MARIA)),
            "signature is invalid",
        ),
        (_swapped_approver, "signature is invalid"),
        (lambda: "not-a-token", "signature is invalid"),
        (lambda: _token(LinkSigner(SECRET, "https://x").link("req-2", MARIA)), "for another request"),
    ],
    ids=["forged-secret", "tampered", "garbage", "other-request"],
)
def test_a_bad_link_is_refused(make_token: object, complaint: str) -> None:
    token = make_token()  # type: ignore[operator]
    with pytest.raises(PolicyRefused, match=complaint):
        LinkSigner(SECRET, "https://x").verify(token, "req-1", max_age_s=3600)


class _TwoHoursAgo(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - 2 * 3600


def test_an_expired_link_is_refused() -> None:
    # A token signed two hours ago with the links' own secret and salt.
    old = URLSafeTimedSerializer(SECRET, salt="seamline-approval-link", signer=_TwoHoursAgo)
    token = old.dumps({"r": "req-1", "a": MARIA})
    signer = LinkSigner(SECRET, "https://x")
    assert signer.verify(token, "req-1", max_age_s=3 * 3600) == MARIA
    with pytest.raises(PolicyRefused, match="expired"):
        signer.verify(token, "req-1", max_age_s=3600)
