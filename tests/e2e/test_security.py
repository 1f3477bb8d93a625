"""Secrets stay where they belong: not in the reasoning process, not in logs, audit records or dead letters.

Runs after the other e2e tests of the package, so the logs and topics it searches hold their whole traffic.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts.topics import audit_topic, dead_letter_topic
from services.ops.stack import REPO, Stack
from shared.topic_reader import read_topic
from tests.e2e.conftest import run

pytestmark = pytest.mark.e2e


def _secrets() -> dict[str, str]:
    pairs = (line.split("=", 1) for line in (REPO / "infra" / "demo.env").read_text().splitlines() if "=" in line)
    return {k: v for k, v in pairs if not k.startswith("#") and len(v) >= 8}


def test_the_reasoning_process_holds_no_business_credentials(stack: Stack) -> None:
    environ = Path(f"/proc/{stack.processes['reasoning'].pid}/environ").read_bytes().decode(errors="replace")
    leaked = [name for name, value in _secrets().items() if value in environ]
    assert leaked == []


def test_no_secret_appears_in_logs_audit_records_or_dead_letters(stack: Stack) -> None:
    secrets = _secrets()
    logs = "".join(p.read_text(errors="replace") for p in stack.config.log_dir.glob("*.log"))

    async def topics() -> str:
        out = []
        for pipeline in ("invoice_followup", "contract_review"):
            for name in (audit_topic(pipeline), dead_letter_topic(pipeline)):
                async for record in read_topic(stack.config.kafka, name):
                    out.append((record.value or b"").decode(errors="replace"))
                    out += [v.decode(errors="replace") for _, v in record.headers or ()]
        return "\n".join(out)

    recorded = run(topics())
    assert len(logs) > 0 and len(recorded) > 0
    assert [n for n, v in secrets.items() if v in logs] == []
    assert [n for n, v in secrets.items() if v in recorded] == []
