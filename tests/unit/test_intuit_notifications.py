"""QuickBooks change notifications read into typed events: the intuit-signature check, both webhook payload shapes
and the change data capture answer. Pure: no HTTP, no broker."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from infra.sandboxes.qbo_webhooks import sign_intuit
from services.connectors.intuit.domain import (
    CDC_MAX_OBJECTS,
    EventSource,
    IntuitEvent,
    MalformedNotification,
    SignatureInvalid,
    cdc_changes,
    intuit_signature,
    parse_notification,
    verify_intuit_signature,
)

TOKEN = "qbo-webhook-verifier-token"
REALM = "9341453000000000"
# Written down once, computed outside this code (python3 hmac and `openssl dgst -sha256 -hmac ... -binary | base64`
# agreed): a change in how the body is canonicalised before signing fails here.
VECTOR_BODY = (
    b'{"eventNotifications":[{"realmId":"9341453000000000","dataChangeEvent":{"entities":[{"name":"Bill",'
    b'"id":"145","operation":"Create","lastUpdated":"2026-11-20T15:04:05.000Z"}]}}]}'
)
VECTOR_SIGNATURE = "VJvW9l6tEIms981xFTzf2wHBW8hPuu63lRyujg02sO4="


def stdlib_signature(token: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(token.encode(), body, hashlib.sha256).digest()).decode()


def legacy(*entities: dict[str, Any], realm: str = REALM) -> bytes:
    return json.dumps(
        {"eventNotifications": [{"realmId": realm, "dataChangeEvent": {"entities": list(entities)}}]}
    ).encode()


def entity(
    name: str = "Bill", entity_id: str = "145", operation: str = "Create", at: str = "2026-11-20T15:04:05.000Z"
) -> dict[str, Any]:
    return {"name": name, "id": entity_id, "operation": operation, "lastUpdated": at}


def cloud_event(
    kind: str = "qbo.bill.created.v1",
    entity_id: str = "145",
    at: str = "2026-11-20T15:04:05.000Z",
    event_id: str = "88cd52aa-33b6-4351-9aa4-47572edbd068",
    realm: str = REALM,
) -> dict[str, Any]:
    return {
        "specversion": "1.0", "id": event_id, "source": "intuit.dsnBgbseACLLRZNxo2dfc4evmEJdxde58xeeYcZliOU=",
        "type": kind, "datacontenttype": "application/json", "time": at, "intuitentityid": entity_id,
        "intuitaccountid": realm, "data": {},
    }  # fmt: skip


def test_the_signature_is_the_fixed_vector() -> None:
    assert intuit_signature(TOKEN, VECTOR_BODY) == VECTOR_SIGNATURE
    verify_intuit_signature(TOKEN, VECTOR_BODY, VECTOR_SIGNATURE)


def test_our_signature_is_the_stdlib_hmac_of_the_raw_bytes_and_the_sandboxs() -> None:
    body = legacy(entity(), entity("Vendor", "56", "Update"))
    assert intuit_signature(TOKEN, body) == stdlib_signature(TOKEN, body) == sign_intuit(TOKEN, body)


@pytest.mark.parametrize(
    ("why", "body", "signature"),
    [
        ("other token", VECTOR_BODY, stdlib_signature("someone-else", VECTOR_BODY)),
        ("body changed after signing", VECTOR_BODY + b" ", VECTOR_SIGNATURE),
        ("re-serialised body", json.dumps(json.loads(VECTOR_BODY)).encode(), VECTOR_SIGNATURE),
        ("hex instead of base64", VECTOR_BODY, hmac.new(TOKEN.encode(), VECTOR_BODY, hashlib.sha256).hexdigest()),
        ("unsigned", VECTOR_BODY, None),
        ("empty header", VECTOR_BODY, ""),
        ("truncated", VECTOR_BODY, VECTOR_SIGNATURE[:-2]),
    ],
)
def test_forged_or_unsigned_bodies_are_rejected(why: str, body: bytes, signature: str | None) -> None:
    with pytest.raises(SignatureInvalid):
        verify_intuit_signature(TOKEN, body, signature)


def test_both_payload_shapes_read_into_the_same_changes() -> None:
    from_legacy = parse_notification(
        legacy(
            entity(),
            entity("PurchaseOrder", "1001", "Update", "2026-11-20T07:04:05-08:00"),
            entity("Bill", "146", "Delete"),
        )
    )
    from_cloud = parse_notification(
        json.dumps(
            [
                cloud_event(event_id="e-1"),
                cloud_event("qbo.purchaseorder.updated.v1", "1001", "2026-11-20T15:04:05Z", event_id="e-2"),
                cloud_event("qbo.bill.deleted.v1", "146", event_id="e-3"),
            ]
        ).encode()
    )
    at = datetime(2026, 11, 20, 15, 4, 5, tzinfo=UTC)
    expected = [
        (REALM, "Bill", "145", "Create", at),
        (REALM, "PurchaseOrder", "1001", "Update", at),
        (REALM, "Bill", "146", "Delete", at),
    ]

    def fields(events: list[IntuitEvent]) -> list[tuple[str, str, str, str, datetime]]:
        return [(e.realm_id, e.entity, e.entity_id, e.operation, e.occurred_at) for e in events]

    assert fields(from_legacy) == fields(from_cloud) == expected
    assert [e.change_key for e in from_legacy] == [e.change_key for e in from_cloud]
    assert [e.event_id for e in from_cloud] == ["e-1", "e-2", "e-3"], "a CloudEvent keeps Intuit's id"
    assert [e.event_id for e in from_legacy] == [e.change_key for e in from_legacy], "legacy events have none"
    assert from_legacy[0].event_id == f"{REALM}:Bill:145:Create:2026-11-20T15:04:05Z"
    assert {e.source for e in from_legacy + from_cloud} == {EventSource.WEBHOOK}


def test_the_derived_id_tells_changes_apart() -> None:
    base = parse_notification(legacy(entity()))[0].event_id
    others = [
        legacy(entity(), realm="1234"),
        legacy(entity(entity_id="146")),
        legacy(entity(name="Invoice")),
        legacy(entity(operation="Update")),
        legacy(entity(at="2026-11-20T15:04:06.000Z")),
    ]
    ids = {parse_notification(body)[0].event_id for body in others}
    assert base not in ids and len(ids) == len(others)


def test_cloud_event_types_name_the_entity_as_the_api_spells_it() -> None:
    events = parse_notification(
        json.dumps(
            [
                cloud_event("qbo.billpayment.created.v1", event_id="a"),
                cloud_event("qbo.vendor.merged.v1", event_id="b"),
                cloud_event("qbo.invoice.voided.v1", event_id="c"),
                cloud_event("qbo.somethingnew.created.v1", event_id="d"),
            ]
        ).encode()
    )
    assert [(e.entity, e.operation) for e in events] == [
        ("BillPayment", "Create"), ("Vendor", "Merge"), ("Invoice", "Void"), ("somethingnew", "Create"),
    ]  # fmt: skip


def test_an_empty_batch_is_no_change() -> None:
    assert parse_notification(b"[]") == []
    assert parse_notification(b'{"eventNotifications": []}') == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"", "<body>"),
        (b"{not json", "<body>"),
        (b"\xff\xfe", "<body>"),
        (b"[" * 100_000 + b"]" * 100_000, "<body>"),
        (b'{"hello": "world"}', "<body>"),
        (b'"eventNotifications"', "<body>"),
        (b'{"eventNotifications": {}}', "eventNotifications"),
        (legacy({"name": "Bill", "id": "145", "operation": "Create"}), "lastUpdated"),
        (legacy(entity(entity_id="../../company/1/bill/9")), "id"),
        (legacy(entity(at="yesterday")), "lastUpdated"),
        (legacy(entity(), realm=""), "realmId"),
        (json.dumps([cloud_event(), {"id": "x"}]).encode(), "[1]"),
        (json.dumps([{**cloud_event(), "intuitentityid": 145}]).encode(), "intuitentityid"),
        (json.dumps([cloud_event(kind="bill created")]).encode(), "type"),
        (json.dumps([cloud_event(), "not an event"]).encode(), "[1]"),
    ],
)
def test_a_malformed_body_is_a_typed_error_naming_the_field(body: bytes, field: str) -> None:
    with pytest.raises(MalformedNotification) as caught:
        parse_notification(body)
    assert field in caught.value.field


def _cdc(*records: tuple[str, dict[str, Any]], time: str | None = "2026-11-21T09:00:00.000-08:00") -> dict[str, Any]:
    by_entity: dict[str, list[dict[str, Any]]] = {}
    for name, record in records:
        by_entity.setdefault(name, []).append(record)
    answer: dict[str, Any] = {
        "CDCResponse": [{"QueryResponse": [{n: r, "startPosition": 1} for n, r in by_entity.items()]}]
    }
    if time is not None:
        answer["time"] = time
    return answer


def _record(entity_id: str, created: str, updated: str, **extra: Any) -> dict[str, Any]:
    return {"Id": entity_id, "SyncToken": "0", "MetaData": {"CreateTime": created, "LastUpdatedTime": updated}, **extra}


def test_a_change_data_capture_answer_reads_into_the_events_a_webhook_would_send() -> None:
    answer = _cdc(
        ("Bill", _record("145", "2026-11-20T07:04:05-08:00", "2026-11-20T07:04:05-08:00", TotalAmt=100.0)),
        ("Bill", _record("146", "2026-11-19T07:00:00-08:00", "2026-11-20T07:04:05-08:00")),
        (
            "Bill",
            {
                "domain": "QBO",
                "status": "Deleted",
                "Id": "147",
                "MetaData": {"LastUpdatedTime": "2026-11-20T07:04:05-08:00"},
            },
        ),
        ("Vendor", {"Id": "56"}),
    )
    changes = cdc_changes(REALM, answer)
    assert [(e.entity, e.entity_id, e.operation) for e in changes.events] == [
        ("Bill", "145", "Create"), ("Bill", "146", "Update"), ("Bill", "147", "Delete"),
    ]  # fmt: skip
    assert changes.unreadable == 1
    assert {e.source for e in changes.events} == {EventSource.CDC}
    webhook = parse_notification(legacy(entity(), entity("Bill", "146", "Update"), entity("Bill", "147", "Delete")))
    assert [e.event_id for e in changes.events] == [e.event_id for e in webhook], "one change, one id, either way"
    assert changes.position == datetime(2026, 11, 21, 17, 0, tzinfo=UTC), "the answer's time"


def test_an_answer_cut_at_the_limit_moves_only_to_its_latest_change() -> None:
    records = [
        ("Bill", _record(str(i), "2026-11-01T00:00:00Z", f"2026-11-{1 + i % 20:02d}T00:00:00Z"))
        for i in range(CDC_MAX_OBJECTS)
    ]
    changes = cdc_changes(REALM, _cdc(*records))
    assert changes.position == datetime(2026, 11, 20, tzinfo=UTC)
    assert cdc_changes(REALM, _cdc(*records[:10], time=None)).position == datetime(2026, 11, 10, tzinfo=UTC)
    assert cdc_changes(REALM, _cdc(time=None)).position is None
    assert cdc_changes(REALM, {"unexpected": True}).events == ()
