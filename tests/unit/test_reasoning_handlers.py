"""The reasoning service's handlers through its bootstrap, on TestKafkaBroker, with a fake for every port (drafter,
extractor, spend ledger), and once with the real Anthropic adapters over a fake Messages API at the wire."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import anthropic
import pytest
from faststream.kafka import KafkaRouter

from contracts.contract_review import SPEC as REVIEW
from contracts.contract_review import ContractChunk, ContractChunked, ContractReview, DocumentKind, DocumentMeta
from contracts.envelope import Envelope
from contracts.invoice_followup import SPEC as FOLLOWUP
from contracts.invoice_followup import InvoiceFollowup
from services.reasoning.adapters.anthropic_messages import AnthropicMessages
from services.reasoning.bootstrap import ReasoningDeps, build_deps, build_parts
from services.reasoning.handlers import build_router
from services.reasoning.llm import Prompt, TokenUsage
from services.reasoning.pipelines.contract_review import ContractReasoningPorts
from services.reasoning.pipelines.contract_review.domain import ChunkExtraction
from services.reasoning.pipelines.invoice_followup import FollowUpReasoningPorts
from services.reasoning.pipelines.invoice_followup.domain import Draft
from services.reasoning.settings import ReasoningSettings
from shared.kernel import Kernel
from tests.unit import factories
from tests.unit.harness import kernel_for, running

try:  # anthropic >= 2 speaks httpx2 and refuses httpx clients; older SDKs take httpx
    import httpx2 as wire
except ImportError:  # pragma: no cover - depends on the installed SDK
    import httpx as wire  # type: ignore[no-redef]

# The SDK warns the default model reaches end-of-life on 2026-11-30: a settings matter, not this test's.
pytestmark = pytest.mark.filterwarnings("ignore:The model .* is deprecated:DeprecationWarning")

MODEL = "claude-sonnet-4-6"  # $3 input, $15 output, $3.75 cache write, $0.30 cache read per million tokens
SENDER = "Dana Whitfield"
PROMPT = Prompt(prompt_id="test_prompt", version="9", system="Answer with the tool.")
GROUNDED = (
    "Dear Harbor Marine,\n\n"
    "Invoice 1131 for USD 1250.00 was due on 2026-10-20 and is now 32 days overdue.\n\n"
    f"Thank you,\n{SENDER}"
)
CONTRACT = "1. Payment\nInvoices are payable net 45 from receipt.\n2. Law\nGoverned by the laws of the State of Ohio.\n"
CHUNKS = (
    ContractChunk(chunk_id="c001", heading="1. Payment", start=0, end=52, text=CONTRACT[0:52]),
    ContractChunk(chunk_id="c002", heading="2. Law", start=52, end=len(CONTRACT), text=CONTRACT[52:]),
)


def cited(field: str, value: object, quote: str, chunk_id: str) -> dict[str, Any]:
    return {field: {"value": value, "chunk_id": chunk_id, "quote": quote}}


class FakeDrafter:
    model = MODEL

    def __init__(self, text: str = GROUNDED) -> None:
        self.text = text
        self.usage = TokenUsage(MODEL, 1200, 350, cache_read_tokens=900, cache_write_tokens=40)
        self.facts_seen: list[Mapping[str, str | int | None]] = []

    async def draft_followup(self, prompt: Prompt, facts: Mapping[str, str | int | None]) -> Draft:
        self.facts_seen.append(facts)
        return Draft.written(f"Final reminder: invoice {facts['invoice_number']}", self.text, self.usage)


class FakeExtractor:
    """Answers per chunk id as given; the first call writes the prompt cache, the later ones read it."""

    model = MODEL

    def __init__(self, answers: Mapping[str, Mapping[str, Any]]) -> None:
        self.answers = answers
        self.calls = 0

    async def extract_terms(self, prompt: Prompt, chunk: ContractChunk) -> ChunkExtraction:
        self.calls += 1
        write, read = (1000, 0) if self.calls == 1 else (0, 1000)
        usage = TokenUsage(MODEL, 500, 100, cache_read_tokens=read, cache_write_tokens=write)
        return ChunkExtraction(values=self.answers.get(chunk.chunk_id, {}), usage=usage)


class FakeSpendLedger:
    def __init__(self, spent: Mapping[str, Decimal] | None = None) -> None:
        self.spent: dict[str, Decimal] = dict(spent or {})

    async def spent_today(self, pipeline: str) -> Decimal:
        return self.spent.get(pipeline, Decimal(0))

    async def add(self, pipeline: str, cost: Decimal) -> None:
        self.spent[pipeline] = self.spent.get(pipeline, Decimal(0)) + cost


def _deps(ledger: FakeSpendLedger, **settings: Any) -> ReasoningDeps:
    return build_deps(kernel_for("reasoning"), ReasoningSettings(**settings), ledger=ledger)


def _router(deps: ReasoningDeps, ports: Mapping[str, Any] | None = None) -> tuple[Kernel, KafkaRouter]:
    return deps.kernel, build_router(deps, build_parts(deps, [FOLLOWUP, REVIEW], ports=ports))


def _fakes(drafter: FakeDrafter, extractor: FakeExtractor) -> dict[str, Any]:
    return {
        FOLLOWUP.name: FollowUpReasoningPorts(drafter, PROMPT, SENDER),
        REVIEW.name: ContractReasoningPorts(extractor, PROMPT),
    }


def _chunked() -> ContractChunked:
    meta = DocumentMeta(
        deal_id="5001",
        deal_name="Pilot",
        annual_fees=Decimal("25000.00"),
        currency="USD",
        as_of=factories.AS_OF,
        document_id="doc-5001",
        kind=DocumentKind.TEXT,
        sha256="0" * 64,
        chars=len(CONTRACT),
    )
    return ContractChunked(meta=meta, chunks=CHUNKS)


async def _publish_due(kernel: Kernel) -> None:
    due = factories.follow_up_due()
    message = Envelope.start(due, pipeline=FOLLOWUP.name, tenant="demo-co")
    await kernel.publisher.publish(InvoiceFollowup.DECIDED, message, key=due.invoice_id)


async def _publish_chunked(kernel: Kernel) -> None:
    message = Envelope.start(_chunked(), pipeline=REVIEW.name, tenant="demo-co")
    await kernel.publisher.publish(ContractReview.CHUNKED, message, key="5001")


async def test_a_follow_up_due_becomes_a_draft_on_the_drafted_topic_with_what_it_cost() -> None:
    drafter, ledger = FakeDrafter(), FakeSpendLedger()
    kernel, router = _router(_deps(ledger), _fakes(drafter, FakeExtractor({})))
    async with running(kernel, router, [FOLLOWUP, REVIEW]) as captured:
        await _publish_due(kernel)
    (drafted,) = captured.of(InvoiceFollowup.DRAFTED)
    draft = drafted.payload
    # 1200 x $3 + 350 x $15 + 40 x $3.75 (cache write) + 900 x $0.30 (cache read), per million tokens
    assert draft.cost_usd == Decimal("0.009270")
    tokens = (draft.input_tokens, draft.output_tokens, draft.cache_read_tokens, draft.cache_write_tokens)
    assert tokens == (1200, 350, 900, 40)
    assert (draft.subject, draft.body) == ("Final reminder: invoice 1131", GROUNDED)
    assert (draft.prompt_id, draft.prompt_version, draft.model) == ("test_prompt", "9", MODEL)
    assert draft.facts == factories.follow_up_due()
    assert ledger.spent == {FOLLOWUP.name: Decimal("0.009270")}
    assert "billing@harbor-marine.example" not in drafter.facts_seen[0].values(), "the model never sees the address"
    (audit,) = captured.of(FOLLOWUP.audit)
    record = audit.payload
    assert (record.step, record.outcome, record.cost_usd, record.model) == ("draft", "drafted", draft.cost_usd, MODEL)
    assert captured.of(ContractReview.EXTRACTED) == []


async def test_an_ungrounded_draft_publishes_no_draft_and_is_dead_lettered_with_its_cost_recorded() -> None:
    invented = GROUNDED.replace("USD 1250.00", "USD 1205.00")
    ledger = FakeSpendLedger()
    kernel, router = _router(_deps(ledger), _fakes(FakeDrafter(invented), FakeExtractor({})))
    async with running(kernel, router, [FOLLOWUP]) as captured:
        await _publish_due(kernel)
    assert captured.of(InvoiceFollowup.DRAFTED) == []
    assert [(a.payload.step, a.payload.outcome) for a in captured.of(FOLLOWUP.audit)] == [
        ("draft", "refused:ungrounded")
    ]
    assert len(captured.by_topic[FOLLOWUP.dead_letter]) == 1, "the refused message is kept, not dropped"
    assert ledger.spent == {FOLLOWUP.name: Decimal("0.009270")}, "the call was made and paid for"


async def test_a_chunked_contract_becomes_extracted_terms_whose_citations_were_verified() -> None:
    extractor = FakeExtractor(
        {
            "c001": cited("payment_net_days", 45, "net 45", "c001"),
            "c002": cited("governing_law", "Texas", "State of Texas", "c002"),  # not in the chunk
        }
    )
    ledger = FakeSpendLedger()
    kernel, router = _router(_deps(ledger), _fakes(FakeDrafter(), extractor))
    async with running(kernel, router, [FOLLOWUP, REVIEW]) as captured:
        await _publish_chunked(kernel)
    (extracted,) = captured.of(ContractReview.EXTRACTED)
    terms = extracted.payload
    assert terms.terms.payment_net_days is not None and terms.terms.payment_net_days.value == 45
    citation = terms.terms.payment_net_days.citation
    assert CONTRACT[citation.start : citation.end] == "net 45"
    assert terms.terms.governing_law is None
    assert [(r.field, r.reason) for r in terms.rejected] == [
        ("governing_law", "quote not found verbatim in the cited chunk")
    ]
    assert terms.chunks == 2
    # Two calls: 1000 input, 200 output, 1000 cache write (first), 1000 cache read (second), summed apart.
    tokens = (terms.input_tokens, terms.output_tokens, terms.cache_read_tokens, terms.cache_write_tokens)
    assert tokens == (1000, 200, 1000, 1000)
    assert terms.cost_usd == Decimal("0.010050")
    assert ledger.spent == {REVIEW.name: Decimal("0.010050")}
    (audit,) = captured.of(REVIEW.audit)
    assert (audit.payload.step, audit.payload.outcome) == ("extract", "extracted:1,rejected:1")
    assert captured.of(InvoiceFollowup.DRAFTED) == []


async def test_over_budget_a_pipeline_waits_alerts_once_on_its_alerts_topic_and_resumes() -> None:
    ledger = FakeSpendLedger({REVIEW.name: Decimal("20.00")})
    deps = _deps(ledger, daily_budget_usd=Decimal("20.00"), budget_poll_s=0.01)
    kernel, router = _router(deps, _fakes(FakeDrafter(), FakeExtractor({})))
    async with running(kernel, router, [FOLLOWUP, REVIEW]) as captured:
        waiting = asyncio.create_task(_publish_chunked(kernel))
        for _ in range(100):
            if captured.of(REVIEW.alerts):
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        assert not waiting.done(), "over budget, the LLM call waits"
        assert captured.of(ContractReview.EXTRACTED) == []
        await _publish_due(kernel)  # the other pipeline's budget is its own
        assert len(captured.of(InvoiceFollowup.DRAFTED)) == 1
        ledger.spent[REVIEW.name] = Decimal(0)  # a new day
        await asyncio.wait_for(waiting, timeout=2)
    (alert,) = captured.of(REVIEW.alerts)
    assert alert.pipeline == REVIEW.name
    assert (alert.payload.kind, alert.payload.service) == ("llm_budget_exhausted", "reasoning")
    assert alert.payload.dedupe_key.startswith(f"llm-budget:{REVIEW.name}:")
    assert "20.00 USD" in alert.payload.message
    assert captured.of(FOLLOWUP.alerts) == []
    assert len(captured.of(ContractReview.EXTRACTED)) == 1


# --- both pipelines through the real adapters, over a fake Messages API --------------------------------


class FakeMessagesApi:
    """Answers each forced tool; reports usage as the API does: the cached system prompt is a cache write the
    first time its text is seen and a cache read afterwards, and `input_tokens` is the uncached rest."""

    def __init__(self) -> None:
        self.cached: set[str] = set()
        self.requests: list[dict[str, Any]] = []

    def __call__(self, request: Any) -> Any:
        body = json.loads(request.content)
        self.requests.append(body)
        system = body["system"][0]["text"]
        write, read = (0, 2000) if system in self.cached else (2000, 0)
        self.cached.add(system)
        tool = body["tool_choice"]["name"]
        if tool == "submit_followup_draft":
            answer: dict[str, Any] = {"subject": "Final reminder: invoice 1131", "body": GROUNDED}
        else:
            chunk_id = re.search(r'<contract_chunk id="([^"]+)">', body["messages"][0]["content"])
            answer = cited("payment_net_days", 45, "net 45", "c001") if chunk_id and chunk_id[1] == "c001" else {}
        usage = {
            "input_tokens": 100,
            "output_tokens": 50,
            "cache_creation_input_tokens": write,
            "cache_read_input_tokens": read,
        }
        return wire.Response(
            200,
            json={
                "id": "msg_01",
                "type": "message",
                "role": "assistant",
                "model": MODEL,
                "content": [{"type": "tool_use", "id": "toolu_01", "name": tool, "input": answer}],
                "stop_reason": "tool_use",
                "stop_sequence": None,
                "usage": usage,
            },
        )


async def test_both_pipelines_llm_calls_are_priced_by_one_rule_with_cache_reads_and_writes() -> None:
    api, ledger = FakeMessagesApi(), FakeSpendLedger()
    deps = _deps(ledger)
    client = anthropic.AsyncAnthropic(
        api_key="test-key",
        base_url="http://anthropic.test",
        max_retries=0,
        http_client=wire.AsyncClient(transport=wire.MockTransport(api)),
    )
    deps.claude = AnthropicMessages(client, MODEL)  # what build_deps makes when an API key is set
    kernel, router = _router(deps)  # each pipeline builds its own ports from the deps: the Anthropic adapters
    async with running(kernel, router, [FOLLOWUP, REVIEW]) as captured:
        await _publish_due(kernel)
        await _publish_chunked(kernel)
    (drafted,) = captured.of(InvoiceFollowup.DRAFTED)
    (extracted,) = captured.of(ContractReview.EXTRACTED)

    # Follow-up, one call: 100 x $3 + 50 x $15 + 2000 x $3.75 (cache write), per million tokens.
    draft = drafted.payload
    tokens = (draft.input_tokens, draft.output_tokens, draft.cache_read_tokens, draft.cache_write_tokens)
    assert tokens == (100, 50, 0, 2000)
    assert draft.cost_usd == Decimal("0.008550")
    # Contract review, two calls: 200 x $3 + 100 x $15 + 2000 x $3.75 (write) + 2000 x $0.30 (read).
    terms = extracted.payload
    tokens = (terms.input_tokens, terms.output_tokens, terms.cache_read_tokens, terms.cache_write_tokens)
    assert tokens == (200, 100, 2000, 2000)
    assert terms.cost_usd == Decimal("0.010200")
    assert terms.terms.payment_net_days is not None and terms.terms.payment_net_days.value == 45
    assert ledger.spent == {FOLLOWUP.name: Decimal("0.008550"), REVIEW.name: Decimal("0.010200")}

    # One request builder: every call caches the system prompt (the pipeline's own prompt file) and forces a tool.
    assert len(api.requests) == 3
    systems = {r["system"][0]["text"] for r in api.requests}
    assert all(r["system"][0]["cache_control"] == {"type": "ephemeral"} for r in api.requests)
    assert [r["tool_choice"]["name"] for r in api.requests] == [
        "submit_followup_draft",
        "record_contract_terms",
        "record_contract_terms",
    ]
    assert len(systems) == 2
    assert any("record_contract_terms" in s for s in systems) and any("submit_followup_draft" in s for s in systems)
