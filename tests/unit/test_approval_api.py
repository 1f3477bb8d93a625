"""The approval HTTP API in-process, with fakes at its ports: who may decide, how, and what it refuses.

Includes a hypothesis fuzz of every route: whatever arrives, the answer is a clear 4xx or a 2xx, never a 5xx.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
import pytest_asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from starlette.applications import Starlette

from contracts.approval import ActionKind, ApprovalDecided, ApprovalRequested, GuardedAction, Route
from contracts.envelope import Contract, Envelope
from contracts.invoice_followup import FollowUpAction, FollowUpApproval
from contracts.registry import PIPELINES
from services.approval.adapters.links import LinkSigner
from services.approval.bootstrap import ApprovalDeps, PolicyBook, build_parts
from services.approval.domain import parse_policy
from services.approval.settings import REPO, ApprovalSettings
from services.approval.web import build_routes
from shared.kernel import Kernel
from shared.settings import KernelSettings
from tests.unit.ap_factories import ap_flow_ports
from tests.unit.factories import DEMO_POLICY, follow_up_drafted

APPROVER = "maria.lopez@demo-co.example"
OPS_TOKEN = "ops-token-for-tests"
FUZZ_EXAMPLES = int(os.environ.get("SEAMLINE_FUZZ_EXAMPLES", "150"))


class FakePublisher:
    def __init__(self) -> None:
        self.published: list[tuple[str, Envelope[Contract], str]] = []

    async def publish(self, topic: str, envelope: Envelope[Contract], key: str) -> None:
        self.published.append((topic, envelope, key))


class FakeApprovalStore:
    def __init__(self) -> None:
        self.requests: dict[str, Envelope[ApprovalRequested]] = {}
        self.decisions: dict[str, ApprovalDecided] = {}

    async def add(self, requested: Envelope[ApprovalRequested]) -> bool:
        return self.requests.setdefault(requested.payload.request_id, requested) is requested

    async def get(self, request_id: str) -> Envelope[ApprovalRequested] | None:
        return self.requests.get(request_id)

    async def pending(self) -> list[Envelope[ApprovalRequested]]:
        return [r for i, r in self.requests.items() if i not in self.decisions and r.payload.route is Route.HUMAN]

    async def claim_decision(self, decided: ApprovalDecided) -> bool:
        return self.decisions.setdefault(decided.request_id, decided) is decided

    async def decision(self, request_id: str) -> ApprovalDecided | None:
        return self.decisions.get(request_id)


def _settings() -> ApprovalSettings:
    return ApprovalSettings(
        link_secret=SecretStr("link-secret-for-tests"),
        api_token=SecretStr(OPS_TOKEN),
        smtp_password=SecretStr("x"),
        crm_token=SecretStr("x"),
        policy_dir=REPO / "infra" / "tenants",
    )


def approval_deps() -> tuple[ApprovalDeps, FakeApprovalStore, FakePublisher]:
    store, publisher = FakeApprovalStore(), FakePublisher()
    kernel = Kernel("approval", KernelSettings(), broker=None, publisher=publisher, audit=None)  # type: ignore[arg-type]
    settings = _settings()
    deps = ApprovalDeps(
        kernel=kernel,
        settings=settings,
        policies=PolicyBook.load(settings.policy_dir),
        store=store,
        links=LinkSigner("link-secret-for-tests", "http://approval.test"),
        done=None,  # type: ignore[arg-type]
        mailer=None,  # type: ignore[arg-type]
        crm=None,  # type: ignore[arg-type]
    )
    build_parts(deps, PIPELINES, ports=ap_flow_ports(deps))
    return deps, store, publisher


def approval_request(
    request_id: str = "req-1",
    action: ActionKind = FollowUpAction.SEND_FOLLOWUP_EMAIL,
    requested_by: str = "seamline:invoice_followup",
    expires_in: timedelta = timedelta(hours=72),
) -> Envelope[ApprovalRequested]:
    loaded = parse_policy(DEMO_POLICY.read_text())
    request = ApprovalRequested(
        request_id=request_id,
        action=action,
        entity_id="131",
        amount=Decimal("4321.09"),
        currency="USD",
        route=Route.HUMAN,
        approver_role="ar_manager",
        requested_by=requested_by,
        policy_version=loaded.policy.version,
        policy_hash=loaded.sha256,
        summary="Send the firm follow-up",
        payload=FollowUpApproval(draft=follow_up_drafted()),
        expires_at=datetime.now(UTC) + expires_in,
    )
    return Envelope.start(request, pipeline="invoice_followup", tenant="demo-co")


@pytest_asyncio.fixture
async def api() -> AsyncIterator[tuple[httpx.AsyncClient, ApprovalDeps, FakeApprovalStore, FakePublisher]]:
    deps, store, publisher = approval_deps()
    app = Starlette(routes=build_routes(deps))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://approval.test") as client:
        yield client, deps, store, publisher


async def _link(deps: ApprovalDeps, store: FakeApprovalStore, approver: str = APPROVER, **kw: Any) -> str:
    requested = approval_request(**kw)
    await store.add(requested)
    return deps.links.link(requested.payload.request_id, approver)


def _post(client: httpx.AsyncClient, link: str, decision: str = "approve") -> Any:
    token = link.split("token=", 1)[1]
    return client.post(
        link.split("?", maxsplit=1)[0].replace("http://approval.test", ""), data={"token": token, "decision": decision}
    )


async def test_get_on_a_link_shows_the_request_and_decides_nothing(api: Any) -> None:
    client, deps, store, publisher = api
    link = await _link(deps, store)
    page = await client.get(link)
    assert page.status_code == 200
    assert "Approve" in page.text and "Send the firm follow-up" in page.text
    assert store.decisions == {} and publisher.published == []


async def test_post_decides_once_and_publishes_the_decision(api: Any) -> None:
    client, deps, store, publisher = api
    link = await _link(deps, store)
    first = await _post(client, link)
    second = await _post(client, link, "reject")
    assert first.status_code == 200 and first.json()["decided_by"] == APPROVER
    assert second.status_code == 409
    assert [p[0] for p in publisher.published] == ["invoice_followup.decisions.v1"]
    assert store.decisions["req-1"].decision.value == "approved"


@pytest.mark.parametrize(
    ("case", "kwargs", "approver"),
    [
        ("approver outside the routed role", {}, "sam.chen@demo-co.example"),
        ("requester approving their own request", {"requested_by": APPROVER}, APPROVER),
        ("never-automated action", {"action": GuardedAction.CHANGE_BANK_DETAILS}, APPROVER),
        ("expired request", {"expires_in": timedelta(seconds=-1)}, APPROVER),
    ],
)
async def test_who_may_not_decide_is_refused(api: Any, case: str, kwargs: dict[str, Any], approver: str) -> None:
    client, deps, store, publisher = api
    link = await _link(deps, store, approver=approver, **kwargs)
    answer = await _post(client, link)
    assert answer.status_code == 403, case
    assert store.decisions == {} and publisher.published == []


async def test_forged_and_foreign_tokens_are_refused(api: Any) -> None:
    client, deps, store, publisher = api
    await store.add(approval_request("req-1"))
    await store.add(approval_request("req-2"))
    other = deps.links.link("req-2", APPROVER).split("token=")[1]
    forged = LinkSigner("not-our-secret", "http://x").link("req-1", APPROVER).split("token=")[1]
    for token in (other, forged, "garbage"):
        answer = await client.post("/approvals/req-1/decision", data={"token": token, "decision": "approve"})
        assert answer.status_code == 403
    assert publisher.published == []


async def test_an_oversized_body_is_refused_with_413(api: Any) -> None:
    client, deps, store, _ = api
    link = await _link(deps, store)
    answer = await client.post(
        link.split("?")[0],
        content=b"token=" + b"a" * 20_000,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 413


async def test_the_operator_api_needs_the_token(api: Any) -> None:
    client, deps, store, _ = api
    await _link(deps, store)
    assert (await client.get("/approvals")).status_code == 401
    listed = await client.get("/approvals", headers={"Authorization": f"Bearer {OPS_TOKEN}"})
    assert listed.status_code == 200 and [p["request_id"] for p in listed.json()["pending"]] == ["req-1"]


_text = st.text(max_size=300)
_path_id = st.text(
    alphabet=st.characters(
        min_codepoint=33, max_codepoint=0x2FFF, exclude_characters="/?#%", exclude_categories=("Cc", "Cs")
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    request_id=_path_id,
    token=_text,
    decision=_text,
    extra=st.dictionaries(_text, _text, max_size=5),
    method=st.sampled_from(["GET", "POST"]),
    auth=st.sampled_from([None, OPS_TOKEN, "wrong"]),
    route=st.sampled_from(["/approvals", "/approvals/{id}", "/approvals/{id}/decision"]),
)
async def test_fuzzed_requests_never_cause_a_server_error(
    request_id: str, token: str, decision: str, extra: dict[str, str], method: str, auth: str | None, route: str
) -> None:
    deps, store, _ = approval_deps()
    await store.add(approval_request("req-1"))
    app = Starlette(routes=build_routes(deps))
    headers = {"Authorization": f"Bearer {auth}"} if auth else {}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://approval.test") as client:
        path = route.replace("{id}", request_id)
        if method == "GET":
            answer = await client.get(path, params={"token": token}, headers=headers)
        else:
            answer = await client.post(path, data={"token": token, "decision": decision, **extra}, headers=headers)
    assert answer.status_code < 500
