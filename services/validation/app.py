from __future__ import annotations

from collections.abc import Collection

from contracts.pipeline import PipelineSpec
from services.validation.bootstrap import build_deps, build_parts
from services.validation.handlers import build_router
from services.validation.settings import ValidationSettings
from shared.kernel import build_kernel
from shared.runtime import ServiceRuntime
from shared.settings import KernelSettings


def create_app(specs: Collection[PipelineSpec]) -> ServiceRuntime:
    settings = ValidationSettings()
    deps = build_deps(build_kernel("validation", KernelSettings()), settings)
    parts = build_parts(deps, specs)
    deps.kernel.broker.include_router(build_router(deps, parts))
    runtime = ServiceRuntime("validation", deps.kernel.broker, settings.http_port)
    parts.attach(runtime, deps)
    return runtime
