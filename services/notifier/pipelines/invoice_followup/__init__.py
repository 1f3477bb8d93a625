"""invoice_followup in the notifier: an approval request is drawn as the drafted email with its invoice facts."""

from __future__ import annotations

from contracts.invoice_followup import SPEC
from services.notifier.bootstrap import NotifierDeps
from services.notifier.handlers import approval_requests
from services.notifier.pipelines.invoice_followup.domain import approval_message
from services.notifier.ports import ApprovalMessage
from shared.parts import ServicePart


def build_ports(deps: NotifierDeps) -> ApprovalMessage:
    return approval_message


PART = ServicePart(build_ports, approval_requests(SPEC))
