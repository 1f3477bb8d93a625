"""The AP bill-summary tool of the Anthropic sandbox: answers `submit_bill_summary` from the fenced facts.

It writes the summary a careful model would, every figure copied from the facts, so the SDK path (tool schema,
tool_use block, grounding check) runs without a model. Mode `wrong_amount` adds 100 to the first variance, so
the grounding check has an ungrounded figure to refuse.
"""

from __future__ import annotations

import json
import re
import uuid
from decimal import Decimal
from typing import Any

from services.reasoning.pipelines.ap_matching.adapters.anthropic_explainer import TOOL

BILL_TOOL_NAME = str(TOOL["name"])
_FACTS = re.compile(r"<facts>(.*)</facts>", re.DOTALL)


class BillRequestError(ValueError):
    """Maps to the API's 400 invalid_request_error."""


def wants_bill_tool(body: dict[str, Any]) -> bool:
    choice = body.get("tool_choice") or {}
    return isinstance(choice, dict) and choice.get("type") == "tool" and choice.get("name") == BILL_TOOL_NAME


def last_user_text(body: dict[str, Any]) -> str:
    turns = [m for m in body.get("messages") or [] if isinstance(m, dict) and m.get("role") == "user"]
    content = turns[-1].get("content") if turns else None
    if isinstance(content, str):
        return content
    return "".join(b.get("text", "") for b in content or [] if isinstance(b, dict))


def bill_reply(body: dict[str, Any], wrong_amount: bool) -> tuple[list[dict[str, Any]], int]:
    """(content blocks, output characters) of the answer."""
    if BILL_TOOL_NAME not in {t.get("name") for t in body.get("tools") or [] if isinstance(t, dict)}:
        raise BillRequestError(f"tool_choice.name: Tool '{BILL_TOOL_NAME}' not found in tools")
    match = _FACTS.search(last_user_text(body))
    if match is None:
        raise BillRequestError("sandbox: the last user message has no <facts> block")
    try:
        facts = json.loads(match.group(1))
    except json.JSONDecodeError as exc:
        raise BillRequestError(f"sandbox: the <facts> block is not JSON: {exc.msg}") from exc
    sentences = [
        f"Bill {facts['bill_number']} from {facts['vendor']} for {facts['currency']} {facts['bill_total']} "
        f"needs your decision: {len(facts['exceptions'])} exception(s) in a {facts['match']} match."
    ]
    for n, e in enumerate(facts["exceptions"]):
        variance = e.get("variance")
        if wrong_amount and n == 0 and variance is not None:
            variance = str(Decimal(variance) + Decimal(100))
        figures = ", ".join(
            f"{label} {value}"
            for label, value in (("expected", e.get("expected")), ("found", e.get("found")), ("variance", variance))
            if value is not None
        )
        where = f" on line {e['line']}" if e.get("line") else ""
        sentences.append(f"{e['kind'].replace('_', ' ').capitalize()}{where}" + (f": {figures}." if figures else "."))
    if facts.get("bank_change"):
        sentences.append("The vendor's bank details changed and must be verified with the vendor first.")
    summary = " ".join(sentences)
    block = {
        "type": "tool_use",
        "id": f"toolu_sbx_{uuid.uuid4().hex[:24]}",
        "name": BILL_TOOL_NAME,
        "input": {"summary": summary},
    }
    return [block], len(summary)
