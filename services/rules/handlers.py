"""The rules service subscribes each pipeline's handlers, as its part (services/rules/pipelines/) declares them."""

from __future__ import annotations

from faststream.kafka import KafkaRouter

from services.rules.bootstrap import RulesDeps
from shared.parts import PipelineParts


def build_router(deps: RulesDeps, parts: PipelineParts[RulesDeps]) -> KafkaRouter:
    return parts.router(deps)
