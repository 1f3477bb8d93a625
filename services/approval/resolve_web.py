"""Closing an uncertain action: an operator checked the outside world and says whether the side effect happened.

The executor never repeats an attempt a crash cut off mid-send (a duplicate dunning email is the worse mistake);
it reports the action `uncertain` and alerts. Here the operator resolves it: `sent` records it as done without
sending, `not_sent` lets the executor run it now, once. Either way the result is journaled to Kafka and audited.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from contracts.approval import ActionExecuted, ApprovalRequested, Decision
from contracts.envelope import Envelope
from contracts.registry import spec
from services.approval.bootstrap import ApprovalDeps
from services.approval.domain import PlannedAction
from services.approval.web import MAX_FORM_BYTES, operator_authorised
from shared.deadletter import classify

RESOLVE_PATH = "/approvals/{request_id}/actions/{action}/resolve"
RESOLVING_TTL_S = 300


class Resolution(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    outcome: Literal["sent", "not_sent"]
    operator: str = Field(min_length=1, max_length=200)
    reason: str = Field(default="", max_length=500)


def build_resolve_routes(deps: ApprovalDeps) -> list[Route]:
    async def resolve(request: Request) -> Response:
        resolution = await _resolution(deps, request)
        if isinstance(resolution, Response):
            return resolution
        found = await _uncertain(deps, request.path_params["request_id"], request.path_params["action"])
        if isinstance(found, Response):
            return found
        requested, planned = found
        if not await deps.done.claim(f"{planned.key}:resolving", resolution.operator, RESOLVING_TTL_S):
            return JSONResponse({"error": "another operator is resolving this action"}, status_code=409)
        try:
            result = await _apply(deps, requested, planned, resolution)
        except Exception as exc:  # any failure of the send is answered; the action stays open
            error = classify(exc)
            return JSONResponse({"error": f"{type(error).__name__}: {error.message}"}, status_code=502)
        finally:
            await deps.done.forget(f"{planned.key}:resolving")
        await deps.kernel.publisher.publish(
            spec(requested.pipeline).actions, requested.follow(result), key=result.entity_id
        )
        await deps.kernel.audit.write(
            requested, "resolve", f"{result.action}:{result.status.value}", approver=resolution.operator
        )
        return JSONResponse({"status": result.status.value, "detail": result.detail})

    return [Route(RESOLVE_PATH, resolve, methods=["POST"])]


async def _resolution(deps: ApprovalDeps, request: Request) -> Resolution | Response:
    """The operator's resolution, or the answer refusing the request (no token, too large, malformed)."""
    if not operator_authorised(deps, request):
        return JSONResponse({"error": "unauthorised"}, status_code=401)
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return JSONResponse({"error": "body too large"}, status_code=413)
    try:
        return Resolution.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        return JSONResponse({"error": first["msg"], "field": ".".join(map(str, first["loc"]))}, status_code=400)


async def _uncertain(
    deps: ApprovalDeps, request_id: str, action: str
) -> tuple[Envelope[ApprovalRequested], PlannedAction] | Response:
    """The approved request and its planned action, if that action is uncertain now; else the answer saying why."""
    requested = await deps.store.get(request_id)
    decided = await deps.store.decision(request_id)
    if requested is None:
        return JSONResponse({"error": "unknown request"}, status_code=404)
    if decided is None or decided.decision is not Decision.APPROVED:
        return JSONResponse({"error": "the request was not approved: nothing was attempted"}, status_code=409)
    planned = next((p for p in deps.flow(requested.pipeline).plan(decided) if p.action == action), None)
    if planned is None:
        return JSONResponse({"error": f"the request plans no {action}"}, status_code=404)
    if not await deps.executor(requested.pipeline).is_uncertain(planned):
        return JSONResponse({"error": "the action is not uncertain: done, or no cut-off attempt"}, status_code=409)
    return requested, planned


async def _apply(
    deps: ApprovalDeps, requested: Envelope[ApprovalRequested], planned: PlannedAction, resolution: Resolution
) -> ActionExecuted:
    request, executor = requested.payload, deps.executor(requested.pipeline)
    if resolution.outcome == "sent":
        detail = f"confirmed sent by {resolution.operator}" + (f": {resolution.reason}" if resolution.reason else "")
        return await executor.confirm_sent(request.request_id, request.entity_id, planned, detail)

    async def journal(started: ActionExecuted) -> None:
        await deps.kernel.publisher.publish(
            spec(requested.pipeline).actions, requested.follow(started), key=started.entity_id
        )

    return await executor.send_unsent(request.request_id, request.entity_id, planned, journal, resolution.operator)
