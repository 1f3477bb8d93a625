"""One audit record per step, enough to replay a run."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from contracts.envelope import Contract


class AuditRecord(Contract):
    service: str
    step: str
    input_hash: str
    input_event_id: str
    outcome: str
    recorded_at: datetime
    prompt_id: str | None = None
    prompt_version: str | None = None
    model: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: Decimal | None = None
    policy_hash: str | None = None
    decision: str | None = None
    approver: str | None = None
