"""Where the real broker and Redis are: the ones `make test` starts, or the user's own via the environment."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    return os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or os.environ.get(
        "SEAMLINE_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092"
    )


@pytest.fixture(scope="session")
def redis_base_url() -> str:
    """Without a database number: each test layer picks its own database."""
    url = os.environ.get("REDIS_URL") or os.environ.get("SEAMLINE_REDIS_URL", "redis://127.0.0.1:16379/0")
    return url.rsplit("/", 1)[0] if url.count("/") > 2 else url
