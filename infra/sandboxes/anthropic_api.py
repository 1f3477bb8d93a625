"""Anthropic Messages API sandbox that drafts follow-up emails from a `<facts>` JSON block.

Token usage is an honest estimate (ceil(chars / 4)). A system prompt carrying cache_control is
reported as cache creation the first time its text is seen and as a cache read afterwards; unlike
the real API there is no minimum cacheable length.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from infra.sandboxes.anthropic_bill import BillRequestError, bill_reply, wants_bill_tool
from infra.sandboxes.anthropic_cash import cash_reply, wants_cash_tool
from infra.sandboxes.anthropic_invoice import invoice_reply, wants_invoice_tool
from infra.sandboxes.anthropic_terms import TermsRequestError, terms_reply, wants_terms_tool

DRAFT_TOOL = "submit_followup_draft"
Mode = Literal["normal", "wrong_amount", "overloaded", "rate_limited"]
_FACTS = re.compile(r"<facts>(.*?)</facts>", re.DOTALL)


@dataclass
class AnthropicState:
    mode: Mode = "normal"
    remaining: int | None = None
    requests: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=500))
    cached_prefixes: set[str] = field(default_factory=set)

    def take_mode(self) -> Mode:
        mode = self.mode
        if mode != "normal" and self.remaining is not None:
            self.remaining -= 1
            if self.remaining <= 0:
                self.mode, self.remaining = "normal", None
        return mode


class ModeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mode: Mode
    count: int | None = Field(None, ge=1)


class FollowupFacts(BaseModel):
    model_config = ConfigDict(extra="ignore")
    invoice_number: str
    customer_name: str
    amount_due: str
    currency: str
    due_date: str
    days_overdue: int
    stage: str
    average_days_to_pay: str | None = None
    sender_name: str


class InvalidRequestError(Exception):
    """Maps to the API's 400 invalid_request_error."""


def _error(status: int, error_type: str, message: str, **headers: str) -> JSONResponse:
    body = {
        "type": "error",
        "error": {"type": error_type, "message": message},
        "request_id": f"req_sbx_{uuid.uuid4().hex[:24]}",
    }
    return JSONResponse(body, status_code=status, headers=headers)


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(block.get("text", "") for block in content if isinstance(block, dict))
    return ""


def _tokens(chars: int) -> int:
    return math.ceil(chars / 4)


def _facts_from(messages: list[Any]) -> FollowupFacts:
    user_turns = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    if not user_turns:
        raise InvalidRequestError("messages: at least one user message is required")
    match = _FACTS.search(_text_of(user_turns[-1].get("content")))
    if match is None:
        raise InvalidRequestError("sandbox: the last user message has no <facts>{...}</facts> block")
    try:
        return FollowupFacts.model_validate_json(match.group(1))
    except ValidationError as exc:
        raise InvalidRequestError(f"sandbox: <facts> is not valid: {exc.errors(include_url=False)}") from exc


def draft_email(facts: FollowupFacts, amount: str) -> dict[str, str]:
    money = f"{facts.currency} {amount}"
    greeting = f"Hello {facts.customer_name},"
    stage = facts.stage.lower()
    if stage == "gentle":
        subject = f"Friendly reminder: invoice {facts.invoice_number}"
        middle = (
            f"I hope all is well. This is a quick reminder that invoice {facts.invoice_number} for {money} "
            f"was due on {facts.due_date}. If it is already on its way, thank you "
            "and please disregard this note."
        )
    elif stage == "final":
        subject = f"Final notice: invoice {facts.invoice_number} is {facts.days_overdue} days overdue"
        middle = (
            f"Despite our earlier reminders, invoice {facts.invoice_number} for {money}, due on "
            f"{facts.due_date}, remains unpaid after {facts.days_overdue} days. Please settle it now "
            "or contact us today so we can avoid escalating this account."
        )
    else:
        subject = f"Overdue: invoice {facts.invoice_number} ({money})"
        middle = (
            f"Our records show that invoice {facts.invoice_number} for {money}, due on {facts.due_date}, "
            f"is now {facts.days_overdue} days overdue. Please arrange payment at your earliest convenience "
            "or let us know if there is anything holding it up."
        )
    body = f"{greeting}\n\n{middle}\n\nKind regards,\n{facts.sender_name}"
    return {"subject": subject, "body": body}


def _cache_prefix(system: Any) -> str | None:
    if not isinstance(system, list):
        return None
    marked = [i for i, block in enumerate(system) if isinstance(block, dict) and block.get("cache_control")]
    return _text_of(system[: marked[-1] + 1]) if marked else None


def _wants_draft_tool(body: dict[str, Any]) -> bool:
    """Validate the request shape; True when the reply should be a tool_use block."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise InvalidRequestError("messages: Field required")
    if not isinstance(body.get("model"), str) or not isinstance(body.get("max_tokens"), int):
        raise InvalidRequestError("model and max_tokens: Field required")
    tool_names = {t.get("name") for t in body.get("tools") or [] if isinstance(t, dict)}
    choice = body.get("tool_choice") or {"type": "auto"}
    if choice.get("type") == "tool":
        if choice.get("name") not in tool_names:
            raise InvalidRequestError(f"tool_choice.name: Tool '{choice.get('name')}' not found in tools")
        if choice.get("name") != DRAFT_TOOL:
            raise InvalidRequestError(f"sandbox: unknown tool '{choice.get('name')}'; only {DRAFT_TOOL} is supported")
        return True
    return choice.get("type") in ("auto", "any") and DRAFT_TOOL in tool_names


def _usage(state: AnthropicState, body: dict[str, Any], output_chars: int) -> dict[str, int]:
    system = body.get("system")
    request_chars = (
        len(_text_of(system))
        + sum(len(_text_of(m.get("content"))) for m in body["messages"] if isinstance(m, dict))
        + len(json.dumps(body.get("tools") or []))
    )
    prefix = _cache_prefix(system)
    cached = _tokens(len(prefix)) if prefix else 0
    created = read = 0
    if prefix is not None and prefix in state.cached_prefixes:
        read = cached
    elif prefix is not None:
        state.cached_prefixes.add(prefix)
        created = cached
    return {
        "input_tokens": max(_tokens(request_chars) - cached, 0),
        "output_tokens": _tokens(output_chars),
        "cache_creation_input_tokens": created,
        "cache_read_input_tokens": read,
    }


def _reply(state: AnthropicState, body: dict[str, Any], mode: Mode) -> JSONResponse:
    if wants_terms_tool(body):
        return _terms_reply(state, body, mode)
    if wants_invoice_tool(body):
        try:
            read, read_chars = invoice_reply(body, wrong_amount=mode == "wrong_amount")
        except BillRequestError as exc:
            raise InvalidRequestError(str(exc)) from exc
        return _message(state, body, read, "tool_use", read_chars)
    if wants_bill_tool(body):
        try:
            summary, summary_chars = bill_reply(body, wrong_amount=mode == "wrong_amount")
        except BillRequestError as exc:
            raise InvalidRequestError(str(exc)) from exc
        return _message(state, body, summary, "tool_use", summary_chars)
    if wants_cash_tool(body):
        try:
            summary, summary_chars = cash_reply(body, wrong_amount=mode == "wrong_amount")
        except BillRequestError as exc:
            raise InvalidRequestError(str(exc)) from exc
        return _message(state, body, summary, "tool_use", summary_chars)
    wants_tool = _wants_draft_tool(body)
    facts = _facts_from(body["messages"])
    amount = facts.amount_due
    if mode == "wrong_amount":
        try:
            amount = f"{Decimal(amount) + Decimal('100.00'):.2f}"
        except InvalidOperation as exc:
            raise InvalidRequestError(f"sandbox: amount_due {amount!r} is not a decimal") from exc
    draft = draft_email(facts, amount)
    if wants_tool:
        tool_id = f"toolu_sbx_{uuid.uuid4().hex[:24]}"
        content: list[dict[str, Any]] = [{"type": "tool_use", "id": tool_id, "name": DRAFT_TOOL, "input": draft}]
        stop_reason, output_chars = "tool_use", len(json.dumps(draft))
    else:
        text = f"Subject: {draft['subject']}\n\n{draft['body']}"
        content, stop_reason, output_chars = [{"type": "text", "text": text}], "end_turn", len(text)
    return _message(state, body, content, stop_reason, output_chars)


def _terms_reply(state: AnthropicState, body: dict[str, Any], mode: Mode) -> JSONResponse:
    try:
        content, output_chars = terms_reply(body, misquote=mode == "wrong_amount")
    except TermsRequestError as exc:
        raise InvalidRequestError(str(exc)) from exc
    return _message(state, body, content, "tool_use", output_chars)


def _message(
    state: AnthropicState, body: dict[str, Any], content: list[dict[str, Any]], stop_reason: str, output_chars: int
) -> JSONResponse:
    """A Messages API response, with its usage block and a request-id header as the API sends them."""
    return JSONResponse(
        {
            "id": f"msg_sbx_{uuid.uuid4().hex[:24]}",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": _usage(state, body, output_chars),
        },
        headers={"request-id": f"req_sbx_{uuid.uuid4().hex[:24]}"},
    )


def _header_error(request: Request) -> JSONResponse | None:
    # SDK 2.x sends the API key as a bearer token; older clients use x-api-key. Accept both.
    scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
    if not request.headers.get("x-api-key") and not (scheme.lower() == "bearer" and bearer.strip()):
        return _error(401, "authentication_error", "x-api-key header is required")
    if not request.headers.get("anthropic-version"):
        return _error(400, "invalid_request_error", "anthropic-version: header is required")
    return None


def build_anthropic_app(state: AnthropicState) -> Starlette:
    async def messages(request: Request) -> Response:
        rejected = _header_error(request)
        if rejected is not None:
            return rejected
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _error(400, "invalid_request_error", "Request body must be a JSON object")
        state.requests.append(body)
        mode = state.take_mode()
        if mode == "overloaded":
            return _error(529, "overloaded_error", "Overloaded")
        if mode == "rate_limited":
            return _error(
                429,
                "rate_limit_error",
                "Number of request tokens has exceeded your per-minute rate limit",
                **{"retry-after": "1"},
            )
        try:
            return _reply(state, body, mode)
        except InvalidRequestError as exc:
            return _error(400, "invalid_request_error", str(exc))

    async def set_mode(request: Request) -> Response:
        try:
            body = ModeRequest.model_validate_json(await request.body())
        except ValidationError as exc:
            return JSONResponse({"error": exc.errors(include_url=False)}, status_code=422)
        state.mode, state.remaining = body.mode, (None if body.mode == "normal" else body.count)
        return JSONResponse({"mode": state.mode, "remaining": state.remaining})

    async def requests(request: Request) -> Response:
        if request.method == "DELETE":
            state.requests.clear()
        return JSONResponse(list(state.requests))

    return Starlette(
        routes=[
            Route("/v1/messages", messages, methods=["POST"]),
            Route("/_sandbox/mode", set_mode, methods=["POST"]),
            Route("/_sandbox/requests", requests, methods=["GET", "DELETE"]),
        ]
    )
