"""Over its daily LLM budget a pipeline's drafting waits, operators are told, nothing is lost; others carry on."""

from __future__ import annotations

import json
import re
import signal
import time
from collections.abc import Iterator

import httpx
import pytest

from contracts.contract_review import ContractReview
from services.ops.stack import Stack
from tests.e2e.conftest import eventually
from tests.e2e.test_contract_review import CONTRACT, event, fire, new_deal, records, review_requests
from tests.e2e.test_invoice_followup import add_customer, add_invoice, mails, report_for, run, trigger

pytestmark = pytest.mark.e2e
PAUSED = {
    "SEAMLINE_REASONING_PIPELINE_BUDGETS_USD": json.dumps({"contract_review": "0"}),
    "SEAMLINE_REASONING_BUDGET_POLL_S": "0.5",
}


def _paused_gauge(stack: Stack) -> float | None:
    metrics = httpx.get(f"http://127.0.0.1:{stack.config.service_ports['reasoning']}/metrics").text
    found = re.search(r'^seamline_llm_paused\{pipeline="contract_review"\} (\S+)$', metrics, re.MULTILINE)
    return float(found.group(1)) if found else None


def _budget_alerts(client: httpx.Client, stack: Stack) -> list[dict[str, object]]:
    messages = client.get(f"{stack.config.sandbox_urls['slack']}/_sandbox/messages").json()
    return [m for m in messages if "llm_budget_exhausted (contract_review)" in json.dumps(m["payload"])]


@pytest.fixture
def contract_review_budget_spent(stack: Stack) -> Iterator[None]:
    """Reasoning restarted with a zero contract-review budget; restarted with the usual settings afterwards."""
    stack.stop("reasoning")
    stack.start_service("reasoning", PAUSED)
    try:
        yield
    finally:
        stack.stop("reasoning", signal.SIGKILL)
        stack.start_service("reasoning")


def test_over_budget_contract_review_waits_alerts_once_and_resumes_without_loss(
    stack: Stack, sandbox: httpx.Client, contract_review_budget_spent: None
) -> None:
    deal_id = new_deal(sandbox, stack, "Budget Deal", "text", CONTRACT)
    assert fire(sandbox, stack, [event(deal_id)]) == 200
    add_customer(sandbox, stack, "c960", "Ember Tools")
    add_invoice(sandbox, stack, "9601", "c960", "420.00", days_overdue=12)
    correlation_id = run(trigger(stack.config, "e2e"))

    eventually(lambda: records(stack, ContractReview.CHUNKED, deal_id), what="the contract chunked, up to the LLM")
    eventually(lambda: _budget_alerts(sandbox, stack), what="the operators' budget alert")
    assert eventually(lambda: _paused_gauge(stack) == 1.0, what="the paused gauge") is True
    eventually(
        lambda: any("E2E-9601" in m["subject"] for m in mails(stack, sandbox)), what="the other pipeline's email"
    )
    assert report_for(stack, correlation_id).accounted, "invoice follow-up is not held by contract review's budget"
    time.sleep(2)
    assert records(stack, ContractReview.EXTRACTED, deal_id) == [], "no LLM call while the budget is spent"

    stack.stop("reasoning")  # an operator raises the budget: the usual settings
    stack.start_service("reasoning")
    requests = eventually(lambda: review_requests(stack, deal_id), timeout_s=60, what="the review after the pause")
    time.sleep(2)
    assert len(review_requests(stack, deal_id)) == len(requests) == 1, "the waiting contract is reviewed once"
    assert len(records(stack, ContractReview.EXTRACTED, deal_id)) == 1
    assert len(_budget_alerts(sandbox, stack)) == 1, "one alert for the day, across the restart too"
