"""contract_review in the notifier: an approval request is drawn as the review's departures and key dates."""

from __future__ import annotations

from contracts.contract_review import SPEC
from services.notifier.bootstrap import NotifierDeps
from services.notifier.handlers import approval_requests
from services.notifier.pipelines.contract_review.domain import contract_review_message
from services.notifier.ports import ApprovalMessage
from shared.parts import ServicePart


def build_ports(deps: NotifierDeps) -> ApprovalMessage:
    return contract_review_message


PART = ServicePart(build_ports, approval_requests(SPEC))
