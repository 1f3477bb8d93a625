"""Where the real broker and Redis are.

In order: the user's own (`KAFKA_BOOTSTRAP_SERVERS`, `REDIS_URL`, or the `SEAMLINE_` names); testcontainers
when a Docker engine answers and nothing is configured; otherwise the local broker and Redis that
`make test` starts from infra/ (127.0.0.1:19092 and 127.0.0.1:16379).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

LOCAL_KAFKA = "127.0.0.1:19092"
LOCAL_REDIS = "redis://127.0.0.1:16379/0"


def _configured(*names: str) -> str | None:
    return next((os.environ[n] for n in names if os.environ.get(n)), None)


def _docker_answers() -> bool:
    if os.environ.get("SEAMLINE_TESTCONTAINERS") == "0":
        return False
    try:
        import docker  # testcontainers' dependency

        docker.from_env(timeout=2).ping()
    except Exception:  # no engine, no socket, no permission: fall back to the local infra
        return False
    return True


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    configured = _configured("KAFKA_BOOTSTRAP_SERVERS", "SEAMLINE_KAFKA_BOOTSTRAP_SERVERS")
    if configured or not _docker_answers():
        yield configured or LOCAL_KAFKA
        return
    from testcontainers.kafka import KafkaContainer

    with KafkaContainer("apache/kafka:4.1.1").with_kraft() as kafka:
        yield kafka.get_bootstrap_server()


@pytest.fixture(scope="session")
def redis_base_url() -> Iterator[str]:
    """Without a database number: each test layer picks its own database."""
    configured = _configured("REDIS_URL", "SEAMLINE_REDIS_URL")
    if configured or not _docker_answers():
        url = configured or LOCAL_REDIS
        yield url.rsplit("/", 1)[0] if url.count("/") > 2 else url
        return
    from testcontainers.redis import RedisContainer

    with RedisContainer("redis:7") as redis:
        yield f"redis://{redis.get_container_host_ip()}:{redis.get_exposed_port(6379)}"
