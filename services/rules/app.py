from __future__ import annotations

from collections.abc import Collection

from contracts.pipeline import PipelineSpec
from services.rules.bootstrap import build_deps, build_parts
from services.rules.handlers import build_router
from services.rules.settings import RulesSettings
from shared.kernel import build_kernel
from shared.runtime import ServiceRuntime
from shared.settings import KernelSettings


def create_app(specs: Collection[PipelineSpec]) -> ServiceRuntime:
    settings = RulesSettings()
    deps = build_deps(build_kernel("rules", KernelSettings()), settings)
    parts = build_parts(deps, specs)
    deps.kernel.broker.include_router(build_router(deps, parts))
    runtime = ServiceRuntime("rules", deps.kernel.broker, settings.http_port)
    parts.attach(runtime, deps)
    return runtime
