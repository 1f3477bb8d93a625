from __future__ import annotations

from collections.abc import Collection

from contracts.envelope import Pipeline
from services.reasoning.bootstrap import build_deps
from services.reasoning.handlers import build_router
from services.reasoning.settings import ReasoningSettings
from shared.kernel import build_kernel
from shared.runtime import ServiceRuntime
from shared.settings import KernelSettings


def create_app(pipelines: Collection[Pipeline]) -> ServiceRuntime:
    settings = ReasoningSettings()
    kernel = build_kernel("reasoning", KernelSettings())
    kernel.broker.include_router(build_router(build_deps(kernel, settings), pipelines))
    return ServiceRuntime("reasoning", kernel.broker, settings.http_port)
