"""The change data capture catch-up: asks QuickBooks from the realm's saved position (or the look-back on a first
run), delivers each change to the same handlers as the webhook, once, and saves the new position."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from services.connectors.bootstrap import ConnectorsDeps, attach_intuit, build_deps
from services.connectors.intuit.cdc import CdcCatchUp
from services.connectors.intuit.domain import EventSource, IntuitEvent
from services.connectors.settings import ConnectorsSettings
from shared.runtime import ServiceRuntime
from tests.unit.harness import kernel_for
from tests.unit.test_intuit_webhook import FakeClaims, legacy_body, sign

REALM = "9341453000000000"
NOW = datetime(2026, 11, 21, 17, 0, tzinfo=UTC)
LOOKBACK = timedelta(hours=24)
JsonObject = dict[str, Any]


class FakeQuickBooks:
    """Answers change data capture requests with the queued answers, recording what was asked."""

    def __init__(self, *answers: JsonObject) -> None:
        self.answers = list(answers)
        self.asked: list[tuple[tuple[str, ...], datetime]] = []

    async def changed_since(self, entities: Sequence[str], since: datetime) -> JsonObject:
        self.asked.append((tuple(entities), since))
        return self.answers.pop(0)

    async def query_all(self, query: str) -> list[JsonObject]:
        raise AssertionError("the catch-up only asks for changes")

    async def read(self, entity: str, entity_id: str) -> JsonObject | None:
        raise AssertionError("the catch-up only asks for changes")


class FakePositions:
    def __init__(self, **saved: datetime) -> None:
        self.saved = dict(saved)

    async def load(self, realm_id: str) -> datetime | None:
        return self.saved.get(realm_id)

    async def save(self, realm_id: str, position: datetime) -> None:
        self.saved[realm_id] = position


def answer(*bills: tuple[str, str, str], time: str) -> JsonObject:
    """Bills as (id, CreateTime, LastUpdatedTime) in a CDC answer stamped `time`."""
    records = [{"Id": i, "MetaData": {"CreateTime": c, "LastUpdatedTime": u}} for i, c, u in bills]
    return {"CDCResponse": [{"QueryResponse": [{"Bill": records}, {}]}], "time": time}


def connectors(qbo: FakeQuickBooks, cdc_interval_s: int = 0) -> ConnectorsDeps:
    settings = ConnectorsSettings(
        qbo_client_id="x",
        qbo_client_secret=SecretStr("x"),
        qbo_refresh_token=SecretStr("x"),
        qbo_realm_id=REALM,
        qbo_webhook_verifier=SecretStr("qbo-webhook-verifier-token"),
        qbo_cdc_interval_s=cdc_interval_s,
    )
    return build_deps(kernel_for("connectors"), settings, qbo=qbo)


def catching_up(
    qbo: FakeQuickBooks, positions: FakePositions, wanted: set[str] | None = None
) -> tuple[CdcCatchUp, list[IntuitEvent], ServiceRuntime]:
    deps = connectors(qbo)
    delivered: list[IntuitEvent] = []

    async def on_change(event: IntuitEvent) -> None:
        delivered.append(event)

    if wanted is None or wanted:
        deps.intuit.on(wanted or {"Bill"}, on_change)
    runtime = ServiceRuntime("connectors", deps.kernel.broker, 0)
    delivery = attach_intuit(runtime, deps, claims=FakeClaims(), positions=positions)
    catch_up = CdcCatchUp(qbo, deps.intuit, delivery, positions, realm_id=REALM, lookback=LOOKBACK, now=lambda: NOW)
    return catch_up, delivered, runtime


async def test_the_first_run_looks_back_and_saves_the_answers_time() -> None:
    qbo = FakeQuickBooks(
        answer(("145", "2026-11-21T08:00:00-08:00", "2026-11-21T08:00:00-08:00"), time="2026-11-21T09:00:00.000-08:00")
    )
    positions = FakePositions()
    catch_up, delivered, _ = catching_up(qbo, positions)
    result = await catch_up.run()
    assert qbo.asked == [(("Bill",), NOW - LOOKBACK)]
    assert [(e.entity_id, e.operation, e.source) for e in delivered] == [("145", "Create", EventSource.CDC)]
    assert result is not None and result.delivered == 1
    assert positions.saved == {REALM: datetime(2026, 11, 21, 17, 0, tzinfo=UTC)}


async def test_the_next_run_starts_at_the_saved_position_and_delivers_each_change_once() -> None:
    saved = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    same = ("145", "2026-11-21T08:00:00-08:00", "2026-11-21T08:30:00-08:00")
    qbo = FakeQuickBooks(
        answer(same, time="2026-11-21T09:00:00-08:00"),
        answer(
            same, ("146", "2026-11-21T09:10:00-08:00", "2026-11-21T09:10:00-08:00"), time="2026-11-21T09:15:00-08:00"
        ),
    )
    positions = FakePositions(**{REALM: saved})
    catch_up, delivered, _ = catching_up(qbo, positions)
    await catch_up.run()
    await catch_up.run()
    assert [since for _, since in qbo.asked] == [saved, datetime(2026, 11, 21, 17, 0, tzinfo=UTC)]
    assert [(e.entity_id, e.operation) for e in delivered] == [("145", "Update"), ("146", "Create")]
    assert positions.saved[REALM] == datetime(2026, 11, 21, 17, 15, tzinfo=UTC)


async def test_a_change_the_webhook_delivered_is_not_delivered_again() -> None:
    qbo = FakeQuickBooks(
        answer(("145", "2026-11-20T07:04:05-08:00", "2026-11-20T07:04:05-08:00"), time="2026-11-21T09:00:00-08:00")
    )
    catch_up, delivered, runtime = catching_up(qbo, FakePositions())
    body = legacy_body(("Bill", "145", "Create"), at="2026-11-20T15:04:05.000Z")
    [route] = runtime.routes
    transport = httpx.ASGITransport(app=runtime.http_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://connectors.test") as client:
        hooked = await client.post(route.path, content=body, headers={"intuit-signature": sign(body)})  # type: ignore[attr-defined]
    caught_up = await catch_up.run()
    assert hooked.json()["delivered"] == 1
    assert caught_up is not None and (caught_up.delivered, caught_up.duplicates) == (0, 1)
    assert [e.source for e in delivered] == [EventSource.WEBHOOK]


async def test_nothing_is_asked_when_no_handler_wants_a_change() -> None:
    qbo = FakeQuickBooks()
    catch_up, *_ = catching_up(qbo, FakePositions(), wanted=set())
    assert await catch_up.run() is None
    assert qbo.asked == []


async def test_a_position_older_than_quickbooks_keeps_starts_at_the_oldest_it_keeps() -> None:
    qbo = FakeQuickBooks(answer(time="2026-11-21T09:00:00-08:00"))
    catch_up, *_ = catching_up(qbo, FakePositions(**{REALM: NOW - timedelta(days=45)}))
    await catch_up.run()
    [(_, since)] = qbo.asked
    assert NOW - timedelta(days=30) < since < NOW - timedelta(days=29)


async def test_a_failed_delivery_keeps_the_position_for_the_next_run() -> None:
    saved = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    change = ("145", "2026-11-21T08:00:00-08:00", "2026-11-21T08:00:00-08:00")
    qbo = FakeQuickBooks(
        answer(change, time="2026-11-21T09:00:00-08:00"), answer(change, time="2026-11-21T09:05:00-08:00")
    )
    positions = FakePositions(**{REALM: saved})
    deps = connectors(qbo)
    calls: list[str] = []

    async def flaky(event: IntuitEvent) -> None:
        calls.append(event.entity_id)
        if len(calls) == 1:
            raise ConnectionError("broker unavailable")

    deps.intuit.on({"Bill"}, flaky)
    delivery = attach_intuit(ServiceRuntime("connectors", deps.kernel.broker, 0), deps, FakeClaims(), positions)
    catch_up = CdcCatchUp(qbo, deps.intuit, delivery, positions, realm_id=REALM, lookback=LOOKBACK, now=lambda: NOW)
    with pytest.raises(ConnectionError):
        await catch_up.run()
    assert positions.saved[REALM] == saved
    await catch_up.run()
    assert calls == ["145", "145"]
    assert [since for _, since in qbo.asked] == [saved, saved]
    assert positions.saved[REALM] == datetime(2026, 11, 21, 17, 5, tzinfo=UTC)


async def test_the_catch_up_is_scheduled_only_with_an_interval() -> None:
    for interval, hooks in ((0, 0), (900, 1)):
        deps = connectors(FakeQuickBooks(), cdc_interval_s=interval)
        runtime = ServiceRuntime("connectors", deps.kernel.broker, 0)
        attach_intuit(runtime, deps, FakeClaims(), FakePositions())
        assert (len(runtime.on_start), len(runtime.on_stop)) == (hooks, hooks), interval
        assert [r.path for r in runtime.routes] == ["/webhooks/intuit"]  # type: ignore[attr-defined]
    for start in runtime.on_start:
        await start()
    for stop in runtime.on_stop:
        await stop()
