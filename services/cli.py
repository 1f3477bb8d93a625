"""The `seamline` command: run a service, trigger a pipeline run, the demo, reports and dead letters."""

from __future__ import annotations

import asyncio
import importlib
from datetime import datetime

import click

from contracts import deadletter as dl
from contracts.pipeline import PipelineSpec
from contracts.registry import UnknownPipeline, names, parse_names
from shared.settings import KernelSettings

SERVICES = ("connectors", "validation", "rules", "reasoning", "approval", "notifier")
ALL_PIPELINES = ",".join(names())


def _pipelines(value: str) -> list[PipelineSpec]:
    """The registered pipelines named; an unknown name is refused with the list of known ones."""
    try:
        chosen = list(parse_names(value))
    except UnknownPipeline as exc:
        raise click.BadParameter(str(exc)) from exc
    if not chosen:
        raise click.BadParameter(f"name at least one pipeline; known: {ALL_PIPELINES}")
    return chosen


class _WithPipelineCommands(click.Group):
    """The built-in commands, then each pipeline's own (its ops part's `commands`, e.g. `seamline ap check`),
    loaded only when a command is not built in."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        from services.ops.parts import pipeline_commands

        return [*super().list_commands(ctx), *sorted(pipeline_commands())]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        from services.ops.parts import pipeline_commands

        return super().get_command(ctx, cmd_name) or pipeline_commands().get(cmd_name)


@click.group(cls=_WithPipelineCommands)
def main() -> None:
    """Seamline: back-office pipelines on Kafka."""


@main.command()
@click.argument("service", type=click.Choice(SERVICES))
@click.option("--pipelines", default=ALL_PIPELINES, show_default=True, help="comma-separated subset of the registry")
def run(service: str, pipelines: str) -> None:
    """Run one service until SIGTERM."""
    from shared.lag import lag_reporter
    from shared.logging import configure_logging
    from shared.runtime import serve
    from shared.topic_admin import ensure_topics

    kernel = KernelSettings()
    configure_logging(service, kernel.log_level)
    chosen = _pipelines(pipelines)
    app = importlib.import_module(f"services.{service}.app")

    async def go() -> None:
        await ensure_topics(kernel.kafka_bootstrap_servers, [t for p in chosen for t in p.topics])
        runtime = app.create_app(chosen)
        runtime.background.append(lambda: lag_reporter(kernel.kafka_bootstrap_servers, service))
        await serve(runtime, kernel.http_host)

    asyncio.run(go())


class _Triggerable(click.ParamType):  # type: ignore[type-arg]
    """A registered pipeline that can be started by command (hyphens are read as underscores)."""

    name = "pipeline"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from services.ops.parts import triggerable

        name = str(value).replace("-", "_")
        known = triggerable()
        if name not in known:
            self.fail(f"{value!r} cannot be triggered; pipelines started by command: {', '.join(known)}", param, ctx)
        return name


@main.command()
@click.argument("pipeline", type=_Triggerable())
def trigger(pipeline: str) -> None:
    """Start one pipeline run now (the schedule sends the same command); prints the run's correlation id."""
    from services.ops.parts import triggerable
    from services.ops.stack import StackConfig

    kernel = KernelSettings()
    config = StackConfig(kafka=kernel.kafka_bootstrap_servers, tenant=kernel.tenant)
    send = triggerable()[pipeline].trigger
    assert send is not None
    click.echo(asyncio.run(send(config, "cli")))


@main.command()
@click.argument("correlation_id")
def report(correlation_id: str) -> None:
    """Summarise one run: what each pipeline it reached did with it."""
    from services.ops.parts import ops_parts
    from services.ops.stack import StackConfig

    config = StackConfig(kafka=KernelSettings().kafka_bootstrap_servers)

    async def gather() -> list[str]:
        found = [await part.report(config, correlation_id) for part in ops_parts().values()]
        return [text for text in found if text]

    sections = asyncio.run(gather())
    if not sections:
        raise click.ClickException(f"no pipeline has records of run {correlation_id}")
    click.echo("\n\n".join(sections))


@main.command()
@click.option("--invoices", default=200, show_default=True)
@click.option("--customers", default=40, show_default=True)
@click.option("--keep-running/--exit", default=None, help="default: keep running when attached to a terminal")
def demo(invoices: int, customers: int, keep_running: bool | None) -> None:
    """Start everything, run every pipeline on the seeded data, print what happened."""
    from services.ops.demo import main as run_demo

    run_demo(invoices, customers, keep_running)


@main.group()
def deadletters() -> None:
    """List, show and replay dead letters."""


@deadletters.command("list")
@click.option("--pipeline", "pipelines", default=ALL_PIPELINES, show_default=True)
@click.option("--error-type", default=None)
@click.option("--service", default=None)
@click.option("--since", type=click.DateTime(), default=None, help="UTC, e.g. 2026-11-21T09:00:00")
def list_(pipelines: str, error_type: str | None, service: str | None, since: datetime | None) -> None:
    from datetime import UTC

    from services.ops.deadletters import list_dead_letters

    bootstrap = KernelSettings().kafka_bootstrap_servers
    found = asyncio.run(
        list_dead_letters(
            bootstrap,
            [p.name for p in _pipelines(pipelines)],
            error_type,
            service,
            since.replace(tzinfo=UTC) if since else None,
        )
    )
    for letter in found:
        h = letter.headers
        click.echo(
            f"{letter.ref}  {h.get(dl.FAILED_AT, '')[:19]}  {h.get(dl.ERROR_TYPE)}  {h.get(dl.SERVICE)}  "
            f"field={h.get(dl.ERROR_FIELD) or '-'}  replays={h.get(dl.REPLAY_COUNT, '0')}  "
            f"{h.get(dl.ERROR_MESSAGE, '')[:80]}"
        )
    click.echo(f"{len(found)} dead letters")


@deadletters.command()
@click.argument("ref")
def show(ref: str) -> None:
    """REF is topic:partition:offset as `list` prints it."""
    from services.ops.deadletters import fetch

    letter = asyncio.run(fetch(KernelSettings().kafka_bootstrap_servers, ref))
    click.echo(f"dead letter {letter.ref}  key={letter.key!r}")
    for k, v in sorted(letter.headers.items()):
        click.echo(f"  {k}: {v}")
    click.echo("payload:")
    click.echo(letter.value.decode(errors="replace"))


@deadletters.command()
@click.argument("ref")
def replay(ref: str) -> None:
    """Republish a dead letter to its source topic after a fix."""
    from services.ops.deadletters import replay as do_replay

    try:
        target = asyncio.run(do_replay(KernelSettings().kafka_bootstrap_servers, ref))
    except PermissionError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"replayed {ref} to {target}")


@main.group()
def actions() -> None:
    """Close actions the approval service reported uncertain (an attempt cut off mid-send)."""


@actions.command()
@click.argument("request_id")
@click.argument("action")
@click.option("--sent/--not-sent", required=True, help="--sent: it went out, record it; --not-sent: send it now, once")
@click.option("--operator", required=True, help="who checked, recorded in the audit trail")
@click.option("--reason", default="", help="what was checked")
@click.option("--api", envvar="SEAMLINE_APPROVAL_PUBLIC_URL", default="http://127.0.0.1:8805", show_default=True)
@click.option("--token", envvar="SEAMLINE_APPROVAL_API_TOKEN", required=True, help="the approval API token")
def resolve(  # noqa: PLR0917 - click passes every option
    request_id: str, action: str, sent: bool, operator: str, reason: str, api: str, token: str
) -> None:
    """Resolve an uncertain ACTION of approval request REQUEST_ID after checking the outside world."""
    import httpx

    body = {"outcome": "sent" if sent else "not_sent", "operator": operator, "reason": reason}
    answer = httpx.post(
        f"{api.rstrip('/')}/approvals/{request_id}/actions/{action}/resolve",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    if answer.status_code != httpx.codes.OK:
        raise click.ClickException(f"{answer.status_code}: {answer.json().get('error', answer.text)}")
    click.echo(f"{action} for {request_id}: {answer.json()['status']} ({answer.json()['detail']})")


if __name__ == "__main__":
    main()
