"""Cash planning on the demo stack: bank accounts and a large receivable seeded in the QuickBooks sandbox (replacing
the company's receivables and payables, after the other pipelines' demos), a check requested by command, and the
alert it led to (or why none), read back from the pipeline's topics."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from contracts import deadletter as dl
from contracts.approval import ActionExecuted, ActionStatus, ApprovalRequested
from contracts.audit import AuditRecord
from contracts.cash_planning import SPEC, CashApproval, CashCheckSource, CashPlanning
from contracts.envelope import Envelope
from services.connectors.pipelines.cash_planning import check_requested
from services.ops.stack import StackConfig
from shared.broker import EventPublisher, build_broker
from shared.settings import KernelSettings
from shared.topic_reader import read_topic

REALM_ID = "9341453000000000"


@dataclass
class CashReport:
    correlation_id: str
    projected: str | None = None
    """The rules' audit outcome of the run's projection (breached, first day, shortfall, alert)."""
    requests: list[ApprovalRequested] = field(default_factory=list)
    actions: list[ActionExecuted] = field(default_factory=list)
    dead_letters: list[dict[str, str]] = field(default_factory=list)

    @property
    def settled(self) -> bool:
        """Projected without an alert, or alerted and the alert's actions done, or dead-lettered."""
        if self.dead_letters:
            return True
        if self.projected is None:
            return False
        if "alert:none" in self.projected:
            return True
        return bool(self.requests) and any(a.status is not ActionStatus.STARTED for a in self.actions)


def _headers(record: Any) -> dict[str, str]:
    return {k: v.decode(errors="replace") for k, v in record.headers or ()}


async def trigger(config: StackConfig, requested_by: str) -> str:
    # By its alias: the field name is not accepted, and the default broker would silently get the command.
    given = {"SEAMLINE_KAFKA_BOOTSTRAP_SERVERS": config.kafka, "tenant": config.tenant}
    settings = KernelSettings.model_validate(given)
    broker = build_broker(settings, "cli")
    await broker.start()
    try:
        command = check_requested(REALM_ID, CashCheckSource.COMMAND, requested_by, config.tenant)
        await EventPublisher(broker, "cli").publish(CashPlanning.TRIGGER, command, key=REALM_ID)
    finally:
        await broker.stop()
    return str(command.correlation_id)


async def cash_report(config: StackConfig, correlation_id: str) -> CashReport:
    found = CashReport(correlation_id)

    def mine(record: Any) -> bool:
        return _headers(record).get(dl.MSG_CORRELATION_ID) == correlation_id

    async for record in read_topic(config.kafka, SPEC.audit):
        if mine(record):
            audit = Envelope[AuditRecord].model_validate_json(record.value).payload
            if audit.step == "project":
                found.projected = audit.outcome
    async for record in read_topic(config.kafka, SPEC.approval_requested):
        if mine(record):
            found.requests.append(Envelope[SPEC.approval_request].model_validate_json(record.value).payload)  # type: ignore[name-defined]
    async for record in read_topic(config.kafka, SPEC.actions):
        if mine(record):
            found.actions.append(Envelope[ActionExecuted].model_validate_json(record.value).payload)
    async for record in read_topic(config.kafka, SPEC.dead_letter):
        headers = _headers(record)
        if headers.get(dl.CORRELATION_ID) == correlation_id:
            found.dead_letters.append({**headers, "_ref": f"{record.topic}:{record.partition}:{record.offset}"})
    return found


def render(found: CashReport) -> str:
    lines = [f"cash_planning run {found.correlation_id}", f"  projection: {found.projected or 'not yet'}"]
    for request in found.requests:
        assert isinstance(request.payload, CashApproval)
        decided = request.payload.explained.decided
        lines += [
            f"  alert ({request.route.value}, {request.approver_role or 'policy'}): {request.summary}",
            f"    {request.payload.explained.summary}",
            *(f"    - {a.detail}" for a in decided.recommended),
        ]
    lines += [f"  action {a.action}: {a.status.value} {a.detail}" for a in found.actions if a.status.value != "started"]
    lines += [f"  dead letter {d['_ref']}: {d.get(dl.ERROR_TYPE)} {d.get(dl.ERROR_MESSAGE, '')[:100]}"
              for d in found.dead_letters]  # fmt: skip
    if found.projected and "alert:none" in found.projected:
        lines.append("  no alert: nothing new since the last one (or the projection stays above the buffer)")
    return "\n".join(lines)


async def demo(config: StackConfig) -> str:
    async with httpx.AsyncClient(timeout=10) as client:
        seeded = await client.post(
            f"{config.sandbox_urls['qbo']}/_sandbox/cash/seed",
            # Runs after the other pipelines' demos: their receivables and payables are replaced by one company
            # whose next payroll (infra/tenants/demo-co/cash_planning.yaml) is more than its cash.
            json={"as_of": datetime.now(UTC).date().isoformat(), "scenario": "timing_gap", "savings": "15000.00"},
        )
        seeded.raise_for_status()
    started = time.monotonic()
    correlation_id = await trigger(config, "demo")
    found = await cash_report(config, correlation_id)
    while not found.settled and time.monotonic() - started < 120:
        await asyncio.sleep(1)
        found = await cash_report(config, correlation_id)
    return f"run settled {time.monotonic() - started:.1f}s after the trigger\n" + render(found)


async def report(config: StackConfig, correlation_id: str) -> str | None:
    found = await cash_report(config, correlation_id)
    return render(found) if found.projected or found.dead_letters or found.requests else None
