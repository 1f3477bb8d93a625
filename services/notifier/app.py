from __future__ import annotations

from collections.abc import Collection

from contracts.envelope import Pipeline
from services.notifier.bootstrap import build_deps
from services.notifier.handlers import build_router
from services.notifier.settings import NotifierSettings
from services.notifier.web import build_routes
from shared.kernel import build_kernel
from shared.runtime import ServiceRuntime
from shared.settings import KernelSettings


def create_app(pipelines: Collection[Pipeline]) -> ServiceRuntime:
    settings = NotifierSettings()
    kernel = build_kernel("notifier", KernelSettings())
    deps = build_deps(kernel, settings)
    kernel.broker.include_router(build_router(deps, pipelines))
    return ServiceRuntime("notifier", kernel.broker, settings.http_port, routes=build_routes(deps))
