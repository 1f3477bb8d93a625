"""The approver's summary of a bill: every figure in it is one of rules' facts, whoever wrote it."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.ap_matching import ExceptionKind, MatchException, MatchOutcome
from infra.sandboxes.anthropic_bill import bill_reply
from services.reasoning.adapters.anthropic_messages import ToolCall
from services.reasoning.llm import Prompt, TokenUsage
from services.reasoning.pipelines.ap_matching.adapters.anthropic_explainer import TOOL, AnthropicExplainer
from services.reasoning.pipelines.ap_matching.domain import check_grounding, fixed_summary, needs_llm, prompt_facts
from shared.errors import DraftRefused
from tests.unit.ap_factories import bank_changed, bill_matched

PROMPT = Prompt("bill_exceptions", "1", "system")
money = st.decimals(min_value=Decimal("-99999.99"), max_value=Decimal("99999.99"), places=2)


def _exception(line_id: str, expected: Decimal, found: Decimal, kind: ExceptionKind) -> MatchException:
    return MatchException(kind=kind, detail="d", line_id=line_id, expected=expected, found=found,
                          variance=found - expected)  # fmt: skip


def _facts(*exceptions: MatchException, total: str = "1056.00"):  # type: ignore[no-untyped-def]
    return bill_matched(total, MatchOutcome.EXCEPTIONS, exceptions=exceptions, doc_number="INV-1001",
                        po_numbers=("PO-1001", "1004"))  # fmt: skip


def _sandbox_summary(facts, wrong_amount: bool = False) -> str:  # type: ignore[no-untyped-def]
    user = f"<facts>{json.dumps(prompt_facts(facts), sort_keys=True)}</facts>\nExplain the exceptions."
    body = {"tools": [TOOL], "tool_choice": {"type": "tool", "name": TOOL["name"]},
            "messages": [{"role": "user", "content": user}]}  # fmt: skip
    (block,), _ = bill_reply(body, wrong_amount)
    return str(block["input"]["summary"])


@given(
    line_ids=st.lists(st.integers(1, 120).map(str), min_size=1, max_size=4, unique=True),
    figures=st.lists(st.tuples(money, money), min_size=4, max_size=4),
)
def test_a_summary_copied_from_the_facts_is_grounded_whatever_the_line_numbers(
    line_ids: list[str], figures: list[tuple[Decimal, Decimal]]
) -> None:
    kinds = [ExceptionKind.PRICE_VARIANCE, ExceptionKind.QUANTITY_VARIANCE, ExceptionKind.OVER_RECEIVED]
    exceptions = [
        _exception(line, expected, found, kinds[n % 3])
        for n, (line, (expected, found)) in enumerate(zip(line_ids, figures, strict=False))
    ]
    facts = _facts(*exceptions)
    check_grounding(fixed_summary(facts), facts)
    check_grounding(_sandbox_summary(facts), facts)


def test_a_figure_that_is_not_a_fact_is_refused() -> None:
    facts = _facts(_exception("1", Decimal("1.20"), Decimal("1.32"), ExceptionKind.PRICE_VARIANCE))
    check_grounding("Line 1 is billed at 1.32 against 1.20 on PO-1001: 0.12 over.", facts)
    for invented in ("Line 1 is 10% over.", "The bill is 1057.00.", "Pay by 2026-12-24.", "Line 1 is 0.13 over."):
        with pytest.raises(DraftRefused):
            check_grounding(invented, facts)
    with pytest.raises(DraftRefused):
        check_grounding(_sandbox_summary(facts, wrong_amount=True), facts)


def test_a_matched_bill_needs_no_llm_and_a_bank_change_is_said_without_its_numbers() -> None:
    assert not needs_llm(bill_matched("200.00"))
    held = bank_changed()
    summary = fixed_summary(held)
    check_grounding(summary, held)
    assert "verify" in summary and "9001" not in summary


async def test_the_claude_explainer_sends_only_the_fenced_facts_and_checks_the_tool_shape() -> None:
    class Messages:
        model = "claude-sonnet-4-5"

        def __init__(self) -> None:
            self.seen: list[str] = []

        async def call_tool(self, system: str, tool: object, user: str, max_tokens: int) -> ToolCall:
            self.seen.append(user)
            return ToolCall({"summary": "Bill INV-1001: 1 exception(s)."}, TokenUsage(self.model, 10, 5))

    messages = Messages()
    facts = _facts(_exception("1", Decimal("1.20"), Decimal("1.32"), ExceptionKind.PRICE_VARIANCE))
    summary, usage = await AnthropicExplainer(messages).explain(PROMPT, facts)  # type: ignore[arg-type]
    assert summary.startswith("Bill INV-1001") and usage.output_tokens == 5
    assert messages.seen[0].startswith("<facts>{") and '"expected": "1.20"' in messages.seen[0]
