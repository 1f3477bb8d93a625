from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from redis.asyncio import Redis

pytestmark = pytest.mark.integration


@pytest_asyncio.fixture
async def redis(redis_base_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(f"{redis_base_url}/2")
    await client.flushdb()
    yield client
    await client.aclose()


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:10]
