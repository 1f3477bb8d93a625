"""contract_review at the trust seam: every review is decided by a person; the decision becomes one CRM note."""

from __future__ import annotations

from contracts.contract_review import SPEC, ContractReviewAction
from services.approval.bootstrap import ApprovalDeps
from services.approval.domain import PlannedAction
from services.approval.flow import ApprovalFlow
from services.approval.handlers import subscribe_flow
from services.approval.pipelines.contract_review.domain import (
    contract_review_request,
    plan_contract_actions,
    unexecuted_detail,
)
from services.approval.pipelines.contract_review.pages import page
from shared.parts import ServicePart


def build_flow(deps: ApprovalDeps) -> ApprovalFlow:
    async def post_deal_note(planned: PlannedAction) -> str:
        return await deps.crm.add_note(planned.body, planned.key, deal_id=planned.deal_id)

    return ApprovalFlow(
        pipeline=SPEC,
        request=contract_review_request,
        plan=plan_contract_actions,
        unexecuted=unexecuted_detail,
        performers={ContractReviewAction.POST_CRM_NOTE: post_deal_note},
        page=page,
        asks_once=True,
    )


PART = ServicePart(build_flow, subscribe_flow)
