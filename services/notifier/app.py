from __future__ import annotations

from collections.abc import Collection

from contracts.pipeline import PipelineSpec
from services.notifier.bootstrap import build_deps, build_parts
from services.notifier.handlers import build_router
from services.notifier.settings import NotifierSettings
from services.notifier.web import build_routes
from shared.kernel import build_kernel
from shared.runtime import ServiceRuntime
from shared.settings import KernelSettings


def create_app(specs: Collection[PipelineSpec]) -> ServiceRuntime:
    settings = NotifierSettings()
    deps = build_deps(build_kernel("notifier", KernelSettings()), settings)
    parts = build_parts(deps, specs)
    deps.kernel.broker.include_router(build_router(deps, parts))
    runtime = ServiceRuntime("notifier", deps.kernel.broker, settings.http_port)
    runtime.routes.extend(build_routes(deps))
    parts.attach(runtime, deps)
    return runtime
