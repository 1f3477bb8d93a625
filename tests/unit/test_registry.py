"""The registry is the one list of pipelines: every registered pipeline has every part, and nothing outside the
registry and a pipeline's own files names a pipeline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from contracts.approval import ApprovalPayload
from contracts.pipeline import PipelineSpec, Topic
from contracts.registry import PIPELINES, UnknownPipeline, names, parse_names
from services.cli import main
from services.ops.parts import OpsPart, ops_parts
from shared.parts import ServicePart, load_part

REPO = Path(__file__).resolve().parents[2]
SERVICES = ("connectors", "validation", "rules", "reasoning", "approval", "notifier")


@pytest.mark.parametrize("spec", PIPELINES, ids=lambda s: s.name)
def test_a_registered_pipeline_has_every_part(spec: PipelineSpec) -> None:
    assert spec.stages and all(isinstance(t, Topic) for t in spec.stages)
    assert spec.approval_source in spec.stages
    assert spec.action_kinds
    assert issubclass(spec.approval_payload, ApprovalPayload)
    assert len(set(spec.topics)) == len(spec.topics)
    for service in SERVICES:
        assert isinstance(load_part(f"services.{service}.pipelines", spec, ServicePart), ServicePart)
    assert isinstance(load_part("services.ops.pipelines", spec, OpsPart), OpsPart)


def test_only_pipelines_started_by_command_can_be_triggered() -> None:
    startable = [spec.name for spec, part in ops_parts().items() if part.trigger is not None]
    assert startable, "no registered pipeline can be started by command"
    chosen = main.commands["trigger"].params[0].type
    for spec in PIPELINES:
        if spec.name in startable:
            assert chosen.convert(spec.name.replace("_", "-"), None, None) == spec.name
        else:
            answer = CliRunner().invoke(main, ["trigger", spec.name])
            assert answer.exit_code == 2 and "cannot be triggered" in answer.output, answer.output
            assert ", ".join(startable) in answer.output


def test_an_unknown_pipeline_is_refused_with_the_known_ones() -> None:
    with pytest.raises(UnknownPipeline, match="known: " + ", ".join(names())):
        parse_names("invoice_followup,ap_matching_typo")
    answer = CliRunner().invoke(main, ["run", "rules", "--pipelines", "nope"])
    assert answer.exit_code != 0 and "unknown pipeline 'nope'" in answer.output


def test_compose_runs_every_service_for_every_registered_pipeline() -> None:
    """Compose names no pipeline: `seamline run <service>` runs every registered one."""
    compose = (REPO / "docker-compose.yml").read_text()
    for service in SERVICES:
        line = next(x for x in compose.splitlines() if f'"run", "{service}"' in x)
        assert "--pipelines" not in line.split("#")[0], line
    (option,) = (p for p in main.commands["run"].params if p.name == "pipelines")
    assert option.default == ",".join(names())


def _names_a_pipeline() -> re.Pattern[str]:
    words = []
    for spec in PIPELINES:
        words.append(re.escape(spec.name))
        words.append(re.escape(spec.name.replace("_", "-")))
        words.append("".join(part.title() for part in spec.name.split("_")))
    return re.compile("|".join(words))


def _own_files(path: Path) -> bool:
    relative = path.relative_to(REPO).as_posix()
    if relative == "contracts/registry.py" or any(relative == f"contracts/{n}.py" for n in names()):
        return True
    return any(f"/pipelines/{n}/" in f"/{relative}" or relative.endswith(f"/pipelines/{n}.py") for n in names())


def test_nothing_outside_the_registry_and_a_pipelines_home_names_a_pipeline() -> None:
    """Known exceptions are listed with why; the list may only shrink."""
    allowed = {
        "contracts/asyncapi.json",  # generated from the registry
    }
    pattern = _names_a_pipeline()
    offenders = []
    for folder in ("services", "shared", "contracts"):
        for path in sorted((REPO / folder).rglob("*.py")):
            relative = path.relative_to(REPO).as_posix()
            if _own_files(path) or relative in allowed:
                continue
            if pattern.search(path.read_text()):
                offenders.append(relative)
    assert offenders == []
