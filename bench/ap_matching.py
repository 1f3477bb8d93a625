"""AP matching end to end on the real broker: N bills generated in the QuickBooks sandbox, delivered as QuickBooks
delivers them (signed Intuit webhooks, CloudEvents, in batches), fetched, validated, matched, explained and routed
by the six services, then read back from the approval_requested topic."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import yaml

from bench.measure import RssSampler, cpu_seconds, end_offsets
from contracts.ap_matching import SPEC as AP
from contracts.ap_matching import ApMatching
from services.ops.demo import reset_state
from services.ops.stack import REPO, Stack, StackConfig
from shared.topic_reader import read_topic

BENCH_TENANT = "bench-co"
SETTLED = (AP.approval_requested, AP.dead_letter)
# The stages a bill passes through, each with its topic: a stage's time is its message's occurred_at minus the
# previous one's, for the same bill (the topics are keyed by bill id).
STAGES = (
    ("connectors: fetch", ApMatching.RAW),
    ("validation", ApMatching.VALIDATED),
    ("rules: match", ApMatching.MATCHED),
    ("reasoning: explain", ApMatching.EXPLAINED),
    ("approval: route", AP.approval_requested),
)


@dataclass
class StageTimes:
    name: str
    messages: int
    mean_bytes: float
    last_s: float
    """Its last message, in seconds after the first webhook."""
    latencies_s: list[float]


@dataclass
class ApRun:
    bills: int
    vendors: int
    mix: str
    intended: dict[str, int] = field(default_factory=dict)
    webhooks: int = 0
    webhook_statuses: Counter[int] = field(default_factory=Counter)
    events_delivered: int = 0
    seconds_delivering: float = 0.0
    """First webhook sent to the last one answered."""
    approvals: int = 0
    duplicate_requests: int = 0
    dead_letters: int = 0
    seconds_to_first_approval: float = 0.0
    seconds_to_last_approval: float = 0.0
    latencies_s: list[float] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    exception_kinds: Counter[str] = field(default_factory=Counter)
    as_generated: int = 0
    """Bills whose outcome (and the exception they were generated for) is the one the generator intended."""
    routes: Counter[str] = field(default_factory=Counter)
    request_bytes: float = 0.0
    qbo_requests: dict[str, int] = field(default_factory=dict)
    cpu_s: dict[str, float] = field(default_factory=dict)
    peak_rss_kib: dict[str, int] = field(default_factory=dict)
    idle_rss_kib: dict[str, int] = field(default_factory=dict)
    stages: list[StageTimes] = field(default_factory=list)

    @property
    def bills_per_s(self) -> float:
        return self.approvals / self.seconds_to_last_approval if self.seconds_to_last_approval else 0.0

    @property
    def qbo_calls_per_bill(self) -> float:
        return sum(self.qbo_requests.values()) / self.bills if self.bills else 0.0


def bench_tenants(directory: Path) -> Path:
    """The committed tenants plus bench-co: demo-co's tolerances and approval policy, with AP matching read-only,
    so every bill becomes a shadow approval request (routed by the dollar tiers, nothing written to QuickBooks)."""
    shutil.copytree(REPO / "infra" / "tenants", directory, dirs_exist_ok=True)
    source, target = directory / "demo-co", directory / BENCH_TENANT
    target.mkdir(exist_ok=True)
    for name in ("policy.yaml", "ap_matching.yaml", "contract_baseline.yaml"):
        data = yaml.safe_load((source / name).read_text())
        data["tenant"] = BENCH_TENANT
        if name == "policy.yaml":
            data["pipelines"]["ap_matching"]["read_only"] = True
        (target / name).write_text(yaml.safe_dump(data, sort_keys=False))
    return directory


def bench_config(kafka: str, redis_url: str, offset: int, tenants: Path) -> StackConfig:
    return StackConfig(
        kafka=kafka,
        redis_url=redis_url,
        tenant=BENCH_TENANT,
        offset=offset,
        log_dir=REPO / ".run" / "bench-logs",
        extra_env={
            "SEAMLINE_RULES_TENANTS_DIR": str(tenants),
            "SEAMLINE_APPROVAL_POLICY_DIR": str(tenants),
            # Webhooks only: a change-data-capture catch-up in the middle of the run would re-read every bill.
            "SEAMLINE_CONNECTORS_QBO_CDC_INTERVAL_S": "0",
        },
    )


async def _deliver(
    client: httpx.AsyncClient, config: StackConfig, bill_ids: list[str], run: ApRun, *, batch: int, concurrency: int
) -> None:
    """QuickBooks signs and sends one CloudEvents webhook per `batch` bills; `concurrency` of them in flight."""
    target = f"http://127.0.0.1:{config.service_ports['connectors']}/webhooks/intuit"
    gate = asyncio.Semaphore(concurrency)

    async def fire(chunk: list[str]) -> list[dict[str, Any]]:
        entities = [{"name": "Bill", "id": bill_id, "operation": "Create"} for bill_id in chunk]
        async with gate:
            answer = await client.post(
                f"{config.sandbox_urls['qbo']}/_sandbox/webhooks/fire",
                json={"target_url": target, "entities": entities, "format": "cloudevents"},
            )
        answer.raise_for_status()
        deliveries: list[dict[str, Any]] = answer.json()["deliveries"]
        return deliveries

    chunks = [bill_ids[i : i + batch] for i in range(0, len(bill_ids), batch)]
    for deliveries in await asyncio.gather(*(fire(chunk) for chunk in chunks)):
        for delivery in deliveries:
            run.webhooks += 1
            run.webhook_statuses[delivery["status_code"]] += 1
            if delivery["status_code"] == 200:
                run.events_delivered += json.loads(delivery["body"])["delivered"]


class TopicsReset(RuntimeError):
    """The pipeline's topics lost messages during the run: another stack on this broker (the e2e tests, a demo)
    recreated them, and its services share the consumer groups of ours. The figures would be wrong."""


async def _wait_settled(bootstrap: str, bills: int, timeout_s: float) -> None:
    """Until every bill has an approval request or a dead letter; progress to stderr every 30 s."""
    started = time.monotonic()
    deadline, report_at = started + timeout_s, started + 30
    high: dict[str, int] = {}
    while True:
        counts = await end_offsets(bootstrap, (ApMatching.TRIGGER, *SETTLED))
        if any(counts[t] < high.get(t, 0) for t in counts):
            raise TopicsReset(f"{', '.join(counts)} went from {high} to {counts} messages")
        high = counts
        done = sum(counts[t] for t in SETTLED)
        if done >= bills:
            return
        now = time.monotonic()
        if now > deadline:
            raise TimeoutError(f"{done} of {bills} bills settled after {timeout_s}s: {counts}")
        if now > report_at:
            print(f"  ... {done} of {bills} bills settled after {now - started:.0f}s", file=sys.stderr, flush=True)
            report_at += 30
        await asyncio.sleep(1)


def _datetime(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def _read_requests(bootstrap: str, first_webhook: datetime, intended: dict[str, Any], run: ApRun) -> None:
    """Each bill's approval request: its latency from the bill's arrival (run_started_at, set when the webhook's
    event became the trigger) and the outcome rules gave it, compared with the one the bill was generated for."""
    seen: set[str] = set()
    sizes, last, first = 0, first_webhook, None
    async for record in read_topic(bootstrap, AP.approval_requested):
        envelope = json.loads(record.value)
        request = envelope["payload"]
        if request["entity_id"] in seen:
            run.duplicate_requests += 1
            continue
        seen.add(request["entity_id"])
        sizes += len(record.value)
        occurred = _datetime(envelope["occurred_at"])
        run.latencies_s.append((occurred - _datetime(envelope["run_started_at"])).total_seconds())
        last, first = max(last, occurred), min(first or occurred, occurred)
        facts = request["payload"]["explained"]["facts"]
        kinds = {e["kind"] for e in facts["exceptions"]}
        run.outcomes[facts["outcome"]] += 1
        run.exception_kinds.update(kinds)
        run.routes[f"{request['route']} to {request['approver_role'] or '-'}"] += 1
        wanted = intended.get(request["entity_id"])
        if wanted and facts["outcome"] == wanted["outcome"] and (wanted["exception"] in kinds | {None}):
            run.as_generated += 1
    run.approvals = len(seen)
    run.request_bytes = sizes / len(seen) if seen else 0.0
    run.seconds_to_last_approval = (last - first_webhook).total_seconds()
    run.seconds_to_first_approval = ((first or first_webhook) - first_webhook).total_seconds()


async def _stage_times(bootstrap: str, first_webhook: datetime) -> list[StageTimes]:
    """Per stage: its messages, their mean size, when the last one came and how long each bill spent there."""
    previous: dict[str, datetime] = {}
    async for record in read_topic(bootstrap, ApMatching.TRIGGER):
        previous.setdefault((record.key or b"").decode(), _datetime(json.loads(record.value)["occurred_at"]))
    found = []
    for name, topic in STAGES:
        times: dict[str, datetime] = {}
        size = 0
        async for record in read_topic(bootstrap, topic):
            size += len(record.value)
            times.setdefault((record.key or b"").decode(), _datetime(json.loads(record.value)["occurred_at"]))
        spent = [(at - previous[key]).total_seconds() for key, at in times.items() if key in previous]
        last = max(times.values(), default=first_webhook)
        found.append(StageTimes(name, len(times), size / len(times) if times else 0.0,
                                (last - first_webhook).total_seconds(), spent))  # fmt: skip
        previous = times
    return found


async def run_ap_matching(
    config: StackConfig,
    bills: int,
    vendors: int,
    mix: str,
    *,
    batch: int = 100,
    concurrency: int = 2,
    timeout_s: float = 3600,
) -> ApRun:
    """Generate the bills, deliver their webhooks, wait until each has an approval request or a dead letter."""
    run = ApRun(bills, vendors, mix)
    await reset_state(config, [AP])
    stack = Stack(config)
    try:
        stack.start_sandboxes(datetime.now(UTC).date().isoformat(), invoices=0, customers=0)
        stack.start_services()
        qbo = config.sandbox_urls["qbo"]
        async with httpx.AsyncClient(timeout=300) as client:
            generated = await client.post(
                f"{qbo}/_sandbox/ap/bulk", json={"bills": bills, "vendors": vendors, "mix": mix}
            )
            generated.raise_for_status()
            summary = generated.json()
            run.intended = summary["intended"]
            (await client.delete(f"{qbo}/_sandbox/requests")).raise_for_status()
            pids = {name: p.pid for name, p in stack.processes.items()}
            cpu_before = {name: cpu_seconds(pid) or 0.0 for name, pid in pids.items()}
            with RssSampler({name: pid for name, pid in pids.items() if name != "sandboxes"}) as rss:
                first_webhook, started = datetime.now(UTC), time.monotonic()
                await _deliver(
                    client, config, sorted(summary["bill_outcomes"]), run, batch=batch, concurrency=concurrency
                )
                run.seconds_delivering = time.monotonic() - started
                await _wait_settled(config.kafka, bills, timeout_s)
            run.cpu_s = {name: (cpu_seconds(pid) or 0.0) - cpu_before[name] for name, pid in pids.items()}
            run.peak_rss_kib, run.idle_rss_kib = rss.peak_kib, rss.idle_kib
            run.qbo_requests = (await client.get(f"{qbo}/_sandbox/requests")).json()["by_kind"]
    finally:
        stack.stop_all()
    run.dead_letters = (await end_offsets(config.kafka, [AP.dead_letter]))[AP.dead_letter]
    await _read_requests(config.kafka, first_webhook, summary["bill_outcomes"], run)
    run.stages = await _stage_times(config.kafka, first_webhook)
    return run


def temporary_tenants() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="seamline-bench-tenants-")
