"""What a pipeline is, declared once in its own contracts module: its stages as typed topics, its action kinds,
its approval payload, and the audit, alert and dead-letter topics every pipeline has.

A `Topic` is the topic's name (a str, so consumers and tools take it as it is) bound to the payload type every
message on it carries; the publisher refuses an envelope whose payload is of another type before sending it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from contracts.alerts import OperatorAlert
from contracts.approval import ActionExecuted, ApprovalDecided, ApprovalPayload, ApprovalRequested, request_type
from contracts.audit import AuditRecord
from contracts.envelope import Contract, Envelope

P = TypeVar("P", bound=Contract)


def topic_name(pipeline: str, stage: str, version: int = 1) -> str:
    return f"{pipeline}.{stage}.v{version}"


class WrongTopic(TypeError):
    """A payload published on a topic declared for another payload type: a programming error, never sent."""


class Topic(str, Generic[P]):
    """`<pipeline>.<stage>.v<N>`, bound to the payload type its messages carry."""

    payload: type[P]

    def __new__(cls, pipeline: str, stage: str, payload: type[P], version: int = 1) -> Topic[P]:
        made = super().__new__(cls, topic_name(pipeline, stage, version))
        made.payload = payload
        return made

    @property
    def stage(self) -> str:
        return self.split(".")[1]

    def check(self, envelope: Envelope[Any]) -> None:
        if not isinstance(envelope.payload, self.payload):
            raise WrongTopic(f"{type(envelope.payload).__name__} on {self}, which carries {self.payload.__name__}")


@dataclass(frozen=True)
class PipelineSpec:
    """One pipeline. `stages` are its own topics in order, trigger first; the approval, decision, action,
    audit, alert and dead-letter topics follow from the name."""

    name: str
    stages: tuple[Topic[Any], ...]
    approval_source: Topic[Any]
    """The stage whose messages become approval requests."""
    action_kinds: frozenset[str]
    approval_payload: type[ApprovalPayload]
    approval_legacy_field: str | None = None
    """The field of ApprovalRequested v1 that carried this pipeline's payload, for the upcaster."""
    approval_request: type[ApprovalRequested] = field(init=False)
    """ApprovalRequested with this pipeline's payload type: what subscribers to `approval_requested` decode."""
    approval_requested: Topic[ApprovalRequested] = field(init=False)
    decisions: Topic[ApprovalDecided] = field(init=False)
    actions: Topic[ActionExecuted] = field(init=False)
    audit: Topic[AuditRecord] = field(init=False)
    alerts: Topic[OperatorAlert] = field(init=False)
    dead_letter: str = field(init=False)
    """Holds the original bytes of failed messages, not envelopes: a plain name."""

    def __post_init__(self) -> None:
        setters = {
            "approval_request": request_type(self.approval_payload),
            "approval_requested": Topic(self.name, "approval_requested", ApprovalRequested),
            "decisions": Topic(self.name, "decisions", ApprovalDecided),
            "actions": Topic(self.name, "actions", ActionExecuted),
            "audit": Topic(self.name, "audit", AuditRecord),
            "alerts": Topic(self.name, "alerts", OperatorAlert),
            "dead_letter": topic_name(self.name, "deadletter"),
        }
        for attribute, value in setters.items():
            object.__setattr__(self, attribute, value)
        wrong = [t for t in (*self.stages, self.approval_source) if not t.startswith(f"{self.name}.")]
        if wrong:
            raise ValueError(f"{self.name}: stages {wrong} belong to another pipeline")
        if self.approval_payload.model_fields["pipeline"].default != self.name:
            raise ValueError(f"{self.name}: approval payload {self.approval_payload.__name__} names another pipeline")

    @property
    def flow(self) -> tuple[Topic[Any], ...]:
        """Every enveloped topic in pipeline order, then audit and alerts."""
        return (*self.stages, self.approval_requested, self.decisions, self.actions, self.audit, self.alerts)

    @property
    def topics(self) -> tuple[str, ...]:
        """Every topic to create for the pipeline, its dead letters last."""
        return (*self.flow, self.dead_letter)
