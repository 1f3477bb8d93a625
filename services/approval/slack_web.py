"""Slack interactivity for approvers: the approve / reject buttons of an approval message, signed by Slack."""

from __future__ import annotations

from datetime import UTC, datetime

from slack_sdk.signature import SignatureVerifier
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from contracts.approval import Decision
from services.approval.bootstrap import ApprovalDeps
from services.approval.domain import check_decider
from services.approval.slack_domain import outcome_message, parse_block_actions, refusal_message, slack_approver
from services.approval.web import MAX_FORM_BYTES, record_decision
from shared.errors import ContractInvalid, PolicyRefused

SLACK_INTERACTIONS_PATH = "/slack/interactions"


def build_slack_routes(deps: ApprovalDeps) -> list[Route]:
    async def slack_interaction(request: Request) -> Response:
        """A click on an approval message's approve / reject button, signed by Slack (v0 HMAC, 5-minute window).

        Slack wants a quick 200 for any well-signed click; what happened is shown through the response URL.
        """
        signed = await _signed_text(request, deps.slack_verifier)
        if isinstance(signed, Response):
            return signed
        try:
            click = parse_block_actions(signed)
        except ContractInvalid as exc:
            return JSONResponse({"error": exc.message, "field": exc.field}, status_code=400)
        if click.decision is None:
            return JSONResponse({"ok": True, "decision": None})  # a browser-link button: nothing to decide
        decision, request_id = click.decision
        refused, message = await _decide(deps, request_id, decision, click.user.id)
        if deps.slack is not None:
            await deps.slack.respond(click.response_url, message)
        return JSONResponse({"ok": refused is None, "refused": refused})

    return [Route(SLACK_INTERACTIONS_PATH, slack_interaction, methods=["POST"])]


async def _signed_text(request: Request, verifier: SignatureVerifier | None) -> str | Response:
    """The body as text when Slack signed it within its 5-minute window, else the answer refusing it."""
    if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
        return JSONResponse({"error": "body too large"}, status_code=413)
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return JSONResponse({"error": "body too large"}, status_code=413)
    try:
        text = body.decode()  # Slack posts UTF-8 form data; the signature is checked over the same text
    except UnicodeDecodeError:
        return JSONResponse({"error": "body is not UTF-8"}, status_code=400)
    timestamp = request.headers.get("x-slack-request-timestamp", "")
    signature = request.headers.get("x-slack-signature", "")
    if verifier is None or not timestamp.isdigit() or not verifier.is_valid(text, timestamp, signature):
        return JSONResponse({"error": "invalid signature"}, status_code=401)
    return text


async def _decide(
    deps: ApprovalDeps, request_id: str, decision: Decision, user_id: str
) -> tuple[str | None, dict[str, object]]:
    """(None, the decided message) or (why it was refused, the message telling the clicker)."""
    requested = await deps.store.get(request_id)
    if requested is None:
        return "unknown approval request", refusal_message("unknown approval request")
    try:
        policy = deps.policies.for_tenant(requested.tenant).policy
        approver = slack_approver(policy, user_id)
        check_decider(requested.payload, approver, policy, datetime.now(UTC))
    except PolicyRefused as exc:
        return exc.message, refusal_message(exc.message)
    if await record_decision(deps, requested, decision, approver, "decided in Slack") is None:
        return "request already decided", refusal_message("request already decided")
    return None, outcome_message(decision, approver, requested.payload.summary)
