"""Approvers clicking Approve / Reject in Slack: the Slack sandbox signs the click as Slack does, the approval
service verifies it with slack_sdk, maps the Slack user to an approver through the tenant policy and decides once.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk.signature import SignatureVerifier
from starlette.applications import Starlette

from contracts.approval import ApprovalLink
from contracts.invoice_followup import FollowUpAction
from infra.sandboxes.slack import SlackState, build_slack_app, sign_slack_v0
from services.approval.adapters.slack_responder import SlackResponder
from services.approval.slack_web import SLACK_INTERACTIONS_PATH, build_slack_routes
from services.notifier.pipelines.invoice_followup.domain import approval_message
from tests.unit.test_approval_api import FakeApprovalStore, FakePublisher, approval_deps, approval_request

SECRET = "slack-signing-secret-for-tests"
TARGET = f"http://approval.test{SLACK_INTERACTIONS_PATH}"
MARIA, SAM = "U0DEMOMARIA", "U0DEMOSAM"  # infra/tenants/demo-co/policy.yaml: ar_manager, controller
FUZZ_EXAMPLES = int(os.environ.get("SEAMLINE_FUZZ_EXAMPLES", "150"))


@dataclass
class World:
    slack: httpx.AsyncClient  # the Slack sandbox: where messages are posted and clicks start
    approval: httpx.AsyncClient
    state: SlackState
    store: FakeApprovalStore
    publisher: FakePublisher

    async def post_request(self, **kw: Any) -> str:
        """An approval request in the store and its message in the channel, as the notifier posts it."""
        requested = approval_request(**kw)
        await self.store.add(requested)
        link = ApprovalLink(approver="maria.lopez@demo-co.example", url="http://approval.test/approvals/x?token=t")
        message = approval_message(requested.payload.model_copy(update={"links": (link,)}), "t")
        await self.slack.post("/services/T0DEMO/B0APPROVALS/approvals", json=message)
        return requested.payload.request_id

    async def click(self, action_id: str, request_id: str, user_id: str, **kw: Any) -> dict[str, Any]:
        body = {"target_url": TARGET, "action_id": action_id, "value": request_id, "user_id": user_id, **kw}
        answer = await self.slack.post("/_sandbox/interactions/click", json=body)
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result

    def responses(self) -> list[dict[str, Any]]:
        return [r["payload"] for r in self.state.responses]


@pytest_asyncio.fixture
async def world() -> AsyncIterator[World]:
    deps, store, publisher = approval_deps()
    state = SlackState(signing_secret=SECRET)
    slack_app = build_slack_app(state)
    responder_client = httpx.AsyncClient(transport=httpx.ASGITransport(app=slack_app), base_url="http://slack.test")
    deps.slack_verifier = SignatureVerifier(SECRET)
    deps.slack = SlackResponder(responder_client, "http://slack.test/actions/")
    approval_app = Starlette(routes=build_slack_routes(deps))
    state.transport = httpx.ASGITransport(app=approval_app)
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=slack_app), base_url="http://slack.test") as slack,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=approval_app), base_url="http://approval.test") as approval,
    ):
        yield World(slack, approval, state, store, publisher)
    await responder_client.aclose()


def test_the_sandbox_signs_as_slack_sdk_verifies() -> None:
    body, timestamp = b"payload=%7B%7D", int(time.time())
    signature = sign_slack_v0(SECRET, timestamp, body)
    assert signature == SignatureVerifier(SECRET).generate_signature(timestamp=str(timestamp), body=body)


async def test_approve_in_slack_decides_once_as_the_mapped_approver_and_updates_the_message(world: World) -> None:
    request_id = await world.post_request()
    answer = await world.click("seamline_approve", request_id, MARIA)
    assert answer["status"] == 200 and json.loads(answer["body"]) == {"ok": True, "refused": None}
    decided = world.store.decisions[request_id]
    assert (decided.decision.value, decided.decided_by) == ("approved", "maria.lopez@demo-co.example")
    assert [topic for topic, _, _ in world.publisher.published] == ["invoice_followup.decisions.v1"]
    (update,) = world.responses()
    assert update["replace_original"] is True
    assert update["text"].startswith("Approved by maria.lopez@demo-co.example: Send the firm follow-up")


async def test_reject_in_slack_is_recorded_as_a_rejection(world: World) -> None:
    request_id = await world.post_request()
    await world.click("seamline_reject", request_id, MARIA)
    assert world.store.decisions[request_id].decision.value == "rejected"
    assert world.responses()[0]["text"].startswith("Rejected by maria.lopez@demo-co.example")


@pytest.mark.parametrize(
    ("user_id", "reason"),
    [
        ("U0STRANGER", "Slack user U0STRANGER is not mapped to an approver"),
        (SAM, "sam.chen@demo-co.example does not hold the ar_manager role"),
    ],
)
async def test_a_click_by_someone_who_may_not_decide_is_refused_privately(
    world: World, user_id: str, reason: str
) -> None:
    request_id = await world.post_request()
    answer = await world.click("seamline_approve", request_id, user_id)
    assert json.loads(answer["body"])["ok"] is False
    assert world.store.decisions == {} and world.publisher.published == []
    (told,) = world.responses()
    assert told["response_type"] == "ephemeral" and told["replace_original"] is False
    assert reason in told["text"]


async def test_a_second_click_changes_nothing(world: World) -> None:
    request_id = await world.post_request()
    await world.click("seamline_approve", request_id, MARIA)
    await world.click("seamline_reject", request_id, MARIA)
    assert world.store.decisions[request_id].decision.value == "approved"
    assert len(world.publisher.published) == 1
    assert "request already decided" in world.responses()[1]["text"]


async def test_a_captured_click_replayed_within_its_window_changes_nothing(world: World) -> None:
    request_id = await world.post_request(action=FollowUpAction.SEND_FOLLOWUP_EMAIL)
    payload = {
        "type": "block_actions",
        "user": {"id": MARIA},
        "actions": [{"action_id": "seamline_reject", "value": request_id}],
    }
    body = f"payload={json.dumps(payload)}".encode()
    timestamp = int(time.time())
    first = await _signed(world.approval, body, timestamp)
    replayed = await _signed(world.approval, body, timestamp)  # the same bytes, timestamp and signature
    assert first.json() == {"ok": True, "refused": None}
    assert replayed.json() == {"ok": False, "refused": "request already decided"}
    assert len(world.publisher.published) == 1


@pytest.mark.parametrize(
    ("case", "kw"),
    [("forged", {"signing_secret": "not-the-secret"}), ("stale", {"age_s": 6 * 60})],
)
async def test_forged_and_stale_clicks_are_refused_with_401(world: World, case: str, kw: dict[str, Any]) -> None:
    request_id = await world.post_request()
    answer = await world.click("seamline_approve", request_id, MARIA, **kw)
    assert answer["status"] == 401, case
    assert world.store.decisions == {} and world.responses() == []


async def test_unsigned_and_malformed_requests_get_clear_errors(world: World) -> None:
    unsigned = await world.approval.post(SLACK_INTERACTIONS_PATH, content=b"payload=%7B%7D")
    assert unsigned.status_code == 401
    bad_ts = await world.approval.post(
        SLACK_INTERACTIONS_PATH, content=b"x", headers={"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0="}
    )
    assert bad_ts.status_code == 401
    for body, field in (
        (b"no-payload=1", "payload"),
        (b"payload=%7B%22type%22%3A%22view_submission%22%7D", "payload.type"),
    ):
        answer = await _signed(world.approval, body)
        assert answer.status_code == 400 and answer.json()["field"] == field


async def test_a_browser_link_button_click_decides_nothing(world: World) -> None:
    request_id = await world.post_request()
    answer = await world.click("seamline_link_0", request_id, MARIA, value=None)
    assert json.loads(answer["body"]) == {"ok": True, "decision": None}
    assert world.store.decisions == {}


async def test_a_response_url_outside_slack_is_never_posted_to(world: World) -> None:
    request_id = await world.post_request()
    payload = {
        "type": "block_actions",
        "user": {"id": MARIA},
        "actions": [{"action_id": "seamline_approve", "value": request_id}],
        "response_url": "http://169.254.169.254/latest/meta-data",
    }
    answer = await _signed(world.approval, f"payload={json.dumps(payload)}".encode())
    assert answer.json() == {"ok": True, "refused": None}
    assert world.responses() == []


async def _signed(client: httpx.AsyncClient, body: bytes, timestamp: int | None = None) -> httpx.Response:
    timestamp = timestamp or int(time.time())
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": sign_slack_v0(SECRET, timestamp, body),
    }
    return await client.post(SLACK_INTERACTIONS_PATH, content=body, headers=headers)


_json = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=10), inner, max_size=3)),
    max_leaves=10,
)
_payloads = st.fixed_dictionaries(
    {"type": st.sampled_from(["block_actions", "x"]), "user": _json, "actions": _json, "response_url": _json}
)


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.one_of(
        st.binary(max_size=300),
        _json.map(lambda v: f"payload={json.dumps(v)}".encode()),
        _payloads.map(lambda v: f"payload={json.dumps(v)}".encode()),
    )
)
async def test_fuzzed_signed_clicks_never_cause_a_server_error(world: World, body: bytes) -> None:
    answer = await _signed(world.approval, body)
    assert answer.status_code in (200, 400, 413), answer.text
