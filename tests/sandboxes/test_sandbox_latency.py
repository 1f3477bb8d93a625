"""The sandboxes answer at once over a kept-alive connection: no response waits for the client's delayed ACK.

Without TCP_NODELAY on the accepted sockets, a response written in two segments (headers, then body) sits in
Nagle's buffer until the client acknowledges the first one, about 40 ms later on Linux.
"""

from __future__ import annotations

import statistics
import time

import httpx
import pytest

from infra.sandboxes.runner import SandboxConfig, running_sandboxes

from .conftest import AS_OF

REQUESTS = 20
MEDIAN_LIMIT_MS = 15.0
# One cheap GET per HTTP sandbox, answered without credentials.
PROBES = {
    "qbo": "/.well-known/openid_configuration",
    "crm": "/_sandbox/notes",
    "slack": "/_sandbox/messages",
    "anthropic": "/_sandbox/requests",
    "smtp": "/messages",
    "documents": "/_sandbox/documents",
}
URL_NAMES = {"smtp": "smtp-http"}


@pytest.mark.parametrize("sandbox", sorted(PROBES))
async def test_sequential_requests_on_one_connection_are_not_delayed(sandbox: str) -> None:
    config = SandboxConfig(
        qbo_port=0,
        crm_port=0,
        slack_port=0,
        anthropic_port=0,
        smtp_http_port=0,
        smtp_port=0,
        documents_port=0,
        as_of=AS_OF,
        customers=5,
        invoices=20,
        only=frozenset({sandbox}),
    )
    async with running_sandboxes(config) as running:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(base_url=running.urls[URL_NAMES.get(sandbox, sandbox)], limits=limits) as client:
            assert (await client.get(PROBES[sandbox])).status_code == 200  # opens the connection
            elapsed_ms: list[float] = []
            for _ in range(REQUESTS):
                started = time.perf_counter()
                response = await client.get(PROBES[sandbox])
                elapsed_ms.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
    median = statistics.median(elapsed_ms)
    assert median < MEDIAN_LIMIT_MS, f"{sandbox}: median {median:.1f} ms over {REQUESTS} requests: {elapsed_ms}"
