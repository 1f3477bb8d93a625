"""What happened in one pipeline run, read back from its topics by correlation id."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from contracts import deadletter as dl
from contracts.approval import ActionExecuted, ActionStatus, ApprovalRequested, Route
from contracts.envelope import Envelope
from contracts.invoice_followup import SPEC as FOLLOWUP_SPEC
from contracts.invoice_followup import FollowUpAction, FollowUpSkipped, InvoiceFollowup
from shared.topic_reader import read_topic


@dataclass
class RunReport:
    correlation_id: str
    fetched: int = 0
    validated: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    follow_ups: int = 0
    drafted: int = 0
    routes: Counter[str] = field(default_factory=Counter)
    pending: list[ApprovalRequested] = field(default_factory=list)
    actions: Counter[str] = field(default_factory=Counter)
    emails_sent: list[str] = field(default_factory=list)
    dead_letters: list[dict[str, str]] = field(default_factory=list)
    fetched_ids: set[str] = field(default_factory=set)
    settled_ids: set[str] = field(default_factory=set)

    @property
    def unaccounted(self) -> set[str]:
        """Invoices fetched but neither skipped, routed by policy, nor dead-lettered (yet)."""
        return self.fetched_ids - self.settled_ids

    @property
    def accounted(self) -> bool:
        """Every fetched invoice is skipped, dead-lettered, or has a request whose policy decision was acted on."""
        settled = len(self.fetched_ids) > 0 and not self.unaccounted
        email = FollowUpAction.SEND_FOLLOWUP_EMAIL
        # An UNCERTAIN email is accounted for too: not repeated, and handed to an operator by an alert.
        auto_done = sum(self.actions[f"{email}:{s}"] for s in ("executed", "already_done", "uncertain"))
        policy_done = auto_done + sum(
            v for k, v in self.actions.items() if k.endswith(("recorded_only", "not_executed"))
        )
        policy_routed = self.routes[Route.AUTO.value] + self.routes[Route.SHADOW.value] + self.routes[Route.NEVER.value]
        return settled and policy_done >= policy_routed


def _headers(record: Any) -> dict[str, str]:
    return {k: v.decode(errors="replace") for k, v in (record.headers or ())}


async def build_report(bootstrap: str, correlation_id: str) -> RunReport:
    report = RunReport(correlation_id)

    async def mine(topic: str) -> list[Any]:
        return [
            r async for r in read_topic(bootstrap, topic) if _headers(r).get(dl.MSG_CORRELATION_ID) == correlation_id
        ]

    def keys(records: list[Any]) -> set[str]:
        return {r.key.decode() for r in records if r.key}

    # Counted by invoice id, not by message: a redelivered stage publishes again and must not count twice.
    report.fetched_ids = keys(await mine(InvoiceFollowup.RAW))
    report.fetched = len(report.fetched_ids)
    report.validated = len(keys(await mine(InvoiceFollowup.VALIDATED)))
    skipped: dict[str, str] = {}
    for record in await mine(InvoiceFollowup.SKIPPED):
        payload = Envelope[FollowUpSkipped].model_validate_json(record.value).payload
        skipped[payload.invoice_id] = payload.reason.value
    report.skipped.update(skipped.values())
    report.follow_ups = len(keys(await mine(InvoiceFollowup.DECIDED)))
    report.drafted = len(keys(await mine(InvoiceFollowup.DRAFTED)))
    requests: dict[str, ApprovalRequested] = {}
    for record in await mine(FOLLOWUP_SPEC.approval_requested):
        request = Envelope[ApprovalRequested].model_validate_json(record.value).payload
        requests[request.request_id] = request
    report.routes.update(r.route.value for r in requests.values())
    decided_human: set[str] = set()
    for record in await mine(FOLLOWUP_SPEC.actions):
        action = Envelope[ActionExecuted].model_validate_json(record.value).payload
        if action.status is ActionStatus.STARTED:
            continue
        report.actions[f"{action.action}:{action.status.value}"] += 1
        decided_human.add(action.request_id)
        if action.action == FollowUpAction.SEND_FOLLOWUP_EMAIL and action.status is ActionStatus.EXECUTED:
            report.emails_sent.append(action.detail)
    report.pending = [r for r in requests.values() if r.route is Route.HUMAN and r.request_id not in decided_human]
    async for record in read_topic(bootstrap, FOLLOWUP_SPEC.dead_letter):
        headers = _headers(record)
        if headers.get(dl.CORRELATION_ID) == correlation_id:
            report.dead_letters.append({**headers, "_ref": f"{record.topic}:{record.partition}:{record.offset}"})
            if record.key:
                report.settled_ids.add(record.key.decode())
    report.settled_ids |= set(skipped) | {r.entity_id for r in requests.values()}
    return report


def render(report: RunReport, approval_url: str, metrics_urls: dict[str, str]) -> str:
    lines = [
        f"invoice_followup run {report.correlation_id}",
        f"  invoices scanned (overdue in QuickBooks): {report.fetched}",
        f"  valid: {report.validated}   dead-lettered: {len(report.dead_letters)}",
        f"  skipped: {sum(report.skipped.values())}"
        + "".join(f"\n    - {reason}: {n}" for reason, n in sorted(report.skipped.items())),
        f"  follow-ups due: {report.follow_ups}   drafts written and grounded: {report.drafted}",
        "  routed by policy: " + ", ".join(f"{k} {v}" for k, v in sorted(report.routes.items())),
        "  actions: " + (", ".join(f"{k} {v}" for k, v in sorted(report.actions.items())) or "none"),
        f"  emails sent: {len(report.emails_sent)}",
        f"  approvals pending: {len(report.pending)}",
    ]
    for request in report.pending[:5]:
        lines.append(f"    - {request.summary}")
        lines += [f"      {link.approver}: {link.url[:120]}..." for link in request.links]
    if len(report.pending) > 5:
        lines.append(f"    ... and {len(report.pending) - 5} more (GET {approval_url}/approvals)")
    if report.dead_letters:
        lines.append("  dead letters:")
        lines += [
            f"    - {d['_ref']} {d.get(dl.ERROR_TYPE)} field={d.get(dl.ERROR_FIELD) or '-'}: "
            f"{d.get(dl.ERROR_MESSAGE, '')[:100]}"
            for d in report.dead_letters
        ]
    lines.append("  where to look next:")
    lines.append(f"    approval API: {approval_url}/approvals  (Authorization: Bearer <SEAMLINE_APPROVAL_API_TOKEN>)")
    lines += [f"    metrics: {name} {url}/metrics" for name, url in metrics_urls.items()]
    lines.append("    dead letters: seamline deadletters list --pipeline invoice_followup")
    return "\n".join(lines)
