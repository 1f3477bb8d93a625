"""Faults while a stream of at least 1,000 overdue invoices flows through invoice follow-up.

Every scenario uses its own load-test tenant (every follow-up is sent without a human), injects one fault
mid-stream, and then checks what a user cares about: every invoice accounted for (skipped with a reason,
routed and acted on, or dead-lettered), no email and no CRM note sent twice, and the system recovered by
itself. The figures are printed (run pytest with -s to see them) and collected in docs of the reliability report.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

import httpx
import pytest

from services.ops.pipelines.invoice_followup.demo import trigger
from services.ops.pipelines.invoice_followup.report import RunReport, build_report
from services.ops.stack import REPO, SERVICES, Stack
from tests.e2e.conftest import LOADTEST_TENANTS, TODAY, run

pytestmark = pytest.mark.e2e

INVOICES, CUSTOMERS = 2100, 120  # about 1,050 of them are overdue
RUN_DEADLINE_S = 300


@dataclass
class Outcome:
    scenario: str
    fetched: int
    lost: int
    emails: int
    uncertain: int
    duplicate_emails: int
    duplicate_notes: int
    dead_letters: int
    fault_at_s: float
    recovered_s: float
    total_s: float

    def line(self) -> str:
        return (
            f"{self.scenario:<28} invoices={self.fetched} lost={self.lost} emails={self.emails} "
            f"uncertain={self.uncertain} "
            f"dup_emails={self.duplicate_emails} dup_notes={self.duplicate_notes} dead_letters={self.dead_letters} "
            f"fault_at={self.fault_at_s:.1f}s recovered_in={self.recovered_s:.1f}s run={self.total_s:.1f}s"
        )


def _report(stack: Stack, correlation_id: str) -> RunReport:
    return run(build_report(stack.config.kafka, correlation_id))


def _progress(report: RunReport) -> int:
    return len(report.settled_ids) + sum(report.actions.values())


def _run_with_fault(
    stack: Stack,
    client: httpx.Client,
    scenario: str,
    tenant: str,
    inject: Callable[[], None],
    when: float = 0.25,
    setup: Callable[[], None] = lambda: None,
) -> Outcome:
    urls = stack.config.sandbox_urls
    client.post(
        f"{urls['qbo']}/_sandbox/seed", json={"as_of": TODAY.isoformat(), "customers": CUSTOMERS, "invoices": INVOICES}
    )
    client.delete(f"{urls['smtp_http']}/messages")
    client.delete(f"{urls['crm']}/_sandbox/notes")
    setup()
    started = time.monotonic()
    correlation_id = run(trigger(replace(stack.config, tenant=tenant), "fault-test"))

    report = _report(stack, correlation_id)
    while report.fetched < 1000 or len(report.settled_ids) < when * report.fetched:
        assert time.monotonic() - started < RUN_DEADLINE_S, f"{scenario}: no progress before the fault"
        time.sleep(0.5)
        report = _report(stack, correlation_id)
    fault_at = time.monotonic() - started
    before = _progress(report)
    inject()
    injected = time.monotonic()
    recovered_at = None
    while not report.accounted or (recovered_at is None):
        assert time.monotonic() - started < RUN_DEADLINE_S, (
            f"{scenario}: not finished; unaccounted {len(report.unaccounted)}"
        )
        time.sleep(1)
        report = _report(stack, correlation_id)
        if recovered_at is None and _progress(report) > before:
            recovered_at = time.monotonic()
    total = time.monotonic() - started

    mails = client.get(f"{urls['smtp_http']}/messages").json()
    keys = Counter(m["headers"].get("X-Seamline-Idempotency-Key") for m in mails)
    notes = client.get(f"{urls['crm']}/_sandbox/notes").json()
    notes = notes["results"] if isinstance(notes, dict) else notes
    note_keys = Counter(str(n).split("[seamline:", 1)[-1][:32] for n in notes)
    outcome = Outcome(
        scenario=scenario,
        fetched=report.fetched,
        lost=len(report.unaccounted),
        emails=len(mails),
        uncertain=report.actions["send_followup_email:uncertain"],
        duplicate_emails=sum(c - 1 for c in keys.values()),
        duplicate_notes=sum(c - 1 for c in note_keys.values()),
        dead_letters=len(report.dead_letters),
        fault_at_s=fault_at,
        recovered_s=(recovered_at or injected) - injected,
        total_s=total,
    )
    print("\nFAULT", outcome.line())
    return outcome


def _assert_clean(outcome: Outcome, report_emails_expected: bool = True) -> None:
    assert outcome.fetched >= 1000
    assert outcome.lost == 0
    assert outcome.duplicate_emails == 0
    assert outcome.duplicate_notes == 0
    assert outcome.uncertain <= 3, "at most the in-flight sends of the killed executor's three consumers"
    if report_emails_expected:
        assert outcome.emails > 0


def _kill_and_restart(stack: Stack, name: str) -> Callable[[], None]:
    def inject() -> None:
        stack.stop(name, signal.SIGKILL)
        time.sleep(1)
        stack.start_service(name)

    return inject


@pytest.mark.parametrize("service", SERVICES)
def test_kill_9_of_a_service_mid_stream(stack: Stack, sandbox: httpx.Client, service: str) -> None:
    tenant = LOADTEST_TENANTS[SERVICES.index(service)]
    when = 0.0 if service == "connectors" else 0.25
    outcome = _run_with_fault(stack, sandbox, f"kill -9 {service}", tenant, _kill_and_restart(stack, service), when)
    _assert_clean(outcome)


def _infra(script: str, command: str) -> None:
    subprocess.run(["bash", f"infra/{script}", command], cwd=REPO, check=True, capture_output=True, timeout=120)


@pytest.mark.skipif(bool(os.environ.get("KAFKA_BOOTSTRAP_SERVERS")), reason="the broker is the user's own")
def test_broker_restart_mid_stream(stack: Stack, sandbox: httpx.Client) -> None:
    def inject() -> None:
        _infra("kafka/kafka.sh", "stop")
        _infra("kafka/kafka.sh", "start")

    _assert_clean(_run_with_fault(stack, sandbox, "broker restart", LOADTEST_TENANTS[6], inject))


@pytest.mark.skipif(bool(os.environ.get("REDIS_URL")), reason="Redis is the user's own")
def test_redis_flushed_and_restarted_mid_stream(stack: Stack, sandbox: httpx.Client) -> None:
    port = stack.config.redis_url.rsplit(":", 1)[1].split("/")[0]
    database = stack.config.redis_url.rsplit("/", 1)[1]

    def inject() -> None:
        subprocess.run(["redis-cli", "-p", port, "-n", database, "FLUSHDB"], check=True, capture_output=True)
        _infra("redis/redis.sh", "stop")
        _infra("redis/redis.sh", "start")

    _assert_clean(_run_with_fault(stack, sandbox, "redis flush + restart", LOADTEST_TENANTS[7], inject))


@pytest.mark.parametrize(
    ("mode", "fault"),
    [
        ("429", {"mode": "429", "count": 12, "retry_after": 1}),
        ("500", {"mode": "500", "count": 12}),
        ("timeout", {"mode": "timeout", "count": 2, "delay": 12}),
    ],
)
def test_quickbooks_throttling_errors_and_timeouts(
    stack: Stack, sandbox: httpx.Client, mode: str, fault: dict[str, object]
) -> None:
    url = f"{stack.config.sandbox_urls['qbo']}/_sandbox/faults"
    tenant = LOADTEST_TENANTS[8 + ["429", "500", "timeout"].index(mode)]
    try:
        outcome = _run_with_fault(
            stack,
            sandbox,
            f"quickbooks {mode}",
            tenant,
            lambda: None,
            when=0.0,
            setup=lambda: _fault(sandbox, url, fault),
        )
    finally:
        sandbox.post(url, json={"mode": "none"})
    _assert_clean(outcome)
    counts = sandbox.get(f"{stack.config.sandbox_urls['qbo']}/_sandbox/requests").json()
    assert sum(counts["by_kind_status"].get(f"{k}:{mode}", 0) for k in ("query", "read")) >= 1 or mode == "timeout"


def _fault(client: httpx.Client, url: str, fault: dict[str, object]) -> None:
    client.delete(url.replace("/faults", "/requests"))
    client.post(url, json=fault).raise_for_status()


def test_llm_overloaded_for_a_while(stack: Stack, sandbox: httpx.Client) -> None:
    url = f"{stack.config.sandbox_urls['anthropic']}/_sandbox/mode"

    def inject() -> None:
        sandbox.post(url, json={"mode": "overloaded", "count": 8})

    _assert_clean(_run_with_fault(stack, sandbox, "llm overloaded", LOADTEST_TENANTS[11], inject))
