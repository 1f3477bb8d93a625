"""AP matching on the demo stack: the vendors' approved bank details on file, QuickBooks sends signed webhooks for
the seeded bills, each is matched and routed; one bill is approved from its link and recorded on the QuickBooks
bill, and the bank change is shown held."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx

from contracts import deadletter as dl
from contracts.ap_matching import SPEC, ApApproval, ApMatching, BankDetails, BankDetailsVerified, BillMatched
from contracts.approval import ActionExecuted, ActionStatus, ApprovalRequested, Route
from contracts.envelope import Envelope
from infra.sandboxes.ap_documents_seed import INVOICE_DOCUMENTS, InvoiceDocument
from services.ops.stack import StackConfig
from services.rules.pipelines.ap_matching.domain import bank_fingerprint
from shared.broker import EventPublisher, build_broker
from shared.settings import KernelSettings
from shared.topic_reader import read_topic

REALM_ID = "9341453000000000"


@dataclass
class ApReport:
    fired: list[str] = field(default_factory=list)
    matched: dict[str, BillMatched] = field(default_factory=dict)
    requests: dict[str, ApprovalRequested] = field(default_factory=dict)
    actions: dict[str, list[ActionExecuted]] = field(default_factory=dict)
    dead_letters: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def settled(self) -> bool:
        return set(self.fired) <= set(self.requests) | set(self.dead_letters)


def _headers(record: Any) -> dict[str, str]:
    return {k: v.decode(errors="replace") for k, v in record.headers or ()}


async def ap_report(config: StackConfig, bills: list[str] | None = None, correlation_id: str | None = None) -> ApReport:
    """What happened to the bills named, or to one run's bills, read back from the pipeline's topics."""
    report = ApReport(fired=list(bills or ()))

    def wanted(bill_id: str, headers: dict[str, str], header: str = dl.MSG_CORRELATION_ID) -> bool:
        return headers.get(header) == correlation_id if correlation_id else bill_id in report.fired

    async for record in read_topic(config.kafka, ApMatching.MATCHED):
        matched = Envelope[BillMatched].model_validate_json(record.value).payload
        if wanted(matched.bill_id, _headers(record)):
            report.matched[matched.bill_id] = matched
    async for record in read_topic(config.kafka, SPEC.approval_requested):
        request = Envelope[SPEC.approval_request].model_validate_json(record.value).payload  # type: ignore[name-defined]
        if wanted(request.entity_id, _headers(record)):
            report.requests[request.entity_id] = request
    async for record in read_topic(config.kafka, SPEC.actions):
        action = Envelope[ActionExecuted].model_validate_json(record.value).payload
        if action.entity_id in report.requests and action.status is not ActionStatus.STARTED:
            report.actions.setdefault(action.entity_id, []).append(action)
    async for record in read_topic(config.kafka, SPEC.dead_letter):
        key = (record.key or b"").decode()
        if wanted(key, _headers(record), dl.CORRELATION_ID):
            report.dead_letters[key] = _headers(record)
    if correlation_id:
        report.fired = sorted({*report.matched, *report.requests, *report.dead_letters})
    return report


async def record_approved_bank_details(config: StackConfig) -> int:
    """The tenant's vendor master data: each vendor's bank details approved when the vendor was onboarded. The
    sandbox says which vendor has changed its details since; its previous ones are what was approved."""
    async with httpx.AsyncClient(timeout=10) as client:
        summary = (await client.get(f"{config.sandbox_urls['qbo']}/_sandbox/ap/summary")).json()
    change = summary["bank_change"]
    previous = BankDetails(
        account_name=change["previous"]["BankAccountName"],
        routing_number=change["previous"]["BankBranchIdentifier"],
        account_number=change["previous"]["BankAccountNumber"],
    )
    record = BankDetailsVerified(
        realm_id=REALM_ID, bill_id=None, vendor_id=str(change["vendor_id"]), fingerprint=bank_fingerprint(previous),
        masked=previous.masked, verified_by="vendor onboarding", request_id="onboarding",
    )  # fmt: skip
    broker = build_broker(KernelSettings(kafka_bootstrap_servers=config.kafka, tenant=config.tenant), "cli")
    await broker.start()
    try:
        envelope = Envelope.start(record, pipeline=SPEC.name, tenant=config.tenant)
        await EventPublisher(broker, "cli").publish(ApMatching.BANK_VERIFIED, envelope, key=record.vendor_id)
    finally:
        await broker.stop()
    return 1


async def fire_bill_webhooks(config: StackConfig, bills: list[str]) -> dict[str, Any]:
    """QuickBooks signs and sends one webhook (CloudEvents) for the bills, as Intuit does."""
    target = f"http://127.0.0.1:{config.service_ports['connectors']}/webhooks/intuit"
    entities = [{"name": "Bill", "id": bill, "operation": "Create"} for bill in bills]
    async with httpx.AsyncClient(timeout=30) as client:
        answer = await client.post(
            f"{config.sandbox_urls['qbo']}/_sandbox/webhooks/fire",
            json={"target_url": target, "entities": entities, "format": "cloudevents"},
        )
        answer.raise_for_status()
    fired: dict[str, Any] = answer.json()
    return fired


async def upload_documents(config: StackConfig) -> list[tuple[InvoiceDocument, str]]:
    """The seeded vendor invoices, uploaded as documents the way an AP clerk would: (document, its bill id)."""
    url = f"http://127.0.0.1:{config.service_ports['connectors']}/intake/bills"
    token = config.service_env()["SEAMLINE_CONNECTORS_BILL_INTAKE_TOKEN"]
    uploaded = []
    async with httpx.AsyncClient(timeout=30) as client:
        for document in INVOICE_DOCUMENTS:
            answer = await client.post(
                url,
                headers={"Authorization": f"Bearer {token}", "X-Submitted-By": "ap-clerk@demo-co.example"},
                files={"file": (document.filename, document.content(), document.content_type)},
            )
            answer.raise_for_status()
            uploaded.append((document, f"doc-{answer.json()['document_id']}"))
    return uploaded


async def wait_for_bills(config: StackConfig, bills: list[str], timeout_s: float = 90) -> ApReport:
    deadline = time.monotonic() + timeout_s
    report = await ap_report(config, bills)
    while not report.settled and time.monotonic() < deadline:
        await asyncio.sleep(1)
        report = await ap_report(config, bills)
    return report


async def approve_from_link(request: ApprovalRequested, reason: str) -> None:
    link = request.links[0].url
    token = parse_qs(urlparse(link).query)["token"][0]
    async with httpx.AsyncClient(timeout=10) as client:
        (await client.get(link)).raise_for_status()
        answer = await client.post(link.split("?")[0], data={"token": token, "decision": "approve", "reason": reason})
        answer.raise_for_status()


def render(report: ApReport, heading: str) -> str:
    lines = [f"ap_matching: {heading}"]
    for bill in report.fired:
        matched, request = report.matched.get(bill), report.requests.get(bill)
        if matched is None or request is None:
            h = report.dead_letters.get(bill)
            lines.append(
                f"  - bill {bill}: dead-lettered {h.get(dl.ERROR_TYPE)} field={h.get(dl.ERROR_FIELD)}"
                if h
                else f"  - bill {bill}: not finished yet"
            )
            continue
        kinds = ", ".join(sorted({e.kind.value for e in matched.exceptions})) or "-"
        route = request.route.value + (f" to {request.approver_role}" if request.approver_role else "")
        lines.append(
            f"  - bill {bill} {matched.doc_number}"
            + (f" (read from {matched.document.filename})" if matched.document else "")
            + f" {matched.currency} {matched.total}: {matched.outcome.value}"
            f" ({'three-way' if matched.three_way else 'two-way'}; exceptions: {kinds}) -> {request.action}, {route}"
        )
        for action in report.actions.get(bill, []):
            lines.append(f"      {action.action}: {action.status.value} ({action.detail[:90]})")
    counts = {r.value: sum(1 for q in report.requests.values() if q.route is r) for r in Route}
    lines.append("  routed: " + ", ".join(f"{k} {v}" for k, v in counts.items() if v))
    return "\n".join(lines)


async def demo(config: StackConfig) -> str:
    async with httpx.AsyncClient(timeout=10) as client:
        summary = (await client.get(f"{config.sandbox_urls['qbo']}/_sandbox/ap/summary")).json()
    bills = sorted(summary["bill_outcomes"])
    await record_approved_bank_details(config)
    fired = await fire_bill_webhooks(config, bills)
    statuses = [d["status_code"] for d in fired["deliveries"]]
    uploaded = await upload_documents(config)
    bills += [bill_id for _, bill_id in uploaded]
    report = await wait_for_bills(config, bills)
    lines = [
        f"QuickBooks sent one signed webhook ({fired['format']}) for {len(bills) - len(uploaded)} bills: answered "
        f"{statuses}",
        "vendor invoices uploaded as documents to POST /intake/bills: "
        + ", ".join(f"{d.filename} ({d.outcome}) as {bill_id}" for d, bill_id in uploaded),
    ]
    chosen = next(
        (r for r in report.requests.values() if r.route is Route.HUMAN and r.links and _is_bill(r) and r.amount < 5000),
        None,
    )
    from_document = next((report.requests.get(bill_id) for d, bill_id in uploaded if d.outcome == "matched"), None)
    for request, why in ((chosen, "checked the variance with the vendor"), (from_document, "goods received")):
        if request is None or request.route is not Route.HUMAN or not request.links:
            continue
        await approve_from_link(request, f"demo: {why}")
        lines.append(f"approved bill {request.entity_id} as the {request.approver_role} from the signed link")
        for _ in range(20):
            await asyncio.sleep(0.5)
            report = await ap_report(config, bills)
            if report.actions.get(request.entity_id):
                break
    return "\n".join([*lines, render(report, f"{len(bills)} bills matched")])


def _is_bill(request: ApprovalRequested) -> bool:
    return isinstance(request.payload, ApApproval) and not request.payload.explained.facts.held


async def report(config: StackConfig, correlation_id: str) -> str | None:
    found = await ap_report(config, correlation_id=correlation_id)
    return render(found, f"run {correlation_id}, {len(found.fired)} bills") if found.fired else None
