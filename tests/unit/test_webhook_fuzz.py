"""The CRM webhook endpoint in-process, fuzzed: signed or not, any body answers a clear 4xx or a 2xx, never a 5xx."""

from __future__ import annotations

import json
import os
import time
from typing import Any

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from starlette.applications import Starlette

from contracts.envelope import Contract, Envelope
from infra.sandboxes.crm import sign_hubspot_v3
from services.connectors.bootstrap import ConnectorsDeps
from services.connectors.pipelines.contract_review.settings import ContractReviewConnectorsSettings
from services.connectors.pipelines.contract_review.web import WEBHOOK_PATH, build_routes
from services.connectors.settings import ConnectorsSettings
from shared.kernel import Kernel
from shared.settings import KernelSettings

SECRET = "webhook-secret-for-tests"
URL = f"http://connectors.test{WEBHOOK_PATH}"
EXAMPLES = int(os.environ.get("SEAMLINE_FUZZ_EXAMPLES", "200"))


class FakePublisher:
    def __init__(self) -> None:
        self.published: list[tuple[str, Envelope[Contract], str]] = []

    async def publish(self, topic: str, envelope: Envelope[Contract], key: str) -> None:
        self.published.append((topic, envelope, key))


class FakeDedupe:
    def __init__(self) -> None:
        self.seen: set[tuple[str, str]] = set()

    async def claim(self, tenant: str, event_id: str) -> bool:
        if (tenant, event_id) in self.seen:
            return False
        self.seen.add((tenant, event_id))
        return True

    async def release(self, tenant: str, event_id: str) -> None:
        self.seen.discard((tenant, event_id))

    async def claim_request(self, tenant: str, signature: str, ttl_s: int) -> bool:
        return await self.claim(tenant, f"request:{signature}")

    async def release_request(self, tenant: str, signature: str) -> None:
        await self.release(tenant, f"request:{signature}")


def _app() -> tuple[Starlette, FakePublisher]:
    publisher = FakePublisher()
    kernel = Kernel("connectors", KernelSettings(), broker=None, publisher=publisher, audit=None)  # type: ignore[arg-type]
    conn_settings = ConnectorsSettings(
        qbo_client_id="x", qbo_client_secret=SecretStr("x"), qbo_refresh_token=SecretStr("x")
    )
    deps = ConnectorsDeps(kernel, conn_settings, qbo=None)  # type: ignore[arg-type]
    review_settings = ContractReviewConnectorsSettings(crm_webhook_secret=SecretStr(SECRET))
    return Starlette(routes=build_routes(deps, review_settings, FakeDedupe())), publisher


async def _post(body: bytes, signed: bool = True) -> httpx.Response:
    app, _ = _app()
    timestamp = int(time.time() * 1000)
    headers = {"content-type": "application/json"}
    if signed:
        headers["X-HubSpot-Request-Timestamp"] = str(timestamp)
        headers["X-HubSpot-Signature-v3"] = sign_hubspot_v3(SECRET, "POST", URL, body, timestamp)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://connectors.test") as client:
        return await client.post(WEBHOOK_PATH, content=body, headers=headers)


async def test_deeply_nested_json_is_refused_with_a_clear_error() -> None:
    answer = await _post(b"[" * 100_000 + b"]" * 100_000)
    assert answer.status_code in (400, 413)
    assert "error" in answer.json()


async def test_an_oversized_body_is_refused_before_it_is_read_whole() -> None:
    answer = await _post(b"[" + b'{"eventId": 1},' * 30_000 + b"{}]")
    assert answer.status_code == 413


_json = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20), st.floats(allow_nan=False)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=15), inner, max_size=5)),
    max_leaves=20,
)
_event = st.fixed_dictionaries(
    {},
    optional={
        "eventId": st.one_of(st.integers(), st.text(max_size=10), st.none()),
        "subscriptionType": st.sampled_from(["deal.propertyChange", "deal.creation", "contact.creation", ""]),
        "objectId": st.one_of(st.integers(min_value=-5, max_value=10**12), st.text(max_size=8)),
        "propertyName": st.sampled_from(["dealstage", "amount", ""]),
        "propertyValue": st.sampled_from(["closedwon", "closedlost", "", "x" * 300]),
        "occurredAt": st.one_of(st.integers(), st.text(max_size=8)),
        "portalId": st.one_of(st.integers(), st.none()),
    },
)


@settings(max_examples=EXAMPLES, deadline=None)
@given(body=st.one_of(st.lists(_event, max_size=5), _json), signed=st.booleans())
async def test_fuzzed_webhooks_never_cause_a_server_error(body: Any, signed: bool) -> None:
    answer = await _post(json.dumps(body).encode(), signed=signed)
    assert answer.status_code < 500
    if not signed:
        assert answer.status_code == 401
