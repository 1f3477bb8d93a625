from __future__ import annotations

from typing import Protocol

from contracts.cash_planning import AlertState


class AlertStates(Protocol):
    """The state of each company's last alert (None: nothing alerted, or it has recovered)."""

    async def load(self, tenant: str, realm_id: str) -> AlertState | None: ...

    async def save(self, tenant: str, realm_id: str, state: AlertState | None) -> None: ...
