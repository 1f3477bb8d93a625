"""What the operator tools (`seamline demo`, `trigger`, `report`) need from each pipeline, found through the
registry: no tool here names a pipeline."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

import click

from contracts.pipeline import PipelineSpec
from contracts.registry import PIPELINES
from services.ops.stack import StackConfig
from shared.parts import load_parts


@dataclass(frozen=True)
class OpsPart:
    """`demo` runs the pipeline on the running demo stack and returns what to print; `report` summarises one run
    by correlation id (None when the run never reached this pipeline); `trigger`, where the pipeline can be
    started by command, sends that command and returns the run's correlation id."""

    demo: Callable[[StackConfig], Coroutine[Any, Any, str]]
    report: Callable[[StackConfig, str], Coroutine[Any, Any, str | None]]
    trigger: Callable[[StackConfig, str], Coroutine[Any, Any, str]] | None = None
    commands: click.Group | None = None
    """The pipeline's own operator commands, mounted as `seamline <group name> ...`."""


def ops_parts(specs: Iterable[PipelineSpec] = PIPELINES) -> dict[PipelineSpec, OpsPart]:
    return load_parts("services.ops.pipelines", specs, OpsPart)


@cache
def pipeline_commands() -> dict[str, click.Command]:
    groups = [part.commands for part in ops_parts().values() if part.commands is not None]
    return {group.name: group for group in groups if group.name}


def triggerable() -> dict[str, OpsPart]:
    return {spec.name: part for spec, part in ops_parts().items() if part.trigger is not None}
