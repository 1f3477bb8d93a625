from __future__ import annotations

from collections.abc import Collection

from contracts.envelope import Pipeline
from services.notifier.bootstrap import build_deps
from services.notifier.handlers import build_router
from services.notifier.settings import NotifierSettings
from shared.kernel import build_kernel
from shared.runtime import ServiceRuntime
from shared.settings import KernelSettings


def create_app(pipelines: Collection[Pipeline]) -> ServiceRuntime:
    settings = NotifierSettings()
    kernel = build_kernel("notifier", KernelSettings())
    kernel.broker.include_router(build_router(build_deps(kernel, settings), pipelines))
    return ServiceRuntime("notifier", kernel.broker, settings.http_port)
