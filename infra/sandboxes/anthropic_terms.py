"""The contract-terms tool of the Anthropic sandbox: answers `record_contract_terms` deterministically.

It reads the `<contract_chunk id="...">` block of the last user turn and answers with the pattern extractor,
so the SDK path (tool schema, tool_use block, citation check) is exercised without a model. Mode
`wrong_amount` turns every quote into one that is not in the chunk, to exercise citation rejection.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from services.reasoning.pipelines.contract_review.domain import TERMS_TOOL_NAME
from services.reasoning.pipelines.contract_review.patterns import extract_chunk

_CHUNK = re.compile(r'<contract_chunk id="([^"]+)">\n(.*)\n</contract_chunk>', re.DOTALL)


class TermsRequestError(ValueError):
    """Maps to the API's 400 invalid_request_error."""


def wants_terms_tool(body: dict[str, Any]) -> bool:
    choice = body.get("tool_choice") or {}
    return isinstance(choice, dict) and choice.get("type") == "tool" and choice.get("name") == TERMS_TOOL_NAME


def terms_reply(body: dict[str, Any], misquote: bool) -> tuple[list[dict[str, Any]], int]:
    """(content blocks, output characters) of the answer."""
    if TERMS_TOOL_NAME not in {t.get("name") for t in body.get("tools") or [] if isinstance(t, dict)}:
        raise TermsRequestError(f"tool_choice.name: Tool '{TERMS_TOOL_NAME}' not found in tools")
    user_turns = [m for m in body.get("messages") or [] if isinstance(m, dict) and m.get("role") == "user"]
    content = user_turns[-1].get("content") if user_turns else None
    text = (
        content
        if isinstance(content, str)
        else "".join(b.get("text", "") for b in content or [] if isinstance(b, dict))
    )
    match = _CHUNK.search(text)
    if match is None:
        raise TermsRequestError('sandbox: the last user message has no <contract_chunk id="..."> block')
    found = extract_chunk(match.group(1), match.group(2))
    if misquote:
        found = {k: {**v, "quote": f"{v['quote']} (as amended)"} for k, v in found.items()}
    block = {
        "type": "tool_use",
        "id": f"toolu_sbx_{uuid.uuid4().hex[:24]}",
        "name": TERMS_TOOL_NAME,
        "input": found,
    }
    return [block], len(json.dumps(found))
