from __future__ import annotations

import base64
import hashlib
import hmac
import json

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from infra.sandboxes import CrmState, SlackState, build_crm_app, build_slack_app, sign_hubspot_v3

CRM_AUTH = {"Authorization": "Bearer crm-sandbox-token"}


def _client(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox")


@pytest.mark.asyncio
async def test_slack_sink_answers_like_slack() -> None:
    state = SlackState()
    async with _client(build_slack_app(state)) as slack:
        ok = await slack.post("/services/T000/B000/secret", json={"text": "3 drafts need approval"})
        assert (ok.status_code, ok.text) == (200, "ok")
        bad = await slack.post("/services/T000/B000/secret", content=b"{not json")
        assert (bad.status_code, bad.text) == (400, "invalid_payload")
        empty = await slack.post("/services/T000/B000/secret", json={"username": "x"})
        assert (empty.status_code, empty.text) == (400, "no_text")
        unknown = await slack.post("/services/nope", json={"text": "x"})
        assert (unknown.status_code, unknown.text) == (404, "no_service")
        listed = (await slack.get("/_sandbox/messages")).json()
        assert [m["payload"]["text"] for m in listed] == ["3 drafts need approval"]
        assert listed[0]["path"] == "/services/T000/B000/secret"


def test_hubspot_signature_matches_known_vector() -> None:
    body = b'[{"eventId":1,"subscriptionType":"deal.propertyChange"}]'
    uri, timestamp = "https://example.test/hooks/hubspot?portal=42", 1700000000000
    independent = base64.b64encode(
        hmac.new(
            b"crm-webhook-secret", b"POST" + uri.encode() + body + str(timestamp).encode(), hashlib.sha256
        ).digest()
    ).decode()
    # Also computed with `openssl dgst -sha256 -hmac crm-webhook-secret -binary | base64`.
    assert independent == "XFWwXfMI9XOY+o2xiOntlvLFOa4tmmKzHwAI6XKluF4="
    assert sign_hubspot_v3("crm-webhook-secret", "POST", uri, body, timestamp) == independent


@pytest.mark.asyncio
async def test_crm_notes_need_auth_and_hs_timestamp_and_page() -> None:
    state = CrmState()
    async with _client(build_crm_app(state)) as crm:
        note = {
            "properties": {"hs_timestamp": "2026-11-21T10:00:00Z", "hs_note_body": "Sent reminder"},
            "associations": [
                {
                    "to": {"id": "5001"},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 214}],
                }
            ],
        }
        unauthorised = await crm.post("/crm/v3/objects/notes", json=note)
        assert unauthorised.status_code == 401
        assert unauthorised.json()["category"] == "INVALID_AUTHENTICATION"

        created = await crm.post("/crm/v3/objects/notes", json=note, headers=CRM_AUTH)
        assert created.status_code == 201
        assert created.json()["properties"]["hs_note_body"] == "Sent reminder"
        assert created.json()["archived"] is False

        invalid = await crm.post("/crm/v3/objects/notes", json={"properties": {"hs_note_body": "x"}}, headers=CRM_AUTH)
        assert (invalid.status_code, invalid.json()["category"]) == (400, "VALIDATION_ERROR")

        for n in range(2):
            ms = {"properties": {"hs_timestamp": str(1763719200000 + n), "hs_note_body": f"n{n}"}}
            assert (await crm.post("/crm/v3/objects/notes", json=ms, headers=CRM_AUTH)).status_code == 201
        first = (await crm.get("/crm/v3/objects/notes", params={"limit": 2}, headers=CRM_AUTH)).json()
        after = first["paging"]["next"]["after"]
        rest = (await crm.get("/crm/v3/objects/notes", params={"limit": 2, "after": after}, headers=CRM_AUTH)).json()
        assert len(first["results"]) + len(rest["results"]) == 3
        assert "paging" not in rest
        stored = (await crm.get("/_sandbox/notes")).json()
        assert stored[0]["associations"][0]["to"]["id"] == "5001"


@pytest.mark.asyncio
async def test_crm_deal_read_and_signed_webhook_fire() -> None:
    received: list[tuple[str, bool]] = []

    async def receiver(request: Request) -> Response:
        body = await request.body()
        expected = sign_hubspot_v3(
            "crm-webhook-secret",
            "POST",
            str(request.url),
            body,
            int(request.headers["X-HubSpot-Request-Timestamp"]),
        )
        received.append((body.decode(), request.headers["X-HubSpot-Signature-v3"] == expected))
        return Response(status_code=204)

    state = CrmState(
        webhook_transport=httpx.ASGITransport(
            app=Starlette(routes=[Route("/hooks/hubspot", receiver, methods=["POST"])])
        )
    )
    async with _client(build_crm_app(state)) as crm:
        deal = await crm.get(
            "/crm/v3/objects/deals/5003",
            params={"properties": "dealname,amount,contract_document_id"},
            headers=CRM_AUTH,
        )
        assert deal.json()["properties"]["contract_document_id"] == "doc-5003"
        assert (await crm.get("/crm/v3/objects/deals/1", headers=CRM_AUTH)).status_code == 404

        events = [{"eventId": 1, "objectId": 5003, "subscriptionType": "deal.propertyChange"}]
        fired = await crm.post(
            "/_sandbox/webhooks/fire",
            json={"target_url": "http://pipeline.test/hooks/hubspot", "events": events},
        )
        assert fired.json()["status_code"] == 204
        assert received == [(json.dumps(events, separators=(",", ":")), True)]
