"""How a service finds its part of each pipeline: the module `services/<service>/pipelines/<pipeline>.py` (or a
package of that name) exposes `PART`, an instance of the service's part type. No service lists the pipelines;
the registry does, and a pipeline that lacks a part in a service fails at start-up, naming the module."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from faststream.kafka import KafkaRouter

from contracts.pipeline import PipelineSpec
from shared.runtime import ServiceRuntime

T = TypeVar("T")


class MissingPart(LookupError):
    pass


H = TypeVar("H", bound=Callable[..., Any])


def decoding(handler: H, **types: Any) -> H:
    """A handler written once for every pipeline, told one pipeline's message types: FastStream decodes by the
    handler's annotations, and a pipeline's payload type is known only when its part is loaded."""
    handler.__annotations__ = {**handler.__annotations__, **types}
    return handler


def load_part(package: str, spec: PipelineSpec, kind: type[T]) -> T:
    module_name = f"{package}.{spec.name}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        raise MissingPart(f"pipeline {spec.name} has no part in {package}: add {module_name}") from None
    part = getattr(module, "PART", None)
    if not isinstance(part, kind):
        raise MissingPart(f"{module_name}.PART must be a {kind.__name__}")
    return part


def load_parts(package: str, specs: Iterable[PipelineSpec], kind: type[T]) -> dict[PipelineSpec, T]:
    return {spec: load_part(package, spec, kind) for spec in specs}


D = TypeVar("D")
X = TypeVar("X")


def _nothing(*_: object) -> None:
    return None


@dataclass(frozen=True)
class ServicePart(Generic[D, X]):
    """One pipeline's part in one service. `ports` builds the pipeline's own adapters from the service's
    dependencies `D` (tests hand fakes instead); `subscribe` adds its handlers; `attach` may add HTTP routes
    and start/stop hooks to the running service."""

    ports: Callable[[D], X]
    subscribe: Callable[[KafkaRouter, D, X], None]
    attach: Callable[[ServiceRuntime, D, X], None] = _nothing


@dataclass
class PipelineParts(Generic[D]):
    """The parts a service runs, with the ports each was given: what `build_router` and `attach` loop over."""

    parts: dict[PipelineSpec, ServicePart[D, Any]] = field(default_factory=dict)
    ports: dict[PipelineSpec, Any] = field(default_factory=dict)

    @classmethod
    def load(
        cls, package: str, specs: Iterable[PipelineSpec], deps: D, ports: Mapping[str, Any] | None = None
    ) -> PipelineParts[D]:
        """Each pipeline's part, with the ports given for it by name (fakes in tests) or else its real ones."""
        given = dict(ports or {})
        loaded = cls()
        for spec, part in load_parts(package, specs, ServicePart).items():
            loaded.parts[spec] = part
            loaded.ports[spec] = given.pop(spec.name) if spec.name in given else part.ports(deps)
        if given:
            raise MissingPart(f"ports given for pipelines not run here: {', '.join(sorted(given))}")
        return loaded

    def router(self, deps: D) -> KafkaRouter:
        router = KafkaRouter()
        for spec, part in self.parts.items():
            part.subscribe(router, deps, self.ports[spec])
        return router

    def attach(self, runtime: ServiceRuntime, deps: D) -> None:
        for spec, part in self.parts.items():
            part.attach(runtime, deps, self.ports[spec])
