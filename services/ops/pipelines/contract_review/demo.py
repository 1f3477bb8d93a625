"""Contract review on the demo stack: the CRM fires signed closed-won webhooks for its seeded deals."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from contracts import deadletter as dl
from contracts.approval import ApprovalRequested
from contracts.contract_review import SPEC as REVIEW_SPEC
from contracts.contract_review import ContractReviewApproval
from contracts.envelope import Envelope
from services.ops.stack import StackConfig
from shared.topic_reader import read_topic

SEEDED_DEALS = ("5001", "5002", "5003", "5004", "5005")


@dataclass
class ContractReport:
    fired: list[str] = field(default_factory=list)
    requests: dict[str, ApprovalRequested] = field(default_factory=dict)
    dead_letters: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def settled(self) -> bool:
        return set(self.fired) <= set(self.requests) | set(self.dead_letters)


def closed_won_event(deal_id: str, event_id: int | None = None, stage: str = "closedwon") -> dict[str, Any]:
    """A HubSpot `deal.propertyChange` event on `dealstage`, as the CRM posts it."""
    return {
        "eventId": event_id or random.randint(10**8, 10**9),  # noqa: S311 - an event id, not a secret
        "subscriptionId": 2_411_111,
        "portalId": 62_515,
        "appId": 1_160_452,
        "occurredAt": int(time.time() * 1000),
        "subscriptionType": "deal.propertyChange",
        "attemptNumber": 0,
        "objectId": int(deal_id),
        "propertyName": "dealstage",
        "propertyValue": stage,
        "changeSource": "CRM_UI",
    }


async def fire_closed_won(config: StackConfig, deals: tuple[str, ...] = SEEDED_DEALS) -> list[str]:
    """The CRM sandbox signs and sends one webhook batch, as HubSpot does."""
    target = f"http://127.0.0.1:{config.service_ports['connectors']}/webhooks/hubspot/deals"
    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.post(
            f"{config.sandbox_urls['crm']}/_sandbox/webhooks/fire",
            json={"target_url": target, "events": [closed_won_event(d) for d in deals]},
        )
        answer.raise_for_status()
    return list(deals)


def _headers(record: Any) -> dict[str, str]:
    return {k: v.decode(errors="replace") for k, v in record.headers or ()}


async def contract_report(
    config: StackConfig, fired: list[str] | None = None, correlation_id: str | None = None
) -> ContractReport:
    """The reviews requested and the dead letters, for the deals fired or for one run's correlation id."""
    report = ContractReport(fired=list(fired or ()))

    def wanted(key: str, headers: dict[str, str], correlation_header: str) -> bool:
        if correlation_id is not None:
            return headers.get(correlation_header) == correlation_id
        return key in report.fired

    async for record in read_topic(config.kafka, REVIEW_SPEC.approval_requested):
        request = Envelope[ApprovalRequested].model_validate_json(record.value).payload
        if wanted(request.entity_id, _headers(record), dl.MSG_CORRELATION_ID):
            report.requests[request.entity_id] = request
    async for record in read_topic(config.kafka, REVIEW_SPEC.dead_letter):
        key = (record.key or b"").decode()
        if wanted(key, _headers(record), dl.CORRELATION_ID):
            report.dead_letters[key] = _headers(record)
    if correlation_id is not None:
        report.fired = sorted({*report.requests, *report.dead_letters})
    return report


async def run_contract_reviews(config: StackConfig, timeout_s: float = 60) -> ContractReport:
    fired = await fire_closed_won(config)
    deadline = time.monotonic() + timeout_s
    report = await contract_report(config, fired)
    while not report.settled and time.monotonic() < deadline:
        await asyncio.sleep(1)
        report = await contract_report(config, fired)
    return report


def render_contracts(report: ContractReport, heading: str | None = None) -> str:
    fired = f"{len(report.fired)} closed-won webhooks fired by the CRM (signed, one batch)"
    lines = [f"contract_review: {heading or fired}"]
    for deal in report.fired:
        if deal in report.requests:
            payload = report.requests[deal].payload
            anomalies = payload.review.anomalies if isinstance(payload, ContractReviewApproval) else ()
            lines.append(
                f"  - deal {deal}: review requested from {report.requests[deal].approver_role}, "
                f"{len(anomalies)} departures from the baseline"
            )
            lines += [
                f"      {a.severity.value}: {a.field} found {a.found!r}, baseline {a.baseline!r}"
                + (f' ("{a.citation.quote[:60]}")' if a.citation else "")
                for a in anomalies[:4]
            ]
        elif deal in report.dead_letters:
            h = report.dead_letters[deal]
            lines.append(
                f"  - deal {deal}: dead-lettered {h.get(dl.ERROR_TYPE)} field={h.get(dl.ERROR_FIELD)}: "
                f"{h.get(dl.ERROR_MESSAGE, '')[:80]}"
            )
        else:
            lines.append(f"  - deal {deal}: not finished yet")
    return "\n".join(lines)


async def demo(config: StackConfig) -> str:
    return render_contracts(await run_contract_reviews(config))


async def report(config: StackConfig, correlation_id: str) -> str | None:
    found = await contract_report(config, correlation_id=correlation_id)
    return render_contracts(found, f"run {correlation_id}, {len(found.fired)} deals") if found.fired else None
