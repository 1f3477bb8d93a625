"""ap_matching in the notifier: an approval request is drawn as the bill's match, its variances and the route."""

from __future__ import annotations

from contracts.ap_matching import SPEC
from services.notifier.bootstrap import NotifierDeps
from services.notifier.handlers import approval_requests
from services.notifier.pipelines.ap_matching.domain import approval_message
from services.notifier.ports import ApprovalMessage
from shared.parts import ServicePart


def build_ports(deps: NotifierDeps) -> ApprovalMessage:
    return approval_message


PART = ServicePart(build_ports, approval_requests(SPEC))
