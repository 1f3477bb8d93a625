"""The validation service subscribes each pipeline's handlers, as its part (services/validation/pipelines/)
declares them."""

from __future__ import annotations

from faststream.kafka import KafkaRouter

from services.validation.bootstrap import ValidationDeps
from shared.parts import PipelineParts


def build_router(deps: ValidationDeps, parts: PipelineParts[ValidationDeps]) -> KafkaRouter:
    return parts.router(deps)
