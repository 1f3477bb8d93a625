"""A flood of malformed records into invoice follow-up must not slow contract review or lose anything of it."""

from __future__ import annotations

import asyncio
import json
import re
import statistics
import threading
import time
from collections import Counter

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from contracts import deadletter as dl
from contracts.approval import ApprovalRequested
from contracts.contract_review import SPEC as REVIEW_SPEC
from contracts.envelope import Envelope
from contracts.invoice_followup import SPEC as FOLLOWUP_SPEC
from contracts.invoice_followup import InvoiceFollowup
from services.ops.stack import SERVICES, Stack
from shared.lag import measure_lag
from shared.topic_reader import read_topic
from tests.e2e.conftest import eventually, run
from tests.e2e.test_contract_review import CONTRACT, event, fire, new_deal

pytestmark = pytest.mark.e2e

FLOOD = 5000
REVIEWS = 6


def _review_latency(stack: Stack, client: httpx.Client, name: str) -> float:
    """Seconds from the closed-won webhook to the reviewer's request, as the services stamped them."""
    deal_id = new_deal(client, stack, name, "text", CONTRACT)
    assert fire(client, stack, [event(deal_id)]) < 300

    def request() -> Envelope[ApprovalRequested] | None:
        async def find() -> Envelope[ApprovalRequested] | None:
            async for r in read_topic(stack.config.kafka, REVIEW_SPEC.approval_requested):
                if r.key == deal_id.encode():
                    return Envelope[ApprovalRequested].model_validate_json(r.value)
            return None

        return run(find())

    requested = eventually(request, timeout_s=60, what=f"review of {name}")
    assert requested.run_started_at is not None
    return (requested.occurred_at - requested.run_started_at).total_seconds()


async def _flood(bootstrap: str, marker: str) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await producer.start()
    try:
        for n in range(FLOOD):
            body = b'{"event_id": "not-a-uuid", "payload": {"invoice": ' + str(n).encode() + b"}"
            await producer.send(
                InvoiceFollowup.RAW,
                body,
                key=f"{marker}-{n}".encode(),
                headers=[(dl.MSG_CORRELATION_ID, marker.encode())],
            )
        await producer.flush()
    finally:
        await producer.stop()


def _flood_dead_letters(stack: Stack, marker: str) -> list[str]:
    """`topic:partition:offset` of every dead letter the flood caused, as the alerts and the CLI name them."""

    async def refs() -> list[str]:
        return [
            f"{r.topic}:{r.partition}:{r.offset}"
            async for r in read_topic(stack.config.kafka, FOLLOWUP_SPEC.dead_letter)
            if dict(r.headers).get(dl.CORRELATION_ID) == marker.encode()
        ]

    return run(refs())


def _alerted(client: httpx.Client, stack: Stack) -> tuple[int, Counter[str]]:
    """Posts to the operators' alert channel, and how often each dead letter is named in them."""
    posts = [
        m
        for m in client.get(f"{stack.config.sandbox_urls['slack']}/_sandbox/messages").json()
        if "B0ALERTS" in m["path"]
    ]
    return len(posts), Counter(re.findall(r"seamline deadletters show ([^`]+)`", json.dumps(posts)))


def _wait_quiet(stack: Stack) -> None:
    """The unloaded figure needs an idle stack: no consumer group of any service behind (earlier tests' backlog)."""

    async def lag() -> int:
        return sum([sum((await measure_lag(stack.config.kafka, service)).values()) for service in SERVICES])

    eventually(lambda: run(lag()) == 0, timeout_s=180, what="every consumer group caught up")


def test_a_flood_of_malformed_invoices_leaves_contract_review_on_time(stack: Stack, sandbox: httpx.Client) -> None:
    _wait_quiet(stack)
    posts_before, _ = _alerted(sandbox, stack)
    unloaded = [_review_latency(stack, sandbox, f"Calm Co {n}") for n in range(REVIEWS)]
    marker = f"flood-{time.time_ns()}"
    flood = threading.Thread(target=lambda: asyncio.run(_flood(stack.config.kafka, marker)))
    flood.start()
    time.sleep(1)  # the flood is under way before the first review starts
    loaded = [_review_latency(stack, sandbox, f"Busy Co {n}") for n in range(REVIEWS)]
    flood.join()

    def all_dead_lettered() -> list[str] | None:
        refs = _flood_dead_letters(stack, marker)
        return refs if len(refs) >= FLOOD else None

    letters = eventually(all_dead_lettered, timeout_s=240, what="every flooded record in the dead-letter topic")

    def all_alerted() -> tuple[int, Counter[str]] | None:
        named = _alerted(sandbox, stack)
        return named if all(named[1][ref] for ref in letters) else None

    alerted = eventually(all_alerted, timeout_s=240, what="an operator alert naming every flooded dead letter")
    posts = alerted[0] - posts_before
    # Unloaded again once the flood has drained (A-B-A): the baseline covers the stack's state on both sides of
    # the flood, not only the moment after whatever ran before this test.
    _wait_quiet(stack)
    unloaded += [_review_latency(stack, sandbox, f"Calm Co after {n}") for n in range(REVIEWS)]
    calm, busy = statistics.median(unloaded), statistics.median(loaded)
    print(
        f"\nFLOOD malformed={FLOOD} dead_lettered={len(letters)} alert_posts={posts} "
        f"review_latency_unloaded_p50={calm:.3f}s (before {statistics.median(unloaded[:REVIEWS]):.3f}s, after "
        f"{statistics.median(unloaded[REVIEWS:]):.3f}s) loaded_p50={busy:.3f}s ratio={busy / calm:.2f}"
    )
    assert len(letters) == FLOOD, "every malformed record is dead-lettered, none lost, none twice"
    assert all(alerted[1][ref] == 1 for ref in letters), "each dead letter is named in exactly one alert"
    assert posts <= FLOOD // 10, f"{FLOOD} dead letters became {posts} posts: a burst must arrive as digests"
    assert busy <= calm * 1.2, f"contract review slowed from {calm:.3f}s to {busy:.3f}s under the flood"
