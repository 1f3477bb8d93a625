from __future__ import annotations

from collections.abc import Collection

from starlette.routing import BaseRoute

from contracts.pipeline import PipelineSpec
from services.approval.bootstrap import build_deps, build_parts
from services.approval.gauges import report_pending
from services.approval.handlers import build_router
from services.approval.rebuild import rebuild_if_lost
from services.approval.resolve_web import build_resolve_routes
from services.approval.settings import ApprovalSettings
from services.approval.slack_web import build_slack_routes
from services.approval.web import build_routes
from shared.kernel import build_kernel
from shared.runtime import ServiceRuntime
from shared.settings import KernelSettings


def create_app(specs: Collection[PipelineSpec]) -> ServiceRuntime:
    settings = ApprovalSettings()
    kernel = build_kernel("approval", KernelSettings())
    deps = build_deps(kernel, settings)
    parts = build_parts(deps, specs)
    kernel.broker.include_router(build_router(deps, parts))
    routes: list[BaseRoute] = [*build_routes(deps), *build_slack_routes(deps), *build_resolve_routes(deps)]
    runtime = ServiceRuntime("approval", kernel.broker, settings.http_port, routes=routes)
    parts.attach(runtime, deps)

    redis = kernel.redis()

    async def rebuild() -> int:
        return await rebuild_if_lost(deps, redis)

    deps.ensure_index = rebuild
    runtime.before_start.append(rebuild)
    names = [spec.name for spec in specs]
    runtime.background.append(lambda: report_pending(deps.store, names, rebuild, settings.approval_sla_s))
    return runtime
