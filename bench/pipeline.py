"""Invoice follow-up end to end on the real broker: six services, the sandboxes, one run over N invoices."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from bench.measure import RssSampler, end_offsets, percentile
from contracts import deadletter as dl
from contracts.envelope import Envelope
from contracts.invoice_followup import SPEC as FOLLOWUP_SPEC
from contracts.invoice_followup import FollowUpDue, InvoiceFollowup
from services.ops.demo import reset_state
from services.ops.pipelines.invoice_followup.demo import trigger
from services.ops.stack import Stack, StackConfig
from shared.topic_reader import read_topic

# Where every fetched invoice ends: skipped by rules, an approval request, or a dead letter.
SETTLED = (InvoiceFollowup.SKIPPED, FOLLOWUP_SPEC.approval_requested, FOLLOWUP_SPEC.dead_letter)


@dataclass
class PipelineRun:
    invoices_seeded: int
    customers: int
    fetched: int = 0
    approvals: int = 0
    skipped: int = 0
    dead_letters: int = 0
    seconds_to_last_approval: float = 0.0
    seconds_to_first_raw: float = 0.0
    latencies_s: list[float] = field(default_factory=list)
    raw_message_bytes: float = 0.0
    peak_rss_kib: dict[str, int] = field(default_factory=dict)
    idle_rss_kib: dict[str, int] = field(default_factory=dict)
    decided: list[FollowUpDue] = field(default_factory=list)

    @property
    def approvals_per_s(self) -> float:
        return self.approvals / self.seconds_to_last_approval if self.seconds_to_last_approval else 0.0

    @property
    def approvals_per_s_after_fetch(self) -> float:
        """Throughput after the QuickBooks fetch: first raw invoice out to last approval request."""
        span = self.seconds_to_last_approval - self.seconds_to_first_raw
        return self.approvals / span if span > 0 else 0.0

    @property
    def fetched_per_s(self) -> float:
        return self.fetched / self.seconds_to_last_approval if self.seconds_to_last_approval else 0.0


def _occurred_at(value: bytes) -> datetime:
    return datetime.fromisoformat(json.loads(value)["occurred_at"])


async def _mine(bootstrap: str, topic: str, correlation_id: str) -> list[bytes]:
    wanted = correlation_id.encode()
    return [
        r.value
        async for r in read_topic(bootstrap, topic)
        if dict(r.headers or ()).get(dl.MSG_CORRELATION_ID) == wanted
    ]


async def _wait_settled(bootstrap: str, timeout_s: float) -> dict[str, int]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        counts = await end_offsets(bootstrap, (InvoiceFollowup.RAW, *SETTLED))
        raw = counts[InvoiceFollowup.RAW]
        if raw and sum(counts[t] for t in SETTLED) >= raw:
            return counts
        await asyncio.sleep(0.5)
    raise TimeoutError(f"run not settled after {timeout_s}s: {counts}")


async def run_followup(config: StackConfig, invoices: int, customers: int, timeout_s: float) -> PipelineRun:
    """Seed N invoices, trigger one run, time the trigger's occurred_at to each ApprovalRequested's."""
    result = PipelineRun(invoices, customers)
    await reset_state(config, [FOLLOWUP_SPEC])
    stack = Stack(config)
    try:
        as_of = datetime.now(UTC).date().isoformat()
        stack.start_sandboxes(as_of, invoices=0, customers=0)
        stack.start_services()
        async with httpx.AsyncClient(timeout=120) as client:
            seeded = await client.post(
                f"{config.sandbox_urls['qbo']}/_sandbox/seed",
                json={"as_of": as_of, "customers": customers, "invoices": invoices},
            )
            seeded.raise_for_status()
        with RssSampler({name: p.pid for name, p in stack.processes.items() if name != "sandboxes"}) as rss:
            correlation_id = await trigger(config, "bench")
            await _wait_settled(config.kafka, timeout_s)
        result.peak_rss_kib, result.idle_rss_kib = rss.peak_kib, rss.idle_kib
    finally:
        stack.stop_all()

    (trigger_value,) = await _mine(config.kafka, InvoiceFollowup.TRIGGER, correlation_id)
    started = _occurred_at(trigger_value)
    approvals = await _mine(config.kafka, FOLLOWUP_SPEC.approval_requested, correlation_id)
    raw = await _mine(config.kafka, InvoiceFollowup.RAW, correlation_id)
    result.fetched = len(raw)
    result.seconds_to_first_raw = min(((_occurred_at(v) - started).total_seconds() for v in raw), default=0.0)
    result.raw_message_bytes = sum(map(len, raw)) / len(raw) if raw else 0.0
    result.approvals = len(approvals)
    result.skipped = len(await _mine(config.kafka, InvoiceFollowup.SKIPPED, correlation_id))
    result.dead_letters = (await end_offsets(config.kafka, [FOLLOWUP_SPEC.dead_letter]))[FOLLOWUP_SPEC.dead_letter]
    result.latencies_s = [(_occurred_at(v) - started).total_seconds() for v in approvals]
    result.seconds_to_last_approval = max(result.latencies_s, default=0.0)
    result.decided = [
        Envelope[FollowUpDue].model_validate_json(v).payload
        for v in await _mine(config.kafka, InvoiceFollowup.DECIDED, correlation_id)
    ]
    return result


@dataclass
class DemoStart:
    stack_up_s: float
    trigger_to_first_approval_s: float

    @property
    def total_s(self) -> float:
        return self.stack_up_s + self.trigger_to_first_approval_s


async def demo_time_to_first_approval(config: StackConfig, timeout_s: float = 120) -> DemoStart:
    """What `make demo` does (200 invoices, 40 customers), from a cold start to the first approval request."""
    await reset_state(config, [FOLLOWUP_SPEC])
    stack = Stack(config)
    started = time.monotonic()
    try:
        stack.start_sandboxes(datetime.now(UTC).date().isoformat(), invoices=200, customers=40)
        stack.start_services()
        up = time.monotonic()
        await trigger(config, "bench-demo")
        deadline = up + timeout_s
        while time.monotonic() < deadline:
            counts = await end_offsets(config.kafka, [FOLLOWUP_SPEC.approval_requested])
            if counts[FOLLOWUP_SPEC.approval_requested]:
                return DemoStart(up - started, time.monotonic() - up)
            await asyncio.sleep(0.1)
        raise TimeoutError(f"no approval request {timeout_s}s after the trigger")
    finally:
        stack.stop_all()


def summarize(values: list[float]) -> str:
    if not values:
        return "n/a"
    return f"p50 {percentile(values, 50):.2f}s  p99 {percentile(values, 99):.2f}s  max {max(values):.2f}s"
