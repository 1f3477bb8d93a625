"""The audit writer: one record per step, on the pipeline's own audit topic."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from contracts.audit import AuditRecord
from contracts.envelope import Envelope
from contracts.registry import spec
from shared.broker import EventPublisher


def input_hash(envelope: Envelope[Any]) -> str:
    return hashlib.sha256(envelope.payload.model_dump_json().encode()).hexdigest()


class AuditWriter:
    def __init__(self, publisher: EventPublisher, service: str) -> None:
        self._publisher = publisher
        self._service = service

    async def write(self, source: Envelope[Any], step: str, outcome: str, **fields: Any) -> None:
        record = AuditRecord(
            service=self._service,
            step=step,
            input_hash=input_hash(source),
            input_event_id=str(source.event_id),
            outcome=outcome,
            recorded_at=datetime.now(UTC),
            **fields,
        )
        await self._publisher.publish(spec(source.pipeline).audit, source.follow(record), str(source.correlation_id))
