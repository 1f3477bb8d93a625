"""`seamline demo`: the six services and the sandboxes on a real broker, invoice follow-up on a seeded company."""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import click
import httpx
from redis.asyncio import Redis

from contracts.approval import SLACK_APPROVE_ACTION
from contracts.pipeline import PipelineSpec
from contracts.registry import PIPELINES
from services.connectors.pipelines.invoice_followup.scheduler import request_scan
from services.ops.contract_demo import render_contracts, run_contract_reviews
from services.ops.report import RunReport, build_report, render
from services.ops.stack import Stack, StackConfig
from shared.broker import EventPublisher, build_broker
from shared.settings import KernelSettings
from shared.topic_admin import delete_topics, ensure_topics

REALM_ID = "9341453000000000"


async def reset_state(config: StackConfig, pipelines: list[PipelineSpec]) -> None:
    """A fresh run: the pipelines' topics recreated empty and the Redis database emptied."""
    names = [t for p in pipelines for t in p.topics]
    await delete_topics(config.kafka, names)
    await ensure_topics(config.kafka, names)
    redis = Redis.from_url(config.redis_url)
    await redis.flushdb()
    await redis.aclose()


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


DEMO_SLACK_APPROVER = "U0DEMOMARIA"  # infra/tenants/demo-co/policy.yaml maps this Slack user to the AR manager


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


async def run_demo(config: StackConfig, invoices: int, customers: int, keep_running: bool) -> None:
    click.echo("resetting invoice_followup topics and Redis for a fresh run ...")
    await reset_state(config, list(PIPELINES))
    stack = Stack(config)
    started = time.monotonic()
    try:
        as_of = datetime.now(UTC).date().isoformat()
        click.echo(f"starting sandboxes (QuickBooks company: {invoices} invoices, {customers} customers) ...")
        stack.start_sandboxes(as_of, invoices, customers)
        click.echo("starting connectors, validation, rules, reasoning, approval, notifier ...")
        stack.start_services()
        click.echo(f"stack up in {time.monotonic() - started:.1f}s; triggering invoice follow-up ...")
        correlation_id = await trigger(config, "demo")
        report = await wait_for_run(config, correlation_id, timeout_s=180)
        click.echo(f"run settled {time.monotonic() - started:.1f}s after start")
        approved = await approve_first(config, report, "demo: approved from the link")
        in_slack = await approve_in_slack(config, report)
        urls = config.sandbox_urls
        if approved:
            click.echo(f"approved request {approved} as the AR manager from the signed link")
        if in_slack:
            click.echo(f"approved request {in_slack} with the Approve button in Slack (user {DEMO_SLACK_APPROVER})")
        if approved or in_slack:
            click.echo("waiting for the emails ...")
            await asyncio.sleep(3)
            report = await build_report(config.kafka, correlation_id)
        async with httpx.AsyncClient(timeout=10) as client:
            mails = (await client.get(f"{urls['smtp_http']}/messages")).json()
            slack = (await client.get(f"{urls['slack']}/_sandbox/messages")).json()
            notes = (await client.get(f"{urls['crm']}/_sandbox/notes")).json()
        click.echo("firing the CRM's closed-won webhooks for contract review ...")
        contracts = await run_contract_reviews(config)
        approval_url = f"http://127.0.0.1:{config.service_ports['approval']}"
        metrics = {n: f"http://127.0.0.1:{p}" for n, p in config.service_ports.items()}
        click.echo("")
        click.echo(render(report, approval_url, metrics))
        click.echo("")
        click.echo(render_contracts(contracts))
        click.echo(f"  SMTP sink holds {len(mails)} emails ({urls['smtp_http']}/messages)")
        click.echo(f"  Slack sink holds {len(slack)} messages ({urls['slack']}/_sandbox/messages)")
        click.echo(f"  CRM holds {len(notes)} notes ({urls['crm']}/_sandbox/notes)")
        click.echo(f"  service logs: {config.log_dir}/")
        if keep_running:
            click.echo("\nThe stack stays up for you to look around. Ctrl-C stops it.")
            while True:
                await asyncio.sleep(3600)
    finally:
        stack.stop_all()


def main(invoices: int, customers: int, keep_running: bool | None) -> None:
    keep = sys.stdin.isatty() if keep_running is None else keep_running
    try:
        kernel = KernelSettings()
        config = StackConfig(kafka=kernel.kafka_bootstrap_servers, redis_url=kernel.redis_url)
        asyncio.run(run_demo(config, invoices, customers, keep))
    except KeyboardInterrupt:
        click.echo("stopped")
