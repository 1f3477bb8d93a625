from __future__ import annotations

from collections.abc import Collection

from contracts.envelope import Pipeline
from services.validation.bootstrap import build_deps
from services.validation.handlers import build_router
from services.validation.settings import ValidationSettings
from shared.kernel import build_kernel
from shared.runtime import ServiceRuntime
from shared.settings import KernelSettings


def create_app(pipelines: Collection[Pipeline]) -> ServiceRuntime:
    settings = ValidationSettings()
    kernel = build_kernel("validation", KernelSettings())
    kernel.broker.include_router(build_router(build_deps(kernel, settings.max_document_bytes), pipelines))
    return ServiceRuntime("validation", kernel.broker, settings.http_port)
