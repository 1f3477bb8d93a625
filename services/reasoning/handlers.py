"""The reasoning service subscribes each pipeline's handlers, as its part (reasoning/pipelines/) declares them."""

from __future__ import annotations

from faststream.kafka import KafkaRouter

from services.reasoning.bootstrap import ReasoningDeps
from shared.parts import PipelineParts


def build_router(deps: ReasoningDeps, parts: PipelineParts[ReasoningDeps]) -> KafkaRouter:
    return parts.router(deps)
