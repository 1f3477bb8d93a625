"""What one pipeline brings to the trust seam. The approval service's handlers, pages, executor, rebuild and
resolve route are generic; each pipeline's part (services/approval/pipelines/<pipeline>/) supplies one of these."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from contracts.approval import ActionExecuted, ApprovalDecided, ApprovalRequested
from contracts.envelope import Envelope
from contracts.pipeline import PipelineSpec
from services.approval.domain import LoadedPolicy, PlannedAction


@dataclass(frozen=True)
class ApprovalPage:
    """How a request is shown to its approver: the page title, the HTML between the summary and the form, and
    the fields the operator API adds to the request's JSON."""

    title: str
    html: str
    api_fields: Mapping[str, Any] = field(default_factory=dict)


def _nothing(*_: object) -> None:
    return None


@dataclass(frozen=True)
class ApprovalFlow:
    pipeline: PipelineSpec
    request: Callable[[Any, str, LoadedPolicy, datetime], ApprovalRequested]
    """The request for one message of the pipeline's approval source topic (tenant, policy, now)."""
    plan: Callable[[ApprovalDecided], tuple[PlannedAction, ...]]
    """The side effects a decision leads to; none for a decision that leads to nothing."""
    unexecuted: Callable[[ApprovalDecided], str]
    """What is recorded when a decision leads to no side effect."""
    performers: Mapping[str, Callable[[PlannedAction], Awaitable[str]]]
    """Per action kind, the port call that performs it; it returns the outside system's id for the record."""
    page: Callable[[ApprovalRequested], ApprovalPage]
    asks_once: bool = False
    """A request already on file is not asked again (one review per deal, however often the trigger fires)."""
    executed: Callable[[Envelope[ApprovalDecided], Sequence[ActionExecuted]], None] = _nothing
    """Counts the pipeline's own KPIs once a decision's actions ran."""
    retry_safe: frozenset[str] = frozenset()
    """Action kinds whose performer finds its own earlier write (by the action's key) before writing, so an
    attempt cut off by a crash is run again rather than handed to an operator as uncertain."""

    async def perform(self, planned: PlannedAction) -> str:
        return await self.performers[planned.action](planned)
