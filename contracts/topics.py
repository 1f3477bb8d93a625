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


def alerts_topic(pipeline: Pipeline) -> str:
    """Operator alerts a service raises about the pipeline (budget exhausted); the notifier posts them."""
    return topic(pipeline, "alerts")


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


class ContractReview:
    """contract_review: trigger -> raw -> validated -> chunked -> extracted -> reviewed -> approval -> actions."""

    TRIGGER: Final = topic(Pipeline.CONTRACT_REVIEW, "trigger")
    RAW: Final = topic(Pipeline.CONTRACT_REVIEW, "raw")
    VALIDATED: Final = topic(Pipeline.CONTRACT_REVIEW, "validated")
    CHUNKED: Final = topic(Pipeline.CONTRACT_REVIEW, "chunked")
    EXTRACTED: Final = topic(Pipeline.CONTRACT_REVIEW, "extracted")
    REVIEWED: Final = topic(Pipeline.CONTRACT_REVIEW, "reviewed")
    APPROVAL_REQUESTED: Final = topic(Pipeline.CONTRACT_REVIEW, "approval_requested")
    DECISIONS: Final = topic(Pipeline.CONTRACT_REVIEW, "decisions")
    ACTIONS: Final = topic(Pipeline.CONTRACT_REVIEW, "actions")
    AUDIT: Final = audit_topic(Pipeline.CONTRACT_REVIEW)
    DEADLETTER: Final = dead_letter_topic(Pipeline.CONTRACT_REVIEW)

    STAGES: Final = (TRIGGER, RAW, VALIDATED, CHUNKED, EXTRACTED, REVIEWED, APPROVAL_REQUESTED, DECISIONS, ACTIONS)


def all_topics(pipeline: Pipeline) -> tuple[str, ...]:
    """Stage topics plus the pipeline's audit and dead-letter topics."""
    stages: dict[Pipeline, tuple[str, ...]] = {
        Pipeline.INVOICE_FOLLOWUP: InvoiceFollowup.STAGES,
        Pipeline.CONTRACT_REVIEW: ContractReview.STAGES,
    }
    return (*stages.get(pipeline, ()), audit_topic(pipeline), alerts_topic(pipeline), dead_letter_topic(pipeline))
