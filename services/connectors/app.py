from __future__ import annotations

from collections.abc import Collection

from contracts.pipeline import PipelineSpec
from services.connectors.bootstrap import attach_intuit, build_deps, build_parts
from services.connectors.handlers import build_router
from services.connectors.settings import ConnectorsSettings
from shared.kernel import build_kernel
from shared.runtime import ServiceRuntime
from shared.settings import KernelSettings


def create_app(specs: Collection[PipelineSpec]) -> ServiceRuntime:
    settings = ConnectorsSettings()
    deps = build_deps(build_kernel("connectors", KernelSettings()), settings)
    parts = build_parts(deps, specs)
    deps.kernel.broker.include_router(build_router(deps, parts))
    runtime = ServiceRuntime("connectors", deps.kernel.broker, settings.http_port)
    parts.attach(runtime, deps)
    attach_intuit(runtime, deps)
    return runtime
