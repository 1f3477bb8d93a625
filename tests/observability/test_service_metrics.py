"""What every running service serves on /metrics passes `promtool check metrics` (format and naming lint)."""

from __future__ import annotations

import subprocess

import httpx
import pytest

from services.ops.stack import SERVICES, Stack
from tests.observability.conftest import binary

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("service", SERVICES)
def test_metrics_endpoint_passes_promtool(stack: Stack, service: str) -> None:
    answer = httpx.get(f"http://127.0.0.1:{stack.config.service_ports[service]}/metrics", timeout=5)
    answer.raise_for_status()
    assert "seamline_service_up" in answer.text
    result = subprocess.run(
        [binary("promtool"), "check", "metrics"],
        input=answer.text,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, f"{service}: {result.stdout}{result.stderr}"
