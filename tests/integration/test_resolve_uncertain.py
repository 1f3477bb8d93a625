"""An operator closes an uncertain action through the approval API, against real Redis: `sent` records it
without sending, `not_sent` sends it now, once, however many operators click at the same moment."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import pytest_asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis
from starlette.applications import Starlette

from contracts.approval import ActionExecuted, ActionStatus, ApprovalDecided, Decision
from contracts.registry import PIPELINES
from services.approval.bootstrap import build_parts
from services.approval.domain import PlannedAction
from services.approval.executor import ActionExecutor
from services.approval.pipelines.invoice_followup.domain import plan_actions
from services.approval.resolve_web import build_resolve_routes
from shared.audit import AuditWriter
from shared.errors import UpstreamUnavailable
from shared.idempotency import RedisIdempotencyStore
from shared.kernel import Kernel
from shared.settings import KernelSettings
from tests.unit.ap_factories import ap_flow_ports
from tests.unit.test_approval_api import OPS_TOKEN, FakePublisher, approval_deps, approval_request

pytestmark = pytest.mark.integration
AUTH = {"Authorization": f"Bearer {OPS_TOKEN}"}
FUZZ_EXAMPLES = int(os.environ.get("SEAMLINE_FUZZ_EXAMPLES", "150"))


class Mailer:
    def __init__(self) -> None:
        self.sent: list[str] = []
        self.entered = asyncio.Event()
        self.hang = False
        self.refuse = 0

    async def send(self, to: str, subject: str, body: str, idempotency_key: str) -> str:
        self.entered.set()
        if self.refuse:
            self.refuse -= 1
            raise UpstreamUnavailable("SMTP answered 451")
        if self.hang:
            await asyncio.Event().wait()  # the process dies here, mid-send
        await asyncio.sleep(0.05)
        self.sent.append(idempotency_key)
        return f"<{idempotency_key}@seamline>"


class Crm:
    async def add_note(self, body: str, idempotency_key: str, deal_id: str | None = None) -> str:
        return "note-1"


@dataclass
class World:
    api: httpx.AsyncClient
    mailer: Mailer
    executor: ActionExecutor
    publisher: FakePublisher
    email: PlannedAction
    request_id: str

    def resolve(self, outcome: str, operator: str = "ops@demo-co.example") -> Any:
        body = {"outcome": outcome, "operator": operator, "reason": "checked the mail server log"}
        path = f"/approvals/{self.request_id}/actions/send_followup_email/resolve"
        return self.api.post(path, json=body, headers=AUTH)

    def actions(self) -> list[ActionExecuted]:
        return [e.payload for t, e, _ in self.publisher.published if t.endswith(".actions.v1")]  # type: ignore[misc]


async def _journal(_: ActionExecuted) -> None:
    return None


@pytest_asyncio.fixture
async def world(redis: Redis, unique: str) -> AsyncIterator[World]:
    deps, store, publisher = approval_deps()
    mailer = Mailer()
    deps.done = RedisIdempotencyStore(redis, f"actions-{unique}")
    deps.mailer, deps.crm = mailer, Crm()
    build_parts(deps, PIPELINES, ports=ap_flow_ports(deps))
    deps.kernel = Kernel("approval", KernelSettings(), None, publisher, AuditWriter(publisher, "approval"))  # type: ignore[arg-type]
    requested = approval_request()
    await store.add(requested)
    decided = ApprovalDecided(
        request_id=requested.payload.request_id,
        decision=Decision.APPROVED,
        decided_by="maria.lopez@demo-co.example",
        reason="",
        request=requested.payload,
    )
    await store.claim_decision(decided)
    email = plan_actions(requested.payload)[0]
    app = Starlette(routes=build_resolve_routes(deps))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://approval.test") as api:
        yield World(api, mailer, deps.executor("invoice_followup"), publisher, email, requested.payload.request_id)


async def _cut_off_mid_send(world: World) -> None:
    """What a kill -9 during the SMTP conversation leaves behind, then the redelivery that finds it."""
    world.mailer.hang = True
    attempt = asyncio.create_task(world.executor.run(world.request_id, "131", world.email, _journal))
    await world.mailer.entered.wait()
    attempt.cancel()
    with pytest.raises(asyncio.CancelledError):
        await attempt
    world.mailer.hang = False
    redelivered = await world.executor.run(world.request_id, "131", world.email, _journal)
    assert redelivered.status is ActionStatus.UNCERTAIN
    assert world.mailer.sent == []


async def test_not_sent_sends_it_now_once_even_when_two_operators_resolve_together(world: World) -> None:
    await _cut_off_mid_send(world)
    first, second = await asyncio.gather(world.resolve("not_sent", "ops-a"), world.resolve("not_sent", "ops-b"))
    assert sorted((first.status_code, second.status_code)) == [200, 409]
    assert world.mailer.sent == [world.email.key], "one email"
    assert [a.status for a in world.actions()] == [ActionStatus.STARTED, ActionStatus.EXECUTED]
    again = await world.resolve("not_sent")
    assert again.status_code == 409 and "not uncertain" in again.json()["error"]
    redelivered = await world.executor.run(world.request_id, "131", world.email, _journal)
    assert redelivered.status is ActionStatus.ALREADY_DONE
    assert world.mailer.sent == [world.email.key]


async def test_a_send_that_fails_during_resolution_leaves_the_action_open_to_resolve_again(world: World) -> None:
    await _cut_off_mid_send(world)
    world.mailer.refuse = 1
    failed = await world.resolve("not_sent")
    assert failed.status_code == 502 and "UpstreamUnavailable" in failed.json()["error"]
    assert world.mailer.sent == []
    retried = await world.resolve("not_sent")
    assert retried.status_code == 200
    assert world.mailer.sent == [world.email.key]


async def test_sent_records_it_done_without_sending(world: World) -> None:
    await _cut_off_mid_send(world)
    answer = await world.resolve("sent")
    assert answer.status_code == 200
    assert answer.json() == {
        "status": "executed",
        "detail": "confirmed sent by ops@demo-co.example: checked the mail server log",
    }
    assert world.mailer.sent == []
    redelivered = await world.executor.run(world.request_id, "131", world.email, _journal)
    assert redelivered.status is ActionStatus.ALREADY_DONE
    audit = [e.payload for t, e, _ in world.publisher.published if t.endswith(".audit.v1")]
    assert [(a.step, a.outcome, a.approver) for a in audit] == [  # type: ignore[attr-defined]
        ("resolve", "send_followup_email:executed", "ops@demo-co.example")
    ]


async def test_only_an_uncertain_action_of_an_approved_request_can_be_resolved(world: World) -> None:
    never_attempted = await world.resolve("not_sent")
    assert never_attempted.status_code == 409 and "not uncertain" in never_attempted.json()["error"]
    await world.executor.run(world.request_id, "131", world.email, _journal)
    done = await world.resolve("not_sent")
    assert done.status_code == 409
    unknown = await world.api.post(
        "/approvals/nope/actions/send_followup_email/resolve", json={"outcome": "sent", "operator": "x"}, headers=AUTH
    )
    assert unknown.status_code == 404
    assert world.mailer.sent == [world.email.key]


async def test_the_operator_token_and_a_well_formed_body_are_required(world: World) -> None:
    await _cut_off_mid_send(world)
    path = f"/approvals/{world.request_id}/actions/send_followup_email/resolve"
    no_token = await world.api.post(path, json={"outcome": "not_sent", "operator": "x"})
    assert no_token.status_code == 401
    bad = await world.api.post(path, json={"outcome": "maybe", "operator": "x"}, headers=AUTH)
    assert bad.status_code == 400 and bad.json()["field"] == "outcome"
    assert world.mailer.sent == []


_text = st.text(max_size=30)


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.one_of(
        st.binary(max_size=200),
        st.fixed_dictionaries(
            {"outcome": st.sampled_from(["sent", "not_sent", "maybe"]), "operator": _text},
            optional={"reason": _text, "extra": _text},
        ).map(lambda d: json.dumps(d).encode()),
    ),
    request_id=st.sampled_from(["req-1", "nope", "../x"]) | _text.filter(bool),
    action=st.sampled_from(["send_followup_email", "post_crm_note", "review_contract", "x"]),
    auth=st.sampled_from([OPS_TOKEN, "wrong", ""]),
)
async def test_fuzzed_resolutions_never_cause_a_server_error(
    world: World, body: bytes, request_id: str, action: str, auth: str
) -> None:
    answer = await world.api.post(
        f"/approvals/{quote(request_id, safe='')}/actions/{action}/resolve",
        content=body,
        headers={"Authorization": f"Bearer {auth}"},
    )
    assert answer.status_code in (200, 400, 401, 404, 409), answer.text
    assert world.mailer.sent == [], "nothing was uncertain, so nothing may be sent"
