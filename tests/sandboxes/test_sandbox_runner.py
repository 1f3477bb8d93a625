from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]


def test_runner_prints_listeners_and_exits_cleanly_on_sigterm() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "infra.sandboxes",
            "--only",
            "qbo,slack",
            "--qbo-port",
            "0",
            "--slack-port",
            "0",
            "--invoices",
            "20",
            "--customers",
            "5",
            "--as-of",
            "2026-11-21",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and (not lines or lines[-1] != "sandboxes ready"):
            assert process.stdout is not None
            lines.append(process.stdout.readline().strip())
        assert lines[-1] == "sandboxes ready"
        urls = {line.split()[1]: line.split()[-1] for line in lines if line.startswith("sandbox ")}
        assert set(urls) == {"qbo", "slack"}

        assert httpx.post(f"{urls['slack']}/services/T/B/S", json={"text": "hi"}).text == "ok"
        assert httpx.get(f"{urls['qbo']}/_sandbox/summary").json()["invoices"] == 20
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0, stderr
