"""AnthropicDrafter against a fake Messages API at the wire (MockTransport), not a patched SDK."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import anthropic
import pytest

from services.reasoning.adapters.anthropic_messages import AnthropicMessages
from services.reasoning.llm import Prompt
from services.reasoning.pipelines.invoice_followup.adapters.anthropic_drafter import TOOL, AnthropicDrafter
from services.reasoning.pipelines.invoice_followup.domain import prompt_facts
from shared.errors import AppError, DraftRefused, RateLimited, UpstreamRejected, UpstreamUnavailable
from tests.unit.factories import follow_up_due

try:  # anthropic >= 2 speaks httpx2 and refuses httpx clients; older SDKs take httpx
    import httpx2 as wire
except ImportError:  # pragma: no cover - depends on the installed SDK
    import httpx as wire  # type: ignore[no-redef]

# The SDK warns the default model reaches end-of-life on 2026-11-30: a settings matter, not this test's.
pytestmark = pytest.mark.filterwarnings("ignore:The model .* is deprecated:DeprecationWarning")

Handler = Callable[[Any], Any]
MODEL = "claude-sonnet-4-6"
PROMPT = Prompt(prompt_id="followup_email", version="1", system="You write short follow-up emails.")
FACTS = prompt_facts(follow_up_due(), "Dana Whitfield")


def _drafter(handler: Handler) -> AnthropicDrafter:
    client = anthropic.AsyncAnthropic(
        api_key="test-key",
        base_url="http://anthropic.test",
        max_retries=0,  # retries are the dead-letter middleware's job; the adapter only classifies
        http_client=wire.AsyncClient(transport=wire.MockTransport(handler)),
    )
    return AnthropicDrafter(AnthropicMessages(client, MODEL))


def _message(content: list[dict[str, Any]], **usage: int) -> dict[str, Any]:
    return {
        "id": "msg_01",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-6",
        "content": content,
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": {"input_tokens": 0, "output_tokens": 0, **usage},
    }


def _tool_use(draft_input: dict[str, Any], name: str = "submit_followup_draft") -> dict[str, Any]:
    return {"type": "tool_use", "id": "toolu_01", "name": name, "input": draft_input}


def _error(status: int, kind: str, headers: dict[str, str] | None = None) -> Handler:
    def handler(request: Any) -> Any:
        body = {"type": "error", "error": {"type": kind, "message": kind}}
        return wire.Response(status, json=body, headers=headers or {})

    return handler


async def test_a_tool_use_answer_becomes_a_draft_with_its_usage() -> None:
    seen: list[dict[str, Any]] = []

    def handler(request: Any) -> Any:
        seen.append(json.loads(request.content))
        answer = _message(
            [
                {"type": "text", "text": "Here is the draft."},
                _tool_use({"subject": "Final reminder: invoice 1131", "body": "Invoice 1131 for USD 1250.00 ..."}),
            ],
            input_tokens=1200,
            output_tokens=350,
            cache_read_input_tokens=900,
            cache_creation_input_tokens=40,
        )
        return wire.Response(200, json=answer)

    draft = await _drafter(handler).draft_followup(PROMPT, FACTS)

    assert draft.subject == "Final reminder: invoice 1131"
    assert draft.body == "Invoice 1131 for USD 1250.00 ..."
    assert draft.model == "claude-sonnet-4-6"
    assert (draft.input_tokens, draft.output_tokens) == (1200, 350)
    assert (draft.cache_read_tokens, draft.cache_write_tokens) == (900, 40)
    (sent,) = seen
    assert sent["model"] == MODEL
    assert sent["tool_choice"] == {"type": "tool", "name": "submit_followup_draft"}
    assert sent["tools"][0]["name"] == TOOL["name"]
    assert sent["system"] == [{"type": "text", "text": PROMPT.system, "cache_control": {"type": "ephemeral"}}]
    user_text = sent["messages"][0]["content"]
    assert '"amount_due": "1250.00"' in user_text
    assert "billing@harbor-marine.example" not in user_text  # the model never sees the email address


async def test_usage_without_cache_fields_counts_as_zero() -> None:
    def handler(request: Any) -> Any:
        answer = _message([_tool_use({"subject": "s", "body": "b"})], input_tokens=10, output_tokens=5)
        return wire.Response(200, json=answer)

    draft = await _drafter(handler).draft_followup(PROMPT, FACTS)
    assert (draft.cache_read_tokens, draft.cache_write_tokens) == (0, 0)


@pytest.mark.parametrize(
    ("handler", "error", "retryable"),
    [
        (_error(529, "overloaded_error"), UpstreamUnavailable, True),
        (_error(500, "api_error"), UpstreamUnavailable, True),
        (_error(503, "api_error"), UpstreamUnavailable, True),
        (_error(429, "rate_limit_error"), RateLimited, True),
        (_error(400, "invalid_request_error"), UpstreamRejected, False),
        (_error(401, "authentication_error"), UpstreamRejected, False),
        (_error(413, "request_too_large"), UpstreamRejected, False),
    ],
    ids=["529-overloaded", "500", "503", "429", "400", "401", "413"],
)
async def test_vendor_errors_map_into_our_tree(handler: Handler, error: type[AppError], retryable: bool) -> None:
    with pytest.raises(error) as caught:
        await _drafter(handler).draft_followup(PROMPT, FACTS)
    assert caught.value.retryable is retryable


async def test_rate_limit_carries_the_retry_after_header() -> None:
    with pytest.raises(RateLimited) as caught:
        await _drafter(_error(429, "rate_limit_error", {"retry-after": "7"})).draft_followup(PROMPT, FACTS)
    assert caught.value.retry_after == 7.0


async def test_rate_limit_without_retry_after_leaves_the_backoff_to_the_middleware() -> None:
    with pytest.raises(RateLimited) as caught:
        await _drafter(_error(429, "rate_limit_error")).draft_followup(PROMPT, FACTS)
    assert caught.value.retry_after is None


async def test_a_connection_failure_is_retryable() -> None:
    def handler(request: Any) -> Any:
        raise wire.ConnectError("connection refused", request=request)

    with pytest.raises(UpstreamUnavailable):
        await _drafter(handler).draft_followup(PROMPT, FACTS)


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ([{"type": "text", "text": "Dear customer, please pay."}], "did not call submit_followup_draft"),
        (
            [_tool_use({"subject": "s", "body": "b"}, name="some_other_tool")],
            "did not call submit_followup_draft",
        ),
        ([_tool_use({"subject": "s"})], "does not match the tool schema"),
        ([_tool_use({"subject": "", "body": "b"})], "does not match the tool schema"),
        (
            [_tool_use({"subject": "s", "body": "b", "cc": "boss@example.com"})],
            "does not match the tool schema",
        ),
        ([_tool_use({"subject": "s", "body": "x" * 4001})], "does not match the tool schema"),
    ],
    ids=["text-only", "wrong-tool", "missing-body", "empty-subject", "extra-field", "body-too-long"],
)
async def test_an_answer_without_a_valid_draft_is_refused(content: list[dict[str, Any]], complaint: str) -> None:
    def handler(request: Any) -> Any:
        return wire.Response(200, json=_message(content, input_tokens=10, output_tokens=5))

    with pytest.raises(DraftRefused, match=complaint) as caught:
        await _drafter(handler).draft_followup(PROMPT, FACTS)
    assert caught.value.retryable is False
