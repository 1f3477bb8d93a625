"""cash_planning at the trust seam: an explained alert becomes a request to the owner role, routed by the tenant's
policy (an internal alert may be sent without asking); once approved, the alert is emailed to the role, once."""

from __future__ import annotations

from contracts.cash_planning import SPEC, CashAction
from services.approval.bootstrap import ApprovalDeps
from services.approval.domain import PlannedAction
from services.approval.flow import ApprovalFlow
from services.approval.handlers import subscribe_flow
from services.approval.pipelines.cash_planning.domain import cash_request, page, plan_decided, unexecuted_detail
from shared.parts import ServicePart


def build_flow(deps: ApprovalDeps) -> ApprovalFlow:
    async def send_alert(planned: PlannedAction) -> str:
        return await deps.mailer.send(planned.to, planned.subject, planned.body, planned.key)

    return ApprovalFlow(
        pipeline=SPEC,
        request=cash_request,
        plan=plan_decided,
        unexecuted=unexecuted_detail,
        performers={CashAction.SEND_CASH_ALERT: send_alert},
        page=page,
        asks_once=True,
    )


PART = ServicePart(build_flow, subscribe_flow)
