"""The cash-summary tool of the Anthropic sandbox: answers `submit_cash_summary` from the fenced facts.

It writes the summary a careful model would, every figure and date copied from the facts, so the SDK path (tool
schema, tool_use block, grounding check) runs without a model. Mode `wrong_amount` adds 100 to the shortfall, so the
grounding check has an ungrounded figure to refuse.
"""

from __future__ import annotations

import json
import re
import uuid
from decimal import Decimal
from typing import Any

from infra.sandboxes.anthropic_bill import BillRequestError, last_user_text
from services.reasoning.pipelines.cash_planning.adapters import TOOL

CASH_TOOL_NAME = str(TOOL["name"])
_FACTS = re.compile(r"<facts>(.*)</facts>", re.DOTALL)


def wants_cash_tool(body: dict[str, Any]) -> bool:
    choice = body.get("tool_choice") or {}
    return isinstance(choice, dict) and choice.get("type") == "tool" and choice.get("name") == CASH_TOOL_NAME


def _summary(facts: dict[str, Any], wrong_amount: bool) -> str:
    cur = facts["currency"]
    if facts["alert"] == "recovered" or "cause" not in facts:
        return (
            f"Good news: cash is back above your {cur} {facts['buffer']} buffer. The lowest balance ahead is "
            f"{cur} {facts['lowest_balance']} on {facts['lowest_on']}."
        )
    shortfall = facts["shortfall"]
    if wrong_amount:
        shortfall = str(Decimal(shortfall) + 100)
    sentences = [
        f"Your cash is projected to drop below the {cur} {facts['buffer']} buffer on {facts['first_short_day']}, "
        f"to {cur} {facts['balance_that_day']}, {cur} {shortfall} short at its lowest."
    ]
    paid_out = [o["description"] for o in facts["outflows_that_day"]]
    if paid_out:
        sentences.append(f"That day {', '.join(paid_out)} goes out.")
    receivables = facts["receivables"]
    named = ", ".join(f"invoice {r['invoice']} from {r['customer']} ({cur} {r['amount']})" for r in receivables)
    if facts["cause"] == "timing_gap":
        sentences.append(
            "It is a timing gap: " + (f"{named} arrives later, and " if named else "")
            + f"the balance is back at {cur} {facts['recovered_balance']} on {facts['recovers_on']}."
        )  # fmt: skip
    elif facts["cause"] == "receivable_at_risk":
        sentences.append(f"It lasts unless receivables at risk are collected: {named}.")
    else:
        sentences.append(f"It is structural: {cur} {facts['uncovered']} is missing even with every receivable.")
    return " ".join(sentences)


def cash_reply(body: dict[str, Any], wrong_amount: bool) -> tuple[list[dict[str, Any]], int]:
    """(content blocks, output characters) of the answer."""
    if CASH_TOOL_NAME not in {t.get("name") for t in body.get("tools") or [] if isinstance(t, dict)}:
        raise BillRequestError(f"tool_choice.name: Tool '{CASH_TOOL_NAME}' not found in tools")
    match = _FACTS.search(last_user_text(body))
    if match is None:
        raise BillRequestError("sandbox: the last user message has no <facts> block")
    try:
        facts = json.loads(match.group(1))
    except json.JSONDecodeError as exc:
        raise BillRequestError(f"sandbox: the <facts> block is not JSON: {exc.msg}") from exc
    summary = _summary(facts, wrong_amount)
    block = {
        "type": "tool_use",
        "id": f"toolu_sbx_{uuid.uuid4().hex[:24]}",
        "name": CASH_TOOL_NAME,
        "input": {"summary": summary},
    }
    return [block], len(summary)
