"""`python -m infra.sandboxes`: serve every sandbox until SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import asyncio
import signal
from collections.abc import Sequence
from datetime import date

from infra.sandboxes.runner import SANDBOXES, SandboxConfig, serve_sandboxes


def parse_args(argv: Sequence[str] | None = None) -> SandboxConfig:
    defaults = SandboxConfig()
    parser = argparse.ArgumentParser(prog="python -m infra.sandboxes", description=__doc__)
    parser.add_argument("--host", default=defaults.host)
    for name in ("qbo", "crm", "slack", "anthropic", "smtp-http", "smtp", "documents"):
        attr = f"{name.replace('-', '_')}_port"
        parser.add_argument(f"--{name}-port", dest=attr, type=int, default=getattr(defaults, attr))
    parser.add_argument("--as-of", type=date.fromisoformat, default=defaults.as_of, help="YYYY-MM-DD")
    parser.add_argument("--customers", type=int, default=defaults.customers)
    parser.add_argument("--invoices", type=int, default=defaults.invoices)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--only", default=",".join(SANDBOXES), help=f"comma list of {','.join(SANDBOXES)}")
    args = parser.parse_args(argv)
    only = frozenset(part.strip() for part in args.only.split(",") if part.strip())
    if not only or only - set(SANDBOXES):
        parser.error(f"--only takes a comma list of {','.join(SANDBOXES)}")
    return SandboxConfig(
        host=args.host,
        qbo_port=args.qbo_port,
        crm_port=args.crm_port,
        slack_port=args.slack_port,
        anthropic_port=args.anthropic_port,
        smtp_http_port=args.smtp_http_port,
        smtp_port=args.smtp_port,
        documents_port=args.documents_port,
        as_of=args.as_of,
        customers=args.customers,
        invoices=args.invoices,
        seed=args.seed,
        only=only,
    )


async def _main(config: SandboxConfig) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await serve_sandboxes(config, stop)


if __name__ == "__main__":
    asyncio.run(_main(parse_args()))
