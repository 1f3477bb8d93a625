"""The connectors subscribe each pipeline's handlers, as its part (services/connectors/pipelines/) declares them."""

from __future__ import annotations

from faststream.kafka import KafkaRouter

from services.connectors.bootstrap import ConnectorsDeps
from shared.parts import PipelineParts


def build_router(deps: ConnectorsDeps, parts: PipelineParts[ConnectorsDeps]) -> KafkaRouter:
    return parts.router(deps)
