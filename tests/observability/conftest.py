"""Prometheus, promtool and a stack of our own for the observability tests.

The stack's ports are shifted by 2000, it uses Redis database 3 and lives as long as this package's tests.
It shares the pipeline's topics and consumer groups with any other stack on the same broker, so no other stack
may be consuming while these tests run: its members would take some of the partitions and the test would watch
the wrong processes. (So the e2e stack fixture needs package scope: it then stops before these tests start.)
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from contracts.envelope import Pipeline
from services.ops.demo import reset_state
from services.ops.stack import REPO, Stack, StackConfig

PROMETHEUS_DIR = REPO / "infra" / "prometheus"
ALERTS = PROMETHEUS_DIR / "alerts.yml"
OFFSET = 2000


def binary(name: str) -> str:
    """promtool / prometheus from PATH; in CI a missing one fails instead of skipping."""
    path = shutil.which(name)
    if path:
        return path
    message = f"{name} is not installed: run `bash infra/prometheus/install.sh`"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def promtool(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [binary("promtool"), *map(str, args)], capture_output=True, text=True, timeout=60, check=False
    )


@pytest.fixture(scope="package")
def stack(kafka_bootstrap: str, redis_base_url: str) -> Iterator[Stack]:
    config = StackConfig(
        kafka=kafka_bootstrap,
        redis_url=f"{redis_base_url}/3",
        offset=OFFSET,
        log_dir=REPO / ".run" / "observability-logs",
        extra_env={"SEAMLINE_RETRY_BASE_DELAY_S": "0.05", "SEAMLINE_RETRY_MAX_ATTEMPTS": "3"},
    )
    asyncio.run(reset_state(config, [Pipeline.INVOICE_FOLLOWUP]))
    running = Stack(config)
    try:
        running.start_sandboxes(date.today().isoformat(), invoices=0, customers=0)
        running.start_services()
        yield running
    finally:
        running.stop_all()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PrometheusServer:
    url: str
    process: subprocess.Popen[bytes]

    def api(self, path: str, **params: Any) -> Any:
        answer = httpx.get(f"{self.url}/api/v1/{path}", params=params, timeout=5)
        answer.raise_for_status()
        return answer.json()["data"]

    def firing(self, alertname: str) -> list[dict[str, Any]]:
        alerts = self.api("alerts")["alerts"]
        return [a for a in alerts if a["labels"]["alertname"] == alertname and a["state"] == "firing"]


@pytest.fixture
def prometheus(stack: Stack, tmp_path: Path) -> Iterator[PrometheusServer]:
    """The real server, scraping the stack and evaluating the committed alerts.yml every second."""
    config = {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(ALERTS)],
        "scrape_configs": [
            {
                "job_name": "seamline",
                "honor_labels": True,
                "static_configs": [
                    {"targets": [f"127.0.0.1:{port}"], "labels": {"service": name}}
                    for name, port in stack.config.service_ports.items()
                ],
            }
        ],
    }
    config_file = tmp_path / "prometheus.yml"
    config_file.write_text(yaml.safe_dump(config))
    port = free_port()
    log = (tmp_path / "prometheus.log").open("wb")
    process = subprocess.Popen(
        [
            binary("prometheus"),
            f"--config.file={config_file}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--web.enable-lifecycle",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = PrometheusServer(f"http://127.0.0.1:{port}", process)
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"prometheus exited: {(tmp_path / 'prometheus.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"{server.url}/-/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("prometheus not ready after 20s")
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
