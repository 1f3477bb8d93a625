"""The vendor-invoice tool of the Anthropic sandbox: answers `submit_bill_document` for the invoice between the
<document> tags, as the offline reader reads it, with each value's quote, so the SDK path (tool schema, tool_use
block, citation check) runs without a model. Mode `wrong_amount` offers a total 100 higher than the quote it gives,
so the citation check has a value its quote does not state to refuse."""

from __future__ import annotations

import json
import re
import uuid
from decimal import Decimal
from typing import Any

from infra.sandboxes.anthropic_bill import BillRequestError, last_user_text
from services.reasoning.pipelines.ap_matching.invoice_patterns import read_candidates
from services.reasoning.pipelines.ap_matching.invoice_reading import TOOL_NAME

_DOCUMENT = re.compile(r"<document>\n(.*)\n</document>", re.DOTALL)


def wants_invoice_tool(body: dict[str, Any]) -> bool:
    choice = body.get("tool_choice") or {}
    return isinstance(choice, dict) and choice.get("type") == "tool" and choice.get("name") == TOOL_NAME


def _without_offsets(value: Any) -> Any:
    """What a model answers: values and quotes, no character offsets."""
    if isinstance(value, dict):
        return {k: _without_offsets(v) for k, v in value.items() if k != "start"}
    if isinstance(value, list):
        return [_without_offsets(v) for v in value]
    return value


def invoice_reply(body: dict[str, Any], wrong_amount: bool) -> tuple[list[dict[str, Any]], int]:
    """(content blocks, output characters) of the answer."""
    if TOOL_NAME not in {t.get("name") for t in body.get("tools") or [] if isinstance(t, dict)}:
        raise BillRequestError(f"tool_choice.name: Tool '{TOOL_NAME}' not found in tools")
    match = _DOCUMENT.search(last_user_text(body))
    if match is None:
        raise BillRequestError("sandbox: the last user message has no <document> block")
    answer = _without_offsets(read_candidates(match.group(1)))
    if wrong_amount and answer.get("total"):
        answer["total"]["value"] = str(Decimal(answer["total"]["value"]) + Decimal(100))
    block = {"type": "tool_use", "id": f"toolu_sbx_{uuid.uuid4().hex[:24]}", "name": TOOL_NAME, "input": answer}
    return [block], len(json.dumps(answer))
