"""POST /webhooks/intuit in-process, through the connectors' bootstrap: a handler registered for Bill changes gets
each signed change once; unsigned, forged and malformed requests get a clear 4xx and deliver nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from services.connectors.bootstrap import ConnectorsDeps, attach_intuit, build_deps
from services.connectors.intuit.delivery import INTUIT_EVENTS, IntuitSubscriptions
from services.connectors.intuit.domain import EventSource, IntuitEvent
from services.connectors.intuit.web import MAX_BODY_BYTES, WEBHOOK_PATH, WEBHOOKS_REFUSED
from services.connectors.settings import ConnectorsSettings
from shared.runtime import ServiceRuntime
from tests.unit.harness import kernel_for

TOKEN = "qbo-webhook-verifier-token"
REALM = "9341453000000000"
JsonObject = dict[str, Any]


def sign(body: bytes, token: str = TOKEN) -> str:
    return base64.b64encode(hmac.new(token.encode(), body, hashlib.sha256).digest()).decode()


def legacy_body(*entities: tuple[str, str, str], realm: str = REALM, at: str = "2026-11-20T15:04:05.000Z") -> bytes:
    changes = [{"name": n, "id": i, "operation": o, "lastUpdated": at} for n, i, o in entities]
    return json.dumps({"eventNotifications": [{"realmId": realm, "dataChangeEvent": {"entities": changes}}]}).encode()


def cloud_body(*events: tuple[str, str, str], realm: str = REALM, at: str = "2026-11-20T15:04:05Z") -> bytes:
    return json.dumps(
        [
            {"specversion": "1.0", "id": event_id, "source": "intuit.x", "type": kind, "time": at,
             "intuitentityid": entity_id, "intuitaccountid": realm, "datacontenttype": "application/json", "data": {}}
            for event_id, kind, entity_id in events
        ]
    ).encode()  # fmt: skip


class FakeClaims:
    """RedisIdempotencyStore's semantics in memory: claim once, record, forget."""

    def __init__(self) -> None:
        self.held: dict[str, str] = {}

    async def claim(self, key: str, holder: str, ttl_s: int) -> bool:
        if key in self.held:
            return False
        self.held[key] = holder
        return True

    async def record(self, key: str, result: str) -> None:
        self.held[key] = result

    async def forget(self, key: str) -> None:
        self.held.pop(key, None)


class FakeQuickBooks:
    async def query_all(self, query: str) -> list[JsonObject]:
        raise AssertionError("the webhook fetches nothing")

    async def read(self, entity: str, entity_id: str) -> JsonObject | None:
        raise AssertionError("the webhook fetches nothing")

    async def changed_since(self, entities: Any, since: Any) -> JsonObject:
        raise AssertionError("the webhook fetches nothing")


@dataclass
class Receiver:
    client: httpx.AsyncClient
    deps: ConnectorsDeps
    bills: list[IntuitEvent] = field(default_factory=list)

    async def post(self, body: bytes, signature: str | None = "sign") -> httpx.Response:
        headers = {"content-type": "application/json"}
        if signature is not None:
            headers["intuit-signature"] = sign(body) if signature == "sign" else signature
        return await self.client.post(WEBHOOK_PATH, content=body, headers=headers)


def connectors(verifier: str | None = TOKEN) -> ConnectorsDeps:
    settings = ConnectorsSettings(
        qbo_client_id="x",
        qbo_client_secret=SecretStr("x"),
        qbo_refresh_token=SecretStr("x"),
        qbo_realm_id=REALM,
        qbo_webhook_verifier=SecretStr(verifier) if verifier is not None else None,
        qbo_cdc_interval_s=0,
    )
    return build_deps(kernel_for("connectors"), settings, qbo=FakeQuickBooks())


@asynccontextmanager
async def receiver(verifier: str | None = TOKEN, fail_first: int = 0) -> AsyncIterator[Receiver]:
    """The connectors' HTTP app with a Bill handler registered as a part would, failing its first `fail_first` calls."""
    deps = connectors(verifier)
    bills: list[IntuitEvent] = []
    failures = [fail_first]

    async def on_bill(event: IntuitEvent) -> None:
        if failures[0] > 0:
            failures[0] -= 1
            raise ConnectionError("broker unavailable")
        bills.append(event)

    deps.intuit.on({"Bill"}, on_bill)
    runtime = ServiceRuntime("connectors", deps.kernel.broker, 0)
    attach_intuit(runtime, deps, claims=FakeClaims())
    transport = httpx.ASGITransport(app=runtime.http_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://connectors.test") as client:
        yield Receiver(client, deps, bills)


async def test_a_signed_legacy_notification_is_delivered_as_typed_events() -> None:
    async with receiver() as hook:
        answer = await hook.post(legacy_body(("Bill", "145", "Create"), ("Bill", "146", "Update")))
    assert answer.status_code == 200
    assert answer.json() == {"received": 2, "delivered": 2, "duplicates": 0, "unwanted": 0, "other_realm": 0}
    assert [(e.realm_id, e.entity, e.entity_id, e.operation, e.source) for e in hook.bills] == [
        (REALM, "Bill", "145", "Create", EventSource.WEBHOOK),
        (REALM, "Bill", "146", "Update", EventSource.WEBHOOK),
    ]


async def test_a_signed_cloudevents_batch_is_delivered_with_intuits_ids() -> None:
    async with receiver() as hook:
        answer = await hook.post(
            cloud_body(("ev-1", "qbo.bill.created.v1", "145"), ("ev-2", "qbo.bill.deleted.v1", "9"))
        )
    assert answer.json()["delivered"] == 2
    assert [(e.event_id, e.entity_id, e.operation) for e in hook.bills] == [
        ("ev-1", "145", "Create"),
        ("ev-2", "9", "Delete"),
    ]


@pytest.mark.parametrize(
    ("why", "signature"),
    [
        ("unsigned", None),
        ("empty signature", ""),
        ("signed with another token", sign(legacy_body(("Bill", "145", "Create")), "attacker-token")),
        ("signature of another body", sign(legacy_body(("Bill", "999", "Create")))),
        ("not base64", "not a signature"),
    ],
)
async def test_unsigned_or_forged_requests_get_401_and_deliver_nothing(why: str, signature: str | None) -> None:
    refused = WEBHOOKS_REFUSED.labels("invalid_signature")._value.get()
    async with receiver() as hook:
        answer = await hook.post(legacy_body(("Bill", "145", "Create")), signature=signature)
    assert (answer.status_code, answer.json()) == (401, {"error": "invalid signature"})
    assert hook.bills == []
    assert WEBHOOKS_REFUSED.labels("invalid_signature")._value.get() == refused + 1


@pytest.mark.parametrize("verifier", [None, ""])
async def test_without_a_verifier_token_every_request_is_refused(verifier: str | None) -> None:
    body = legacy_body(("Bill", "145", "Create"))
    async with receiver(verifier=verifier) as hook:
        answer = await hook.post(body, signature=sign(body, ""))
    assert answer.status_code == 401
    assert hook.bills == []


async def test_a_duplicate_delivery_is_delivered_once_whatever_its_shape() -> None:
    legacy = legacy_body(("Bill", "145", "Create"))
    cloud = cloud_body(("ev-1", "qbo.bill.created.v1", "145"))  # the same change, as a CloudEvent
    async with receiver() as hook:
        answers = [await hook.post(legacy), await hook.post(legacy), await hook.post(cloud), await hook.post(cloud)]
    assert [a.json()["delivered"] for a in answers] == [1, 0, 0, 0]
    assert [a.json()["duplicates"] for a in answers] == [0, 1, 1, 1]
    assert len(hook.bills) == 1


async def test_changes_nobody_wants_are_acknowledged_and_counted() -> None:
    before = INTUIT_EVENTS.labels("webhook", "Estimate", "unwanted")._value.get()
    async with receiver() as hook:
        answer = await hook.post(legacy_body(("Estimate", "7", "Create"), ("Bill", "145", "Create")))
        elsewhere = await hook.post(legacy_body(("Bill", "145", "Create"), realm="1234"))
    assert answer.status_code == 200
    assert answer.json() == {"received": 2, "delivered": 1, "duplicates": 0, "unwanted": 1, "other_realm": 0}
    assert INTUIT_EVENTS.labels("webhook", "Estimate", "unwanted")._value.get() == before + 1
    assert (elsewhere.status_code, elsewhere.json()["other_realm"]) == (200, 1), "another company's bill is not read"
    assert [e.entity_id for e in hook.bills] == ["145"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"{not json", "<body>"),
        (b'{"something": "else"}', "<body>"),
        (
            json.dumps(
                {"eventNotifications": [{"realmId": REALM, "dataChangeEvent": {"entities": [{"name": "Bill"}]}}]}
            ).encode(),
            "eventNotifications.0.dataChangeEvent.entities.0.id",
        ),
        (cloud_body(("ev-1", "qbo.bill.created.v1", "1/../2")), "[0].intuitentityid"),
    ],
)
async def test_a_malformed_body_gets_400_naming_the_field_and_delivers_nothing(body: bytes, field: str) -> None:
    async with receiver() as hook:
        answer = await hook.post(body)
    assert answer.status_code == 400
    assert answer.json()["type"] == "MalformedNotification"
    assert answer.json()["field"] == field
    assert hook.bills == []


async def test_an_oversized_body_is_refused_before_it_is_checked() -> None:
    async with receiver() as hook:
        answer = await hook.post(b"[" + b" " * MAX_BODY_BYTES + b"]")
    assert answer.status_code == 413


async def test_a_failed_handler_releases_the_change_for_intuits_retry() -> None:
    body = legacy_body(("Bill", "145", "Create"))
    async with receiver(fail_first=1) as hook:
        failed = await hook.post(body)
        retried = await hook.post(body)
        again = await hook.post(body)
    assert failed.status_code == 500
    assert (retried.json()["delivered"], again.json()["duplicates"]) == (1, 1)
    assert len(hook.bills) == 1


def test_interest_is_registered_by_entity_names_quickbooks_sends() -> None:
    subscriptions = IntuitSubscriptions()

    async def handler(event: IntuitEvent) -> None: ...

    subscriptions.on({"Bill", "Vendor"}, handler)
    subscriptions.on({"Bill"}, handler)
    assert subscriptions.entities == ("Bill", "Vendor")
    assert len(subscriptions.handlers("Bill")) == 2
    assert subscriptions.handlers("Invoice") == ()
    with pytest.raises(ValueError, match="bill"):
        subscriptions.on({"bill"}, handler)
    with pytest.raises(TypeError):
        subscriptions.on("Bill", handler)
