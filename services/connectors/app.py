from __future__ import annotations

from collections.abc import Collection

from contracts.envelope import Pipeline
from services.connectors.bootstrap import build_deps
from services.connectors.handlers import build_router
from services.connectors.scheduler import build_scheduler
from services.connectors.settings import ConnectorsSettings
from services.connectors.web import build_routes
from shared.kernel import build_kernel
from shared.metrics import PIPELINE_SCHEDULE_INTERVAL
from shared.runtime import ServiceRuntime
from shared.settings import KernelSettings


def create_app(pipelines: Collection[Pipeline]) -> ServiceRuntime:
    settings = ConnectorsSettings()
    kernel = build_kernel("connectors", KernelSettings())
    deps = build_deps(kernel, settings)
    kernel.broker.include_router(build_router(deps, pipelines))
    routes = build_routes(deps) if Pipeline.CONTRACT_REVIEW in pipelines else []
    runtime = ServiceRuntime("connectors", kernel.broker, settings.http_port, routes=routes)
    if Pipeline.INVOICE_FOLLOWUP in pipelines and settings.scan_interval_s > 0:
        scheduler = build_scheduler(
            kernel.publisher, kernel.redis(), kernel.settings.tenant, settings.qbo_realm_id, settings.scan_interval_s
        )

        async def start() -> None:
            PIPELINE_SCHEDULE_INTERVAL.labels(Pipeline.INVOICE_FOLLOWUP.value).set(settings.scan_interval_s)
            scheduler.start()

        async def stop() -> None:
            scheduler.shutdown(wait=False)

        runtime.on_start.append(start)
        runtime.on_stop.append(stop)
    return runtime
