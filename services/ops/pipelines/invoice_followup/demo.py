"""Invoice follow-up on the demo stack: a scan of the seeded QuickBooks company, one approval from the signed
link and one from Slack's Approve button, then the run report."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import parse_qs, urlparse

import httpx

from contracts.approval import SLACK_APPROVE_ACTION
from services.connectors.pipelines.invoice_followup.scheduler import request_scan
from services.ops.pipelines.invoice_followup.report import RunReport, build_report, render
from services.ops.stack import StackConfig
from shared.broker import EventPublisher, build_broker
from shared.settings import KernelSettings

REALM_ID = "9341453000000000"
DEMO_SLACK_APPROVER = "U0DEMOMARIA"  # infra/tenants/demo-co/policy.yaml maps this Slack user to the AR manager


async def trigger(config: StackConfig, requested_by: str) -> str:
    settings = KernelSettings(kafka_bootstrap_servers=config.kafka, tenant=config.tenant)
    broker = build_broker(settings, "cli")
    await broker.start()
    try:
        command = await request_scan(EventPublisher(broker, "cli"), config.tenant, REALM_ID, requested_by)
    finally:
        await broker.stop()
    return str(command.correlation_id)


async def wait_for_run(config: StackConfig, correlation_id: str, timeout_s: float) -> RunReport:
    deadline = time.monotonic() + timeout_s
    report = await build_report(config.kafka, correlation_id)
    while not report.accounted and time.monotonic() < deadline:
        await asyncio.sleep(1)
        report = await build_report(config.kafka, correlation_id)
    return report


async def approve_first(config: StackConfig, report: RunReport, approver_reason: str) -> str | None:
    """Act as the approver: open the link (a confirmation page), then POST the decision."""
    if not report.pending or not report.pending[0].links:
        return None
    link = report.pending[0].links[0].url
    token = parse_qs(urlparse(link).query)["token"][0]
    async with httpx.AsyncClient(timeout=10) as client:
        page = await client.get(link)
        page.raise_for_status()
        answer = await client.post(
            link.split("?")[0], data={"token": token, "decision": "approve", "reason": approver_reason}
        )
        answer.raise_for_status()
    return report.pending[0].request_id


async def approve_in_slack(config: StackConfig, report: RunReport) -> str | None:
    """Act as the approver in Slack: click Approve on the second request's message (the sandbox signs the click)."""
    if len(report.pending) < 2:
        return None
    request_id = report.pending[1].request_id
    click = {
        "target_url": f"http://127.0.0.1:{config.service_ports['approval']}/slack/interactions",
        "action_id": SLACK_APPROVE_ACTION,
        "value": request_id,
        "user_id": DEMO_SLACK_APPROVER,
    }
    async with httpx.AsyncClient(timeout=10) as client:
        for _ in range(20):  # the notifier may still be posting the message
            answer = await client.post(f"{config.sandbox_urls['slack']}/_sandbox/interactions/click", json=click)
            if answer.status_code != 404:
                break
            await asyncio.sleep(0.5)
        answer.raise_for_status()
    return request_id if answer.json().get("status") == 200 else None


def _render(config: StackConfig, report: RunReport) -> str:
    ports = config.service_ports
    metrics = {n: f"http://127.0.0.1:{p}" for n, p in ports.items()}
    return render(report, f"http://127.0.0.1:{ports['approval']}", metrics)


async def demo(config: StackConfig) -> str:
    started = time.monotonic()
    correlation_id = await trigger(config, "demo")
    report = await wait_for_run(config, correlation_id, timeout_s=180)
    lines = [f"run settled {time.monotonic() - started:.1f}s after the trigger"]
    approved = await approve_first(config, report, "demo: approved from the link")
    in_slack = await approve_in_slack(config, report)
    if approved:
        lines.append(f"approved request {approved} as the AR manager from the signed link")
    if in_slack:
        lines.append(f"approved request {in_slack} with the Approve button in Slack (user {DEMO_SLACK_APPROVER})")
    if approved or in_slack:
        await asyncio.sleep(3)  # the emails go out
        report = await build_report(config.kafka, correlation_id)
    return "\n".join([*lines, "", _render(config, report)])


async def report(config: StackConfig, correlation_id: str) -> str | None:
    found = await build_report(config.kafka, correlation_id)
    return _render(config, found) if found.fetched or found.dead_letters else None
