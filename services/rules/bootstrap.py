"""Picks the rules service's adapters: each pipeline's part builds its own; tests hand fakes by pipeline name."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from contracts.pipeline import PipelineSpec
from services.rules import pipelines
from services.rules.settings import RulesSettings
from shared.kernel import Kernel
from shared.parts import PipelineParts


@dataclass
class RulesDeps:
    kernel: Kernel
    settings: RulesSettings


def build_deps(kernel: Kernel, settings: RulesSettings) -> RulesDeps:
    return RulesDeps(kernel, settings)


def build_parts(
    deps: RulesDeps, specs: Collection[PipelineSpec], ports: Mapping[str, Any] | None = None
) -> PipelineParts[RulesDeps]:
    return PipelineParts.load(pipelines.__name__, specs, deps, ports)
