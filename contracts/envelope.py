"""The one envelope every Seamline message travels in."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar
from uuid import UUID, uuid4

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


class Contract(BaseModel):
    """Base for every message body: immutable, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def registered_pipeline(name: str) -> str:
    """`name` if the registry knows the pipeline; otherwise a ValueError listing the known ones."""
    from contracts.registry import spec  # the registry imports every pipeline's contracts, which import this

    return spec(name).name


Pipeline = Annotated[str, AfterValidator(registered_pipeline)]
"""A pipeline's name, as the registry (contracts/registry.py) declares it."""


P = TypeVar("P", bound=Contract)
Q = TypeVar("Q", bound=Contract)


def _now() -> datetime:
    return datetime.now(UTC)


class Envelope(Contract, Generic[P]):
    event_id: UUID = Field(default_factory=uuid4)
    event_type: str
    schema_version: int = 1
    occurred_at: datetime = Field(default_factory=_now)
    correlation_id: UUID
    causation_id: UUID | None = None
    pipeline: Pipeline
    tenant: str
    run_started_at: datetime | None = None
    """When the run this message belongs to was triggered: every stage can measure its latency from it."""
    payload: P

    @classmethod
    def start(cls, payload: P, *, pipeline: Pipeline, tenant: str) -> Envelope[P]:
        """The first message of a pipeline run: a new correlation id."""
        now = _now()
        model: Any = Envelope[type(payload)]  # type: ignore[misc]
        started: Envelope[P] = model(
            event_type=type(payload).__name__,
            occurred_at=now,
            correlation_id=uuid4(),
            pipeline=pipeline,
            tenant=tenant,
            run_started_at=now,
            payload=payload,
        )
        return started

    def follow(self, payload: Q) -> Envelope[Q]:
        """A message caused by this one: same run, same tenant, causation = this event."""
        model: Any = Envelope[type(payload)]  # type: ignore[misc]
        followed: Envelope[Q] = model(
            event_type=type(payload).__name__,
            correlation_id=self.correlation_id,
            causation_id=self.event_id,
            pipeline=self.pipeline,
            tenant=self.tenant,
            run_started_at=self.run_started_at,
            payload=payload,
        )
        return followed
