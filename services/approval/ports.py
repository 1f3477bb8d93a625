"""The approval service's side effects. It alone holds the SMTP and CRM credentials."""

from __future__ import annotations

from typing import Protocol

from contracts.approval import ApprovalDecided, ApprovalRequested
from contracts.envelope import Envelope


class Mailer(Protocol):
    async def send(self, to: str, subject: str, body: str, idempotency_key: str) -> str:
        """Send one email; returns its Message-ID."""
        ...


class CrmNotes(Protocol):
    async def add_note(self, body: str, idempotency_key: str, deal_id: str | None = None) -> str:
        """Write a note (associated with the deal, if given); returns the CRM's note id."""
        ...


class ApprovalStore(Protocol):
    """The approval index: rebuildable from the approval_requested and decisions topics."""

    async def add(self, requested: Envelope[ApprovalRequested]) -> bool: ...

    async def get(self, request_id: str) -> Envelope[ApprovalRequested] | None: ...

    async def pending(self) -> list[Envelope[ApprovalRequested]]: ...

    async def claim_decision(self, decided: ApprovalDecided) -> bool:
        """Record the one decision a request gets; False if it already had one."""
        ...

    async def decision(self, request_id: str) -> ApprovalDecided | None: ...
