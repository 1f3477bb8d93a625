"""Topic names: `<pipeline>.<stage>.v<N>`. Each pipeline declares its own in its spec (contracts/<pipeline>.py);
these read any registered pipeline's names for the plumbing that serves them all."""

from __future__ import annotations

from contracts.envelope import registered_pipeline
from contracts.pipeline import topic_name as topic
from contracts.registry import spec

__all__ = ["alerts_topic", "audit_topic", "dead_letter_topic", "pipeline_of", "topic"]


def pipeline_of(name: str) -> str:
    """The registered pipeline a topic belongs to (its first dotted segment); a ValueError for any other."""
    return registered_pipeline(name.split(".", 1)[0])


def dead_letter_topic(pipeline: str) -> str:
    return spec(pipeline).dead_letter


def audit_topic(pipeline: str) -> str:
    return spec(pipeline).audit


def alerts_topic(pipeline: str) -> str:
    """Operator alerts a service raises about the pipeline (budget exhausted); the notifier posts them."""
    return spec(pipeline).alerts
