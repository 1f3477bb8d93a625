"""The HubSpot v3 signature check and which webhook events start a contract review."""

from __future__ import annotations

import json

import pytest

from infra.sandboxes.crm import sign_hubspot_v3
from services.connectors.pipelines.contract_review.domain import (
    MAX_AGE_MS,
    WebhookRejected,
    closed_won_events,
    hubspot_v3_signature,
    review_ids,
    verify_hubspot_v3,
)

SECRET = "crm-webhook-secret"
URI = "https://hooks.example.com/webhooks/hubspot/deals"
NOW = 1_790_000_000_000
BODY = json.dumps([{"eventId": 1, "objectId": 5004}]).encode()


def signed(secret: str = SECRET, timestamp: int = NOW, body: bytes = BODY, uri: str = URI) -> tuple[str, str]:
    return sign_hubspot_v3(secret, "POST", uri, body, timestamp), str(timestamp)


def test_our_signature_matches_the_crm_sandbox_signer() -> None:
    assert hubspot_v3_signature(SECRET, "POST", URI, BODY, str(NOW)) == signed()[0]


def test_a_fresh_correct_signature_is_accepted() -> None:
    signature, timestamp = signed()
    verify_hubspot_v3(SECRET, "POST", URI, BODY, signature, timestamp, now_ms=NOW + 1000)


@pytest.mark.parametrize(
    ("why", "signature", "timestamp", "body", "uri", "now"),
    [
        ("wrong secret", signed(secret="other")[0], str(NOW), BODY, URI, NOW),
        ("body changed", signed()[0], str(NOW), BODY + b" ", URI, NOW),
        ("other uri", signed()[0], str(NOW), BODY, URI + "?x=1", NOW),
        ("timestamp swapped", signed()[0], str(NOW + 1), BODY, URI, NOW),
        ("stale", signed(timestamp=NOW - MAX_AGE_MS - 1)[0], str(NOW - MAX_AGE_MS - 1), BODY, URI, NOW),
        (
            "from the future",
            signed(timestamp=NOW + MAX_AGE_MS + 1)[0],
            str(NOW + MAX_AGE_MS + 1),
            BODY,
            URI,
            NOW,
        ),
        ("no signature", None, str(NOW), BODY, URI, NOW),
        ("no timestamp", signed()[0], None, BODY, URI, NOW),
        ("timestamp not a number", signed()[0], "yesterday", BODY, URI, NOW),
    ],
)
def test_forged_stale_or_unsigned_requests_are_rejected(
    why: str, signature: str | None, timestamp: str | None, body: bytes, uri: str, now: int
) -> None:
    with pytest.raises(WebhookRejected):
        verify_hubspot_v3(SECRET, "POST", uri, body, signature, timestamp, now_ms=now)


def _event(**overrides: object) -> dict[str, object]:
    event: dict[str, object] = {
        "eventId": 100, "subscriptionId": 1, "portalId": 62515, "appId": 9, "occurredAt": NOW,
        "subscriptionType": "deal.propertyChange", "attemptNumber": 0, "objectId": 5004,
        "propertyName": "dealstage", "propertyValue": "closedwon", "changeSource": "CRM",
    }  # fmt: skip
    event.update(overrides)
    return event


def test_only_deal_stage_changes_to_the_won_stage_start_a_review() -> None:
    events = [
        _event(),
        _event(eventId=101, propertyValue="contractsent"),
        _event(eventId=102, propertyName="amount", propertyValue="closedwon"),
        _event(eventId=103, subscriptionType="deal.creation"),
        {"eventId": "garbage"},
        "not an object",
        _event(eventId=104, objectId=5005),
        _event(eventId=105, occurredAt=-62_135_596_800_001),  # before year 1: found by the 10,000-case fuzz run
        _event(eventId=106, occurredAt=10**17),  # after year 9999
    ]
    found = closed_won_events(events, "closedwon")
    assert [(e.event_id, e.deal_id) for e in found] == [("100", "5004"), ("104", "5005")]
    assert closed_won_events([_event(propertyValue="won_enterprise")], "won_enterprise")[0].stage == "won_enterprise"


def test_downstream_ids_are_derived_from_the_crm_ids() -> None:
    first, again, other_event = closed_won_events([_event(), _event(), _event(eventId=999)], "closedwon")
    assert review_ids("demo-co", first) == review_ids("demo-co", again)
    assert review_ids("demo-co", first)[0] != review_ids("demo-co", other_event)[0]
    assert review_ids("demo-co", first)[1] == review_ids("demo-co", other_event)[1], "one deal, one review run"
    assert review_ids("demo-co", first) != review_ids("other-co", first)
