"""Assembles the validation service: each pipeline's part builds its own limits; tests hand others by name."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from contracts.pipeline import PipelineSpec
from services.validation import pipelines
from services.validation.settings import ValidationSettings
from shared.kernel import Kernel
from shared.parts import PipelineParts


@dataclass
class ValidationDeps:
    kernel: Kernel
    settings: ValidationSettings


def build_deps(kernel: Kernel, settings: ValidationSettings) -> ValidationDeps:
    return ValidationDeps(kernel, settings)


def build_parts(
    deps: ValidationDeps, specs: Collection[PipelineSpec], ports: Mapping[str, Any] | None = None
) -> PipelineParts[ValidationDeps]:
    return PipelineParts.load(pipelines.__name__, specs, deps, ports)
