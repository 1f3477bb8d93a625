"""Start and stop the six services and the sandboxes as real processes, as the demo and e2e tests need them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
SERVICES = ("connectors", "validation", "rules", "reasoning", "approval", "notifier")


@dataclass(frozen=True)
class StackConfig:
    """Ports of one stack; `offset` shifts them all so tests never collide with a running demo."""

    kafka: str = "127.0.0.1:19092"
    redis_url: str = "redis://127.0.0.1:16379/0"
    tenant: str = "demo-co"
    offset: int = 0
    log_dir: Path = REPO / ".run" / "logs"
    anthropic: bool = False
    extra_env: dict[str, str] = field(default_factory=dict)

    def port(self, base: int) -> int:
        return base + self.offset

    @property
    def service_ports(self) -> dict[str, int]:
        return {name: self.port(8801 + i) for i, name in enumerate(SERVICES)}

    @property
    def sandbox_urls(self) -> dict[str, str]:
        return {
            "qbo": f"http://127.0.0.1:{self.port(8710)}",
            "crm": f"http://127.0.0.1:{self.port(8711)}",
            "slack": f"http://127.0.0.1:{self.port(8712)}",
            "anthropic": f"http://127.0.0.1:{self.port(8713)}",
            "smtp_http": f"http://127.0.0.1:{self.port(8714)}",
            "documents": f"http://127.0.0.1:{self.port(8715)}",
        }

    def env_for(self, process: str) -> dict[str, str]:
        """What one process may see: the kernel's settings and its own, never another service's credentials."""
        env = self.service_env()
        if process not in SERVICES:
            return env
        others = tuple(f"SEAMLINE_{s.upper()}_" for s in SERVICES if s != process)
        return {k: v for k, v in env.items() if not k.startswith(others)}

    def service_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SEAMLINE_", "ANTHROPIC_"))}
        env.update(_read_env_file(REPO / "infra" / "demo.env"))
        urls = self.sandbox_urls
        env.update(
            {
                "SEAMLINE_KAFKA_BOOTSTRAP_SERVERS": self.kafka,
                "SEAMLINE_REDIS_URL": self.redis_url,
                "SEAMLINE_TENANT": self.tenant,
                "SEAMLINE_CONNECTORS_QBO_BASE_URL": urls["qbo"],
                "SEAMLINE_CONNECTORS_QBO_TOKEN_URL": f"{urls['qbo']}/oauth2/v1/tokens/bearer",
                "SEAMLINE_CONNECTORS_CRM_BASE_URL": urls["crm"],
                "SEAMLINE_CONNECTORS_DOCUMENTS_BASE_URL": urls["documents"],
                "SEAMLINE_CONNECTORS_RECEIVING_LOG_BASE_URL": urls["qbo"],  # the sandbox serves the receiving log
                "SEAMLINE_APPROVAL_PUBLIC_URL": f"http://127.0.0.1:{self.service_ports['approval']}",
                "SEAMLINE_APPROVAL_SMTP_PORT": str(self.port(8725)),
                "SEAMLINE_APPROVAL_CRM_BASE_URL": urls["crm"],
                "SEAMLINE_APPROVAL_QBO_BASE_URL": urls["qbo"],
                "SEAMLINE_APPROVAL_QBO_TOKEN_URL": f"{urls['qbo']}/oauth2/v1/tokens/bearer",
                "SEAMLINE_APPROVAL_SLACK_RESPONSE_URL_PREFIX": f"{urls['slack']}/actions/",
                "SEAMLINE_NOTIFIER_APPROVALS_WEBHOOK_URL": f"{urls['slack']}/services/T0DEMO/B0APPROVALS/approvals",
                "SEAMLINE_NOTIFIER_ALERTS_WEBHOOK_URL": f"{urls['slack']}/services/T0DEMO/B0ALERTS/alerts",
            }
        )
        for name, port in self.service_ports.items():
            env[f"SEAMLINE_{name.upper()}_HTTP_PORT"] = str(port)
        if self.anthropic:
            env["SEAMLINE_REASONING_ANTHROPIC_API_KEY"] = "sk-sandbox-key"
            env["SEAMLINE_REASONING_ANTHROPIC_BASE_URL"] = urls["anthropic"]
        env.update(self.extra_env)
        return env


def _read_env_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#"))
    return {k.strip(): v.strip() for k, v in pairs}


class Stack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        config.log_dir.mkdir(parents=True, exist_ok=True)

    def _spawn(self, name: str, args: list[str], env: dict[str, str] | None = None) -> None:
        log = (self.config.log_dir / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, *args],
            env={**self.config.env_for(name), **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )

    def start_sandboxes(self, as_of: str, invoices: int, customers: int) -> None:
        c = self.config
        self._spawn(
            "sandboxes",
            [
                "-m", "infra.sandboxes",
                "--qbo-port", str(c.port(8710)), "--crm-port", str(c.port(8711)),
                "--slack-port", str(c.port(8712)), "--anthropic-port", str(c.port(8713)),
                "--smtp-http-port", str(c.port(8714)), "--smtp-port", str(c.port(8725)),
                "--documents-port", str(c.port(8715)),
                "--as-of", as_of, "--invoices", str(invoices), "--customers", str(customers),
            ],
        )  # fmt: skip
        self._wait_http(f"{c.sandbox_urls['slack']}/_sandbox/messages", "sandboxes")

    def start_service(self, name: str, env: dict[str, str] | None = None) -> None:
        """Start one service; `env` overrides its settings for this run (a changed budget, say)."""
        self._spawn(name, ["-m", "services.cli", "run", name], env)
        self._wait_http(f"http://127.0.0.1:{self.config.service_ports[name]}/healthz", name)

    def start_services(self) -> None:
        for name in SERVICES:
            self._spawn(name, ["-m", "services.cli", "run", name])
        for name in SERVICES:
            self._wait_http(f"http://127.0.0.1:{self.config.service_ports[name]}/healthz", name)

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        process = self.processes.pop(name, None)
        if process is None:
            return
        process.send_signal(sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def stop_all(self) -> None:
        for name in reversed(list(self.processes)):
            self.stop(name)

    def _wait_http(self, url: str, name: str, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            process = self.processes[name]
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}; see {self.config.log_dir / name}.log")
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{name} not healthy after {timeout_s}s; see {self.config.log_dir / name}.log")
