from __future__ import annotations

from collections.abc import Collection

from contracts.envelope import Pipeline
from services.rules.bootstrap import build_deps
from services.rules.handlers import build_router
from services.rules.settings import RulesSettings
from shared.kernel import build_kernel
from shared.runtime import ServiceRuntime
from shared.settings import KernelSettings


def create_app(pipelines: Collection[Pipeline]) -> ServiceRuntime:
    settings = RulesSettings()
    kernel = build_kernel("rules", KernelSettings())
    kernel.broker.include_router(build_router(build_deps(kernel, settings), pipelines))
    return ServiceRuntime("rules", kernel.broker, settings.http_port)
