"""The whole stack as real processes: six services, the sandboxes, the real broker and Redis.

Ports are shifted by 1000 so a running demo is left alone; the pipeline's topics are recreated empty and Redis
database 1 is flushed once per session. Each test seeds the QuickBooks sandbox with its own invoices.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from contracts.registry import PIPELINES
from services.ops.demo import reset_state
from services.ops.stack import REPO, Stack, StackConfig

pytestmark = pytest.mark.e2e
T = TypeVar("T")
TODAY = date.today()
# Another port range lets a second session (say, on a private broker) run beside this one.
E2E_PORT_OFFSET = int(os.environ.get("SEAMLINE_E2E_PORT_OFFSET", "1000"))


LOADTEST_POLICY = """
tenant: {tenant}
version: "loadtest.1"
approvers:
  ar_manager: [ops@{tenant}.example]
pipelines:
  invoice_followup:
    read_only: false
    actions:
      send_followup_email:
        auto_below: "100000000.00"
        approver_role: ar_manager
"""
LOADTEST_TENANTS = tuple(f"loadtest-{n}" for n in range(12))


@pytest.fixture(scope="session")
def policy_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The committed tenant policies plus load-test tenants whose every follow-up is sent without a human."""
    directory = tmp_path_factory.mktemp("tenants")
    shutil.copytree(REPO / "infra" / "tenants", directory, dirs_exist_ok=True)
    for tenant in LOADTEST_TENANTS:
        (directory / tenant).mkdir()
        (directory / tenant / "policy.yaml").write_text(LOADTEST_POLICY.format(tenant=tenant))
    return directory


@pytest.fixture(scope="package")
def stack(kafka_bootstrap: str, redis_base_url: str, policy_dir: Path) -> Iterator[Stack]:
    config = StackConfig(
        kafka=kafka_bootstrap,
        redis_url=f"{redis_base_url}/1",
        offset=E2E_PORT_OFFSET,
        log_dir=REPO / ".run" / ("e2e-logs" if E2E_PORT_OFFSET == 1000 else f"e2e-logs-{E2E_PORT_OFFSET}"),
        anthropic=True,
        extra_env={
            "SEAMLINE_RETRY_BASE_DELAY_S": "0.05",
            "SEAMLINE_RETRY_MAX_ATTEMPTS": "6",
            "SEAMLINE_CONSUMER_SESSION_TIMEOUT_MS": "6000",
            "SEAMLINE_APPROVAL_POLICY_DIR": str(policy_dir),
            "SEAMLINE_CONNECTORS_CASH_TENANTS_DIR": str(policy_dir),  # a test may write a tenant's cash file
        },
    )
    asyncio.run(reset_state(config, list(PIPELINES)))
    running = Stack(config)
    try:
        running.start_sandboxes(TODAY.isoformat(), invoices=0, customers=0)
        running.start_services()
        yield running
    finally:
        running.stop_all()


@pytest.fixture
def sandbox(stack: Stack) -> Iterator[httpx.Client]:
    """One client for every sandbox; the QuickBooks company starts empty and the sinks start clean."""
    urls = stack.config.sandbox_urls
    with httpx.Client(timeout=10) as client:
        client.post(f"{urls['qbo']}/_sandbox/seed", json={"as_of": TODAY.isoformat(), "customers": 0, "invoices": 0})
        client.post(f"{urls['qbo']}/_sandbox/faults", json={"mode": "none"})
        client.post(f"{urls['anthropic']}/_sandbox/mode", json={"mode": "normal"})
        client.delete(f"{urls['smtp_http']}/messages")
        client.post(f"{urls['smtp_http']}/_sandbox/fault", json={"ack_delay_s": 0})
        client.delete(f"{urls['slack']}/_sandbox/messages")
        client.delete(f"{urls['crm']}/_sandbox/notes")
        yield client


def add_customer(client: httpx.Client, stack: Stack, customer_id: str, name: str) -> None:
    customer = {
        "Id": customer_id,
        "DisplayName": name,
        "CompanyName": name,
        "PrimaryEmailAddr": {"Address": f"ap@{customer_id}.example"},
        "Active": True,
        "Balance": 0,
        "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
    }
    client.post(f"{stack.config.sandbox_urls['qbo']}/_sandbox/customers", json=customer).raise_for_status()


def add_invoice(
    client: httpx.Client, stack: Stack, invoice_id: str, customer_id: str, amount: str, days_overdue: int, **extra: Any
) -> dict[str, Any]:
    due = TODAY - timedelta(days=days_overdue)
    invoice = {
        "Id": invoice_id,
        "SyncToken": "0",
        "DocNumber": f"E2E-{invoice_id}",
        "TxnDate": (due - timedelta(days=30)).isoformat(),
        "DueDate": due.isoformat(),
        "TotalAmt": float(amount),
        "Balance": float(amount),
        "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
        "CustomerRef": {"value": customer_id, "name": customer_id},
        "BillEmail": {"Address": f"ap@{customer_id}.example"},
        "Line": [{"Id": "1", "LineNum": 1, "Amount": float(amount), "DetailType": "SalesItemLineDetail"}],
        **extra,
    }
    client.post(f"{stack.config.sandbox_urls['qbo']}/_sandbox/invoices", json=invoice).raise_for_status()
    return invoice


def eventually(probe: Callable[[], T | None], timeout_s: float = 30, what: str = "condition") -> T:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(0.3)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")


def run(coro: Awaitable[T]) -> T:
    return asyncio.run(coro)  # type: ignore[arg-type]


def log_path(stack: Stack, name: str) -> Path:
    return stack.config.log_dir / f"{name}.log"
