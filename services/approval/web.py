"""The approval HTTP API. A GET on a link only shows a confirmation page (mail scanners open links); a POST decides."""

from __future__ import annotations

import html
import secrets
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from contracts.approval import ApprovalDecided, ApprovalRequested, Decision
from contracts.envelope import Envelope
from contracts.registry import spec
from services.approval.bootstrap import ApprovalDeps
from services.approval.domain import check_decider
from shared.errors import PolicyRefused

MAX_FORM_BYTES = 16 * 1024


def _chain(request: Any) -> str:
    """Where this request stands in an ordered chain of approvers, if it is one."""
    if not request.then and not request.approved_by:
        return ""
    done = "".join(f"<li>approved by {html.escape(a)}</li>" for a in request.approved_by)
    rest = "".join(f"<li>then the {html.escape(role)}</li>" for role in request.then)
    now = f"<li><strong>now: the {html.escape(request.approver_role or '')}</strong></li>"
    return f"<p>Approved in order; nothing is done until the last approves:</p><ol>{done}{now}{rest}</ol>"


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        f"<!doctype html><html><head><title>{html.escape(title)}</title></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>",
        status_code=status,
    )


def operator_authorised(deps: ApprovalDeps, request: Request) -> bool:
    """The operator API's bearer token, compared in constant time."""
    given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    return secrets.compare_digest(given.encode(), deps.settings.api_token.get_secret_value().encode())


def build_routes(deps: ApprovalDeps) -> list[Route]:
    def summary(decided: ApprovalDecided | None, requested: Any) -> dict[str, Any]:
        request = requested.payload
        return {
            "request_id": request.request_id,
            "tenant": requested.tenant,
            "action": request.action,
            "entity_id": request.entity_id,
            "amount": str(request.amount),
            "currency": request.currency,
            "route": request.route.value,
            "approver_role": request.approver_role,
            "summary": request.summary,
            **deps.flow(requested.pipeline).page(request).api_fields,
            "expires_at": request.expires_at.isoformat(),
            "status": decided.decision.value if decided else "pending",
            "decided_by": decided.decided_by if decided else None,
        }

    async def list_approvals(request: Request) -> Response:
        if not operator_authorised(deps, request):
            return JSONResponse({"error": "unauthorised"}, status_code=401)
        pending = await deps.store.pending()
        return JSONResponse({"pending": [summary(None, p) for p in pending]})

    async def show_approval(request: Request) -> Response:
        if not operator_authorised(deps, request):
            return JSONResponse({"error": "unauthorised"}, status_code=401)
        request_id = request.path_params["request_id"]
        requested = await deps.store.get(request_id)
        if requested is None:
            return JSONResponse({"error": "unknown request"}, status_code=404)
        return JSONResponse(summary(await deps.store.decision(request_id), requested))

    async def verify(request_id: str, token: str) -> tuple[Any, str]:
        requested = await deps.store.get(request_id)
        if requested is None:
            raise LookupError(request_id)
        max_age = int((requested.payload.expires_at - requested.occurred_at).total_seconds())
        approver = deps.links.verify(token, request_id, max_age_s=max(max_age, 1))
        policy = deps.policies.for_tenant(requested.tenant).policy
        check_decider(requested.payload, approver, policy, datetime.now(UTC))
        return requested, approver

    async def confirm_page(request: Request) -> Response:
        request_id = request.path_params["request_id"]
        token = request.query_params.get("token", "")
        try:
            requested, approver = await verify(request_id, token)
        except LookupError:
            return _page("Unknown request", "", 404)
        except PolicyRefused as exc:
            return _page("Link refused", f"<p>{html.escape(exc.message)}</p>", 403)
        if (decided := await deps.store.decision(request_id)) is not None:
            return _page(
                "Already decided",
                f"<p>{html.escape(decided.decision.value)} by {html.escape(decided.decided_by)}</p>",
                409,
            )
        r = requested.payload
        shown = deps.flow(requested.pipeline).page(r)
        body = (
            f"<p>{html.escape(r.summary)}</p>{_chain(r)}{shown.html}<p>Deciding as {html.escape(approver)}</p>"
            f'<form method="post"><input type="hidden" name="token" value="{html.escape(token)}">'
            '<label>Reason <input name="reason"></label> '
            '<button name="decision" value="approve">Approve</button> '
            '<button name="decision" value="reject">Reject</button></form>'
        )
        return _page(shown.title, body)

    async def decide(request: Request) -> Response:
        request_id = request.path_params["request_id"]
        if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
            return JSONResponse({"error": "body too large"}, status_code=413)
        form = await request.form()
        token, choice = str(form.get("token", "")), str(form.get("decision", ""))
        if choice not in ("approve", "reject"):
            return JSONResponse({"error": "decision must be approve or reject"}, status_code=400)
        try:
            requested, approver = await verify(request_id, token)
        except LookupError:
            return JSONResponse({"error": "unknown request"}, status_code=404)
        except PolicyRefused as exc:
            return JSONResponse({"error": exc.message}, status_code=403)
        decision = Decision.APPROVED if choice == "approve" else Decision.REJECTED
        decided = await record_decision(deps, requested, decision, approver, str(form.get("reason", "")))
        if decided is None:
            return JSONResponse({"error": "request already decided"}, status_code=409)
        return JSONResponse({"request_id": request_id, "decision": decided.decision.value, "decided_by": approver})

    return [
        Route("/approvals", list_approvals, methods=["GET"]),
        Route("/approvals/{request_id}", show_approval, methods=["GET"]),
        Route("/approvals/{request_id}/decision", confirm_page, methods=["GET"]),
        Route("/approvals/{request_id}/decision", decide, methods=["POST"]),
    ]


async def record_decision(
    deps: ApprovalDeps, requested: Envelope[ApprovalRequested], decision: Decision, approver: str, reason: str
) -> ApprovalDecided | None:
    """One decision per request: the first to claim it is published to the decisions topic, a later one is None."""
    decided = ApprovalDecided(
        request_id=requested.payload.request_id,
        decision=decision,
        decided_by=approver,
        reason=reason[:500],
        request=requested.payload,
    )
    if not await deps.store.claim_decision(decided):
        return None
    await deps.kernel.publisher.publish(
        spec(requested.pipeline).decisions, requested.follow(decided), key=requested.payload.entity_id
    )
    return decided
