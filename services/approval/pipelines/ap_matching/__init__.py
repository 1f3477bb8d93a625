"""ap_matching at the trust seam: a matched bill becomes a request routed by dollar thresholds; an approved one a
note on the QuickBooks bill, written once; a verified bank change a record that lets the held bill be matched
again."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import httpx
from prometheus_client import Counter, Histogram

from contracts.ap_matching import SPEC, ApAction, ApApproval, BankDetailsVerified, BillSource
from contracts.approval import ActionExecuted, ActionStatus, ApprovalDecided, Route
from contracts.envelope import Envelope
from services.approval.bootstrap import ApprovalDeps
from services.approval.domain import PlannedAction
from services.approval.flow import ApprovalFlow
from services.approval.handlers import subscribe_flow
from services.approval.pipelines.ap_matching.adapters import PublishedBankRecords, QboBills
from services.approval.pipelines.ap_matching.domain import (
    SEAMLINE_MARK,
    bill_request,
    page,
    plan_decided,
    unexecuted_detail,
)
from services.approval.pipelines.ap_matching.ports import BankRecords, Bills
from services.approval.pipelines.ap_matching.settings import ApApprovalSettings
from shared.parts import ServicePart
from shared.qbo_oauth import QboOAuth, RedisRefreshTokenStore

BILL_CYCLE_TIME = Histogram(
    "seamline_ap_bill_cycle_time_seconds",
    "From the bill arriving to its approval being recorded in QuickBooks",
    buckets=(1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600, 3 * 24 * 3600),
)
BILLS_APPROVED = Counter(
    "seamline_ap_bills_approved_total", "Bills whose approval was recorded in QuickBooks", ["route"]
)
for _route in Route:  # every series from 0, so the first bill after a restart counts in increase()
    BILLS_APPROVED.labels(_route.value)


def _count_approved(msg: Envelope[ApprovalDecided], results: Sequence[ActionExecuted]) -> None:
    """Touchless is `auto`: matched and approved by policy with no person anywhere. A bill held for a bank change
    that a person verified counts as `human` even when policy approved it afterwards."""
    if any(r.action == ApAction.APPROVE_BILL and r.status is ActionStatus.EXECUTED for r in results):
        request = msg.payload.request
        held = (
            isinstance(request.payload, ApApproval)
            and request.payload.explained.facts.source is BillSource.BANK_VERIFIED
        )
        route = Route.HUMAN if held else request.route
        BILLS_APPROVED.labels(route.value).inc()
        if msg.run_started_at is not None:
            BILL_CYCLE_TIME.observe((datetime.now(UTC) - msg.run_started_at).total_seconds())


def build_ports(deps: ApprovalDeps) -> tuple[Bills, BankRecords]:
    settings = ApApprovalSettings()
    client = httpx.AsyncClient(base_url=settings.qbo_base_url, timeout=settings.http_timeout_s)
    oauth = QboOAuth(
        client,
        settings.qbo_token_url,
        settings.qbo_client_id,
        settings.qbo_client_secret.get_secret_value(),
        settings.qbo_refresh_token.get_secret_value(),
        RedisRefreshTokenStore(deps.kernel.redis(), settings.qbo_realm_id),
    )
    bills = QboBills(client, oauth, settings.qbo_realm_id, settings.qbo_payment_account_id)
    return bills, PublishedBankRecords(deps.kernel.publisher, deps.kernel.settings.tenant)


def build_flow(deps: ApprovalDeps, ports: tuple[Bills, BankRecords] | None = None) -> ApprovalFlow:
    bills, banks = ports or build_ports(deps)

    async def approve_bill(planned: PlannedAction) -> str:
        assert planned.amount is not None
        if planned.creates:  # read from a document: approving creates it
            return await bills.create_from_document(json.loads(planned.creates), planned.amount, planned.body)
        mark = f"{SEAMLINE_MARK}{planned.key}"
        return await bills.record_approval(planned.target, planned.target_version, planned.amount, planned.body, mark)

    async def pay_bill(planned: PlannedAction) -> str:
        assert planned.amount is not None
        if planned.creates:
            return await bills.pay_created(json.loads(planned.creates), planned.amount, planned.body)
        return await bills.pay(planned.target, planned.amount, planned.body)

    async def verify_bank_change(planned: PlannedAction) -> str:
        return await banks.verified(BankDetailsVerified.model_validate_json(planned.body))

    return ApprovalFlow(
        pipeline=SPEC,
        request=bill_request,
        plan=plan_decided,
        unexecuted=unexecuted_detail,
        performers={
            ApAction.APPROVE_BILL: approve_bill,
            ApAction.PAY_BILL: pay_bill,
            ApAction.VERIFY_BANK_CHANGE: verify_bank_change,
        },
        page=page,
        asks_once=True,
        executed=_count_approved,
        retry_safe=frozenset({ApAction.APPROVE_BILL, ApAction.PAY_BILL}),
    )


PART = ServicePart(build_flow, subscribe_flow)
