from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import anthropic
import httpx
import pytest
import pytest_asyncio
from anthropic.types import Message, TextBlockParam, ToolParam, ToolUseBlock

from infra.sandboxes import SandboxConfig, running_sandboxes

FACTS: dict[str, Any] = {
    "invoice_number": "1042",
    "customer_name": "Acme Logistics",
    "amount_due": "1250.00",
    "currency": "USD",
    "due_date": "2026-10-01",
    "days_overdue": 51,
    "stage": "firm",
    "average_days_to_pay": "34",
    "sender_name": "Dana from Seamline",
}
TOOL: ToolParam = {
    "name": "submit_followup_draft",
    "description": "Submit the drafted email.",
    "input_schema": {
        "type": "object",
        "properties": {"subject": {"type": "string"}, "body": {"type": "string"}},
        "required": ["subject", "body"],
    },
}
SYSTEM: list[TextBlockParam] = [
    {
        "type": "text",
        "text": "You draft polite collection emails. " * 40,
        "cache_control": {"type": "ephemeral"},
    }
]

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def sandbox() -> AsyncIterator[tuple[anthropic.AsyncAnthropic, str]]:
    config = SandboxConfig(only=frozenset({"anthropic"}), anthropic_port=0)
    async with running_sandboxes(config) as running:
        url = running.urls["anthropic"]
        client = anthropic.AsyncAnthropic(api_key="sk-sandbox", base_url=url, max_retries=0)
        yield client, url
        await client.close()


async def _draft(client: anthropic.AsyncAnthropic, facts: dict[str, Any] = FACTS) -> Message:
    return await client.messages.create(
        model="claude-sonnet-4-6",
        max_tokens=1024,
        system=SYSTEM,
        tools=[TOOL],
        tool_choice={"type": "tool", "name": "submit_followup_draft"},
        messages=[{"role": "user", "content": f"Draft the email.\n<facts>{json.dumps(facts)}</facts>"}],
    )


def _email(message: Message) -> dict[str, str]:
    block = message.content[0]
    assert isinstance(block, ToolUseBlock)
    assert block.name == "submit_followup_draft"
    assert isinstance(block.input, dict)
    return {str(k): str(v) for k, v in block.input.items()}


async def test_sdk_parses_tool_use_draft_with_exact_facts(
    sandbox: tuple[anthropic.AsyncAnthropic, str],
) -> None:
    client, _ = sandbox
    first = await _draft(client)
    assert first.stop_reason == "tool_use"
    assert first.model == "claude-sonnet-4-6"
    email = _email(first)
    text = email["subject"] + email["body"]
    assert "1042" in text
    assert "USD 1250.00" in text
    assert "2026-10-01" in text
    assert first.usage.cache_creation_input_tokens
    assert first.usage.input_tokens > 0

    second = await _draft(client)
    assert second.usage.cache_read_input_tokens == first.usage.cache_creation_input_tokens
    assert second.usage.cache_creation_input_tokens == 0

    final = await _draft(client, {**FACTS, "stage": "final"})
    assert "Final notice" in _email(final)["subject"]


async def test_modes_change_amount_and_raise_sdk_errors(
    sandbox: tuple[anthropic.AsyncAnthropic, str],
) -> None:
    client, url = sandbox
    async with httpx.AsyncClient(base_url=url) as control:
        await control.post("/_sandbox/mode", json={"mode": "wrong_amount", "count": 1})
        assert "USD 1350.00" in _email(await _draft(client))["body"]
        assert "USD 1250.00" in _email(await _draft(client))["body"]

        await control.post("/_sandbox/mode", json={"mode": "overloaded", "count": 1})
        with pytest.raises(anthropic.APIStatusError) as overloaded:
            await _draft(client)
        assert overloaded.value.status_code == 529

        await control.post("/_sandbox/mode", json={"mode": "rate_limited", "count": 1})
        with pytest.raises(anthropic.RateLimitError) as limited:
            await _draft(client)
        assert limited.value.response.headers["retry-after"] == "1"

        no_key = await control.post("/v1/messages", json={}, headers={"anthropic-version": "2023-06-01"})
        assert no_key.status_code == 401
        assert no_key.json()["error"]["type"] == "authentication_error"
        text_block = {"type": "text", "text": f"<facts>{json.dumps(FACTS)}</facts>"}
        legacy_key = await control.post(
            "/v1/messages",
            headers={"x-api-key": "sk-sandbox", "anthropic-version": "2023-06-01"},
            json={"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": [text_block]}]},
        )
        assert legacy_key.status_code == 200
        assert legacy_key.json()["stop_reason"] == "end_turn"

        prompts = (await control.get("/_sandbox/requests")).json()
        assert "<facts>" in prompts[0]["messages"][-1]["content"]

    with pytest.raises(anthropic.BadRequestError):
        await client.messages.create(
            model="claude-sonnet-4-6",
            max_tokens=10,
            tools=[{**TOOL, "name": "other"}],
            tool_choice={"type": "tool", "name": "other"},
            messages=[{"role": "user", "content": "<facts>{}</facts>"}],
        )
