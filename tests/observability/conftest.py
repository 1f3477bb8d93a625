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

from contracts.registry import spec
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


def amtool(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([binary("amtool"), *map(str, args)], capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture(scope="package")
def stack(kafka_bootstrap: str, redis_base_url: str) -> Iterator[Stack]:
    config = StackConfig(
        kafka=kafka_bootstrap,
        redis_url=f"{redis_base_url}/3",
        offset=OFFSET,
        log_dir=REPO / ".run" / "observability-logs",
        extra_env={"SEAMLINE_RETRY_BASE_DELAY_S": "0.05", "SEAMLINE_RETRY_MAX_ATTEMPTS": "3"},
    )
    asyncio.run(reset_state(config, [spec("invoice_followup")]))
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


def _process(args: list[str], log_path: Path, ready_url: str, name: str) -> subprocess.Popen[bytes]:
    """Start a server and wait until its readiness endpoint answers 200."""
    log = log_path.open("wb")
    process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited: {log_path.read_text()[-2000:]}")
        try:
            if httpx.get(ready_url, timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise TimeoutError(f"{name} not ready after 20s")
        time.sleep(0.2)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def alertmanager(stack: Stack, tmp_path: Path) -> Iterator[str]:
    """A real Alertmanager with the committed receiver, pointed at this stack's notifier; answers its URL."""
    config = yaml.safe_load((PROMETHEUS_DIR / "alertmanager.yml").read_text())
    (hook,) = config["receivers"][0]["webhook_configs"]
    hook["url"] = f"http://127.0.0.1:{stack.config.service_ports['notifier']}/alertmanager"
    config["route"].update({"group_wait": "1s", "group_interval": "5s"})
    config_file = tmp_path / "alertmanager.yml"
    config_file.write_text(yaml.safe_dump(config))
    port = free_port()
    path = shutil.which("prometheus-alertmanager") or binary("alertmanager")
    process = _process(
        [
            path,
            f"--config.file={config_file}",
            f"--storage.path={tmp_path / 'alertmanager-data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
        ],
        tmp_path / "alertmanager.log",
        f"http://127.0.0.1:{port}/-/ready",
        "alertmanager",
    )
    try:
        yield f"127.0.0.1:{port}"
    finally:
        _stop(process)


@pytest.fixture
def prometheus(stack: Stack, alertmanager: str, tmp_path: Path) -> Iterator[PrometheusServer]:
    """The real server, scraping the stack, evaluating the committed alerts.yml every second and sending what
    fires to the Alertmanager above."""
    config = {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": [alertmanager]}]}]},
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
    process = _process(
        [
            binary("prometheus"),
            f"--config.file={config_file}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--web.enable-lifecycle",
        ],
        tmp_path / "prometheus.log",
        f"http://127.0.0.1:{port}/-/ready",
        "prometheus",
    )
    try:
        yield PrometheusServer(f"http://127.0.0.1:{port}", process)
    finally:
        _stop(process)
