"""Readiness probe for Seamline's local infrastructure.

    python infra/ready.py kafka 127.0.0.1:19092 [--timeout 60]
    python infra/ready.py redis redis://127.0.0.1:16379/0 [--timeout 20]

Kafka is ready when an admin client can describe the cluster, create the
``__seamline_ready`` topic (already existing is fine) and see it listed; an
open port is not enough. Redis is ready when PING succeeds.
Exit status 0 when ready within the deadline, 1 otherwise (last error on stderr).
Nothing is read from the environment or settings at import time.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time

import redis.asyncio as aioredis
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code

READY_TOPIC = "__seamline_ready"


async def _check_kafka(bootstrap: str, attempt_timeout: float) -> None:
    request_timeout_ms = max(1000, int(attempt_timeout * 1000))
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap,
        client_id="seamline-ready",
        request_timeout_ms=request_timeout_ms,
    )
    try:
        await admin.start()
        cluster = await admin.describe_cluster()
        if not cluster.get("brokers"):
            raise RuntimeError(f"cluster has no brokers: {cluster!r}")
        if cluster.get("controller_id", -1) < 0:
            raise RuntimeError(f"cluster has no active controller: {cluster!r}")
        if READY_TOPIC not in await admin.list_topics():
            response = await admin.create_topics(
                [NewTopic(READY_TOPIC, num_partitions=1, replication_factor=1)],
                timeout_ms=request_timeout_ms,
            )
            for topic_error in response.topic_errors:
                code = topic_error[1]
                if code == 0:
                    continue
                err_cls = for_code(code)
                if err_cls is TopicAlreadyExistsError:
                    continue
                message = topic_error[2] if len(topic_error) > 2 else ""
                raise err_cls(f"create_topics({READY_TOPIC}): {message}")
            if READY_TOPIC not in await admin.list_topics():
                raise RuntimeError(f"topic {READY_TOPIC} created but not listed yet")
    finally:
        await admin.close()


async def _check_redis(url: str, attempt_timeout: float) -> None:
    client = aioredis.Redis.from_url(
        url,
        socket_connect_timeout=attempt_timeout,
        socket_timeout=attempt_timeout,
    )
    try:
        if not await client.ping():
            raise RuntimeError("PING did not return PONG")
    finally:
        await client.aclose()


async def _wait(kind: str, target: str, budget_s: float) -> str | None:
    check = _check_kafka if kind == "kafka" else _check_redis
    deadline = time.monotonic() + budget_s
    last_error = "deadline reached before the first attempt"
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return last_error
        attempt_timeout = max(1.0, min(10.0, remaining))
        try:
            await asyncio.wait_for(check(target, attempt_timeout), timeout=attempt_timeout + 1)
        except Exception as exc:  # any failure means "not ready yet"
            last_error = f"{type(exc).__name__}: {exc}"
        else:
            return None
        await asyncio.sleep(min(0.5, max(0.0, deadline - time.monotonic())))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["kafka", "redis"])
    parser.add_argument("target", help="Kafka bootstrap servers or a Redis URL")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds (default 60)")
    parser.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")
    args = parser.parse_args(argv)

    # aiokafka logs every refused connection at ERROR while the broker boots.
    logging.basicConfig(level=logging.CRITICAL)

    started = time.monotonic()
    error = asyncio.run(_wait(args.kind, args.target, args.timeout))
    if error is not None:
        print(f"{args.kind} at {args.target} not ready after {args.timeout:g}s: {error}", file=sys.stderr)
        return 1
    if not args.quiet:
        print(f"{args.kind} at {args.target} ready ({time.monotonic() - started:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
