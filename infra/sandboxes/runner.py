"""Run every sandbox in one asyncio loop: uvicorn servers for the HTTP apps plus the SMTP sink."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Callable, Generator
from dataclasses import dataclass, field
from datetime import date

import uvicorn
from starlette.applications import Starlette

from infra.sandboxes.anthropic_api import AnthropicState, build_anthropic_app
from infra.sandboxes.crm import CrmState, build_crm_app
from infra.sandboxes.documents import DocumentState, build_documents_app
from infra.sandboxes.qbo import build_qbo_app
from infra.sandboxes.qbo_ap_seed import seed_ap
from infra.sandboxes.qbo_seed import SeedParams, seed_company
from infra.sandboxes.qbo_state import QboState
from infra.sandboxes.slack import SlackState, build_slack_app
from infra.sandboxes.smtp import SmtpSinkState, build_smtp_listing_app, start_smtp_sink

SANDBOXES = ("qbo", "crm", "slack", "smtp", "anthropic", "documents")


@dataclass(frozen=True)
class SandboxConfig:
    host: str = "127.0.0.1"
    qbo_port: int = 8710
    crm_port: int = 8711
    slack_port: int = 8712
    anthropic_port: int = 8713
    smtp_http_port: int = 8714
    smtp_port: int = 8725
    documents_port: int = 8715
    as_of: date = field(default_factory=date.today)
    customers: int = 40
    invoices: int = 200
    seed: int = 42
    only: frozenset[str] = frozenset(SANDBOXES)


@dataclass
class SandboxStates:
    qbo: QboState = field(default_factory=QboState)
    crm: CrmState = field(default_factory=CrmState)
    slack: SlackState = field(default_factory=SlackState)
    smtp: SmtpSinkState = field(default_factory=SmtpSinkState)
    anthropic: AnthropicState = field(default_factory=AnthropicState)
    documents: DocumentState = field(default_factory=DocumentState)


@dataclass(frozen=True)
class RunningSandboxes:
    urls: dict[str, str]
    states: SandboxStates


class _EmbeddedServer(uvicorn.Server):
    """Leaves signal handling to whoever runs the loop: several servers share it."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def _bind(host: str, port: int) -> socket.socket:
    # Binding here (not in uvicorn) turns a busy port into an OSError instead of sys.exit. IPPROTO_TCP, not 0:
    # asyncio sets TCP_NODELAY only on accepted sockets whose proto says TCP, and without it every response
    # waits about 40 ms for the client's delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def _http_apps(config: SandboxConfig, states: SandboxStates) -> list[tuple[str, int, Starlette]]:
    apps: dict[str, tuple[str, int, Callable[[], Starlette]]] = {
        "qbo": ("qbo", config.qbo_port, lambda: build_qbo_app(states.qbo)),
        "crm": ("crm", config.crm_port, lambda: build_crm_app(states.crm)),
        "slack": ("slack", config.slack_port, lambda: build_slack_app(states.slack)),
        "anthropic": ("anthropic", config.anthropic_port, lambda: build_anthropic_app(states.anthropic)),
        "smtp": ("smtp-http", config.smtp_http_port, lambda: build_smtp_listing_app(states.smtp)),
        "documents": ("documents", config.documents_port, lambda: build_documents_app(states.documents)),
    }
    return [(name, port, build()) for key, (name, port, build) in apps.items() if key in config.only]


@contextlib.asynccontextmanager
async def running_sandboxes(
    config: SandboxConfig, states: SandboxStates | None = None
) -> AsyncIterator[RunningSandboxes]:
    """Start the selected sandboxes (port 0 picks a free port) and stop them on exit."""
    unknown = config.only - set(SANDBOXES)
    if unknown:
        raise ValueError(f"unknown sandboxes: {sorted(unknown)}")
    states = states or SandboxStates()
    if "qbo" in config.only and not states.qbo.summary:
        seed_company(states.qbo, SeedParams(config.as_of, config.customers, config.invoices, config.seed))
    if "qbo" in config.only and not states.qbo.ap_summary:
        seed_ap(states.qbo, config.as_of)

    urls: dict[str, str] = {}
    servers: list[tuple[_EmbeddedServer, asyncio.Task[None]]] = []
    smtp_server: asyncio.Server | None = None
    try:
        for name, port, app in _http_apps(config, states):
            sock = _bind(config.host, port)
            server = _EmbeddedServer(uvicorn.Config(app, log_level="warning", lifespan="off"))
            servers.append((server, asyncio.create_task(server.serve(sockets=[sock]))))
            urls[name] = f"http://{config.host}:{sock.getsockname()[1]}"
        if "smtp" in config.only:
            smtp_server = await start_smtp_sink(states.smtp, config.host, config.smtp_port)
            urls["smtp"] = f"smtp://{config.host}:{smtp_server.sockets[0].getsockname()[1]}"
        while not all(server.started for server, _ in servers):
            failed = [task for _, task in servers if task.done()]
            if failed:
                await failed[0]
                raise RuntimeError("a sandbox server stopped during start-up")
            await asyncio.sleep(0.01)
        yield RunningSandboxes(urls, states)
    finally:
        for server, _ in servers:
            server.should_exit = True
        await asyncio.gather(*(task for _, task in servers), return_exceptions=True)
        if smtp_server is not None:
            smtp_server.close()
            await smtp_server.wait_closed()


async def serve_sandboxes(config: SandboxConfig, stop: asyncio.Event | None = None) -> None:
    """Serve until `stop` is set (or the task is cancelled), printing one line per listener."""
    stop = stop or asyncio.Event()
    async with running_sandboxes(config) as running:
        for name, url in running.urls.items():
            print(f"sandbox {name} listening on {url}", flush=True)
        print("sandboxes ready", flush=True)
        await stop.wait()
