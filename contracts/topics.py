"""Every topic name, declared once: `<pipeline>.<stage>.v<N>`.

Each pipeline lists its stages in order; dead letters and audit records stay inside the pipeline so a
failure in one pipeline never reaches another.
"""

from __future__ import annotations

from typing import Final

from contracts.envelope import Pipeline


def topic(pipeline: Pipeline, stage: str, version: int = 1) -> str:
    return f"{pipeline.value}.{stage}.v{version}"


def pipeline_of(topic_name: str) -> Pipeline:
    """The pipeline a topic belongs to (its first dotted segment)."""
    return Pipeline(topic_name.split(".", 1)[0])


def dead_letter_topic(pipeline: Pipeline) -> str:
    return topic(pipeline, "deadletter")


def audit_topic(pipeline: Pipeline) -> str:
    return topic(pipeline, "audit")


class InvoiceFollowup:
    """invoice_followup: trigger -> raw -> validated -> decided|skipped -> drafted -> approval -> actions."""

    TRIGGER: Final = topic(Pipeline.INVOICE_FOLLOWUP, "trigger")
    RAW: Final = topic(Pipeline.INVOICE_FOLLOWUP, "raw")
    VALIDATED: Final = topic(Pipeline.INVOICE_FOLLOWUP, "validated")
    DECIDED: Final = topic(Pipeline.INVOICE_FOLLOWUP, "decided")
    SKIPPED: Final = topic(Pipeline.INVOICE_FOLLOWUP, "skipped")
    DRAFTED: Final = topic(Pipeline.INVOICE_FOLLOWUP, "drafted")
    APPROVAL_REQUESTED: Final = topic(Pipeline.INVOICE_FOLLOWUP, "approval_requested")
    DECISIONS: Final = topic(Pipeline.INVOICE_FOLLOWUP, "decisions")
    ACTIONS: Final = topic(Pipeline.INVOICE_FOLLOWUP, "actions")
    AUDIT: Final = audit_topic(Pipeline.INVOICE_FOLLOWUP)
    DEADLETTER: Final = dead_letter_topic(Pipeline.INVOICE_FOLLOWUP)

    STAGES: Final = (TRIGGER, RAW, VALIDATED, DECIDED, SKIPPED, DRAFTED, APPROVAL_REQUESTED, DECISIONS, ACTIONS)


def all_topics(pipeline: Pipeline) -> tuple[str, ...]:
    """Stage topics plus the pipeline's audit and dead-letter topics."""
    stages: dict[Pipeline, tuple[str, ...]] = {Pipeline.INVOICE_FOLLOWUP: InvoiceFollowup.STAGES}
    return (*stages.get(pipeline, ()), audit_topic(pipeline), dead_letter_topic(pipeline))
