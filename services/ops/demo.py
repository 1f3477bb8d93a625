"""`seamline demo`: the six services and the sandboxes on a real broker, every registered pipeline run on seeded
data, each pipeline's own demo part saying what happened (services/ops/pipelines/<pipeline>/)."""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import UTC, datetime

import click
import httpx
from redis.asyncio import Redis

from contracts.pipeline import PipelineSpec
from contracts.registry import PIPELINES
from services.ops.parts import ops_parts
from services.ops.stack import Stack, StackConfig
from shared.settings import KernelSettings
from shared.topic_admin import delete_topics, ensure_topics


async def reset_state(config: StackConfig, pipelines: list[PipelineSpec]) -> None:
    """A fresh run: the pipelines' topics recreated empty and the Redis database emptied."""
    names = [t for p in pipelines for t in p.topics]
    await delete_topics(config.kafka, names)
    await ensure_topics(config.kafka, names)
    redis = Redis.from_url(config.redis_url)
    await redis.flushdb()
    await redis.aclose()


async def _sinks(config: StackConfig) -> list[str]:
    urls = config.sandbox_urls
    async with httpx.AsyncClient(timeout=10) as client:
        mails = (await client.get(f"{urls['smtp_http']}/messages")).json()
        slack = (await client.get(f"{urls['slack']}/_sandbox/messages")).json()
        notes = (await client.get(f"{urls['crm']}/_sandbox/notes")).json()
    return [
        f"  SMTP sink holds {len(mails)} emails ({urls['smtp_http']}/messages)",
        f"  Slack sink holds {len(slack)} messages ({urls['slack']}/_sandbox/messages)",
        f"  CRM holds {len(notes)} notes ({urls['crm']}/_sandbox/notes)",
        f"  service logs: {config.log_dir}/",
    ]


async def run_demo(config: StackConfig, invoices: int, customers: int, keep_running: bool) -> None:
    parts = ops_parts()
    click.echo(f"resetting the topics of {', '.join(s.name for s in parts)} and Redis for a fresh run ...")
    await reset_state(config, list(PIPELINES))
    stack = Stack(config)
    started = time.monotonic()
    try:
        as_of = datetime.now(UTC).date().isoformat()
        click.echo(f"starting sandboxes (QuickBooks company: {invoices} invoices, {customers} customers) ...")
        stack.start_sandboxes(as_of, invoices, customers)
        click.echo("starting connectors, validation, rules, reasoning, approval, notifier ...")
        stack.start_services()
        click.echo(f"stack up in {time.monotonic() - started:.1f}s")
        for spec, part in parts.items():
            click.echo(f"\nrunning {spec.name} ...")
            click.echo(await part.demo(config))
        click.echo("")
        for line in await _sinks(config):
            click.echo(line)
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
