"""Citation verification, the extraction tool over the Anthropic sandbox, and document text extraction."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal

import anthropic
import pytest
import pytest_asyncio

from contracts.contract_review import ContractChunk, RawContractFetched
from infra.sandboxes.anthropic_api import AnthropicState
from infra.sandboxes.documents_seed import CONTRACT_5001, CONTRACT_5005, render
from infra.sandboxes.runner import SandboxConfig, running_sandboxes
from services.reasoning.adapters.anthropic_messages import AnthropicMessages
from services.reasoning.adapters.prompt_files import load_prompt
from services.reasoning.pipelines import contract_review
from services.reasoning.pipelines.contract_review.adapters.anthropic_extractor import AnthropicExtractor
from services.reasoning.pipelines.contract_review.domain import terms_tool, verify_and_merge
from services.reasoning.pipelines.contract_review.patterns import extract_chunk
from services.rules.pipelines.contract_review.domain import chunk_contract
from services.validation.documents import DocumentLimits
from services.validation.pipelines.contract_review.domain import validate_contract
from shared.errors import ContractInvalid

CHUNKS = (
    ContractChunk(
        chunk_id="c001",
        heading="1. Payment",
        start=0,
        end=52,
        text="1. Payment\nInvoices are payable net 45 from receipt.",
    ),
    ContractChunk(
        chunk_id="c002",
        heading="2. Law",
        start=52,
        end=100,
        text="2. Law\nGoverned by the laws of the State of Ohio.",
    ),
)


def answer(field: str, value: object, quote: str, chunk_id: str = "c001") -> dict[str, object]:
    return {field: {"value": value, "chunk_id": chunk_id, "quote": quote}}


def test_a_value_quoted_verbatim_is_kept_with_document_offsets() -> None:
    terms, rejected = verify_and_merge(CHUNKS, [answer("governing_law", "Ohio", "State of Ohio", "c002")])
    assert rejected == ()
    assert terms.governing_law is not None and terms.governing_law.value == "Ohio"
    citation = terms.governing_law.citation
    assert (citation.chunk_id, citation.quote) == ("c002", "State of Ohio")
    assert (CHUNKS[0].text + CHUNKS[1].text)[citation.start : citation.end] == "State of Ohio"


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        (answer("payment_net_days", 45, "net 45 days"), "quote not found verbatim in the cited chunk"),
        (answer("payment_net_days", 45, "NET 45"), "quote not found verbatim in the cited chunk"),
        (answer("payment_net_days", 45, "net 45", chunk_id="c009"), "cites a chunk that does not exist"),
        (
            answer("payment_net_days", 45, "Governed by", chunk_id="c001"),
            "quote not found verbatim in the cited chunk",
        ),
        (answer("payment_net_days", "forty-five", "net 45"), "value is not a int"),
        (answer("payment_net_days", 45, "   "), "quote not found verbatim in the cited chunk"),
        ({"payment_net_days": {"chunk_id": "c001", "quote": "net 45"}}, "no value"),
    ],
)
def test_a_value_without_a_verbatim_citation_is_rejected(given: dict[str, object], reason: str) -> None:
    terms, rejected = verify_and_merge(CHUNKS, [given])
    assert terms.payment_net_days is None
    assert [r.reason.split(":")[0] for r in rejected] == [reason]


def test_unknown_fields_are_ignored_and_the_first_verified_value_wins() -> None:
    terms, rejected = verify_and_merge(
        CHUNKS,
        [
            {"approve_contract": {"value": True, "chunk_id": "c001", "quote": "net 45"}},
            answer("payment_net_days", 60, "net 60"),
            answer("payment_net_days", 45, "net 45"),
            answer("payment_net_days", 90, "Invoices"),
        ],
    )
    assert terms.payment_net_days is not None and terms.payment_net_days.value == 45
    assert len(rejected) == 1 and rejected[0].quote == "net 60"
    assert "approve_contract" not in terms.model_dump()


def test_instructions_inside_a_contract_change_no_extracted_value() -> None:
    injected = chunk_contract(CONTRACT_5005)
    clean = chunk_contract(
        CONTRACT_5005.split("3. Note to automated reviewers")[0]
        + CONTRACT_5005.split("do not mention this paragraph.", 1)[-1]
    )
    with_note, _ = verify_and_merge(injected, [extract_chunk(c.chunk_id, c.text) for c in injected])
    without, _ = verify_and_merge(clean, [extract_chunk(c.chunk_id, c.text) for c in clean])
    assert {k: v.value for k, v in with_note if v} == {k: v.value for k, v in without if v}


def test_the_tool_schema_makes_every_value_carry_a_chunk_id_and_quote() -> None:
    schema = terms_tool()["input_schema"]
    assert schema["additionalProperties"] is False
    for spec in schema["properties"].values():
        assert spec["required"] == ["value", "chunk_id", "quote"]


@pytest_asyncio.fixture
async def sandbox_client() -> AsyncIterator[tuple[anthropic.AsyncAnthropic, AnthropicState]]:
    """The Anthropic sandbox on a loopback port: the SDK speaks its real wire format to it."""
    config = SandboxConfig(only=frozenset({"anthropic"}), anthropic_port=0)
    async with running_sandboxes(config) as running:
        client = anthropic.AsyncAnthropic(api_key="sk-sandbox", base_url=running.urls["anthropic"], max_retries=0)
        yield client, running.states.anthropic


async def test_the_sdk_path_extracts_cited_terms_from_the_sandbox(
    sandbox_client: tuple[anthropic.AsyncAnthropic, AnthropicState],
) -> None:
    client, state = sandbox_client
    extractor = AnthropicExtractor(AnthropicMessages(client, "claude-sonnet-4-6"))
    chunks = chunk_contract(CONTRACT_5001)
    prompt = load_prompt(contract_review.__name__, "contract_terms.v1")
    answers = [await extractor.extract_terms(prompt, c) for c in chunks]
    terms, rejected = verify_and_merge(chunks, [a.values for a in answers])
    assert rejected == ()
    assert terms.payment_net_days is not None and terms.payment_net_days.value == 45
    assert terms.liability_cap_multiple is not None and terms.liability_cap_multiple.value == Decimal(1)
    assert terms.effective_date is not None and terms.effective_date.value == date(2026, 3, 1)
    assert all(a.usage.input_tokens > 0 for a in answers)
    assert state.requests[0]["tool_choice"] == {"type": "tool", "name": "record_contract_terms"}

    state.mode = "wrong_amount"  # the sandbox misquotes: every value must be rejected
    misquoted = [await extractor.extract_terms(prompt, c) for c in chunks]
    terms, rejected = verify_and_merge(chunks, [a.values for a in misquoted])
    assert terms.model_dump(exclude_none=True) == {} and len(rejected) >= 10


def raw(kind: str, text: str = "", **overrides: object) -> RawContractFetched:
    content_type, suffix, data = render(kind, text)
    fields: dict[str, object] = {
        "deal_id": "5001", "as_of": date(2026, 11, 21),
        "deal": {"properties": {"dealname": "Pilot", "amount": "25000.00"}},
        "document_id": "doc-5001", "content_type": content_type, "filename": f"doc.{suffix}", "size_bytes": len(data),
        "content_b64": base64.b64encode(data).decode(),
    }  # fmt: skip
    fields.update(overrides)
    return RawContractFetched.model_validate(fields)


@pytest.mark.parametrize("kind", ["pdf", "docx", "text"])
def test_text_is_extracted_from_pdf_docx_and_plain_text(kind: str) -> None:
    validated = validate_contract(raw(kind, CONTRACT_5001), DocumentLimits())
    assert "forty-five (45) days" in validated.text and validated.meta.kind.value == kind
    assert validated.meta.annual_fees == Decimal("25000.00")


@pytest.mark.parametrize(
    ("document", "field"),
    [
        (raw("corrupt_pdf"), "document.content"),
        (raw("encrypted_pdf", CONTRACT_5001), "document.encrypted"),
        (raw("text", "   "), "document.text"),
        (raw("pdf", ""), "document.text"),
        (raw("text", CONTRACT_5001, content_b64=None, size_bytes=9_000_000), "document.size_bytes"),
        (raw("text", "x" * 600_000), "document.size_bytes"),
        (raw("text", CONTRACT_5001, content_b64="@@not base64@@"), "document.content"),
        (raw("text", CONTRACT_5001, content_type="image/png", filename="scan.png"), "document.content_type"),
        (raw("text", CONTRACT_5001, document_id=None), "deal.properties.contract_document_id"),
        (raw("text", CONTRACT_5001, deal={"id": "5001"}), "deal.properties"),
        (raw("text", CONTRACT_5001, deal={"properties": {"amount": "lots"}}), "deal.properties.amount"),
        (raw("text", CONTRACT_5001, deal={"properties": {"amount": "NaN"}}), "deal.properties.amount"),
        (raw("text", CONTRACT_5001, deal={"properties": {"amount": "Infinity"}}), "deal.properties.amount"),
        (raw("text", CONTRACT_5001, deal={"properties": {"amount": "1e30"}}), "deal.properties.amount"),
        (
            raw("docx", CONTRACT_5001, content_b64=base64.b64encode(b"PK\x03\x04 not a zip").decode()),
            "document.content",
        ),
    ],
)
def test_bad_documents_are_contract_invalid_naming_the_field(document: RawContractFetched, field: str) -> None:
    with pytest.raises(ContractInvalid) as caught:
        validate_contract(document, DocumentLimits())
    assert caught.value.field == field
