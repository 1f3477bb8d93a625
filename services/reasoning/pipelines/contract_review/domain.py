"""Term extraction for contract review: the tool schema, and the citation check every value must pass. Pure.

A value is kept only if its quote is found verbatim in the chunk it cites; everything else is rejected and
reported. The contract's text is data: no field of the output can ask for an action.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter, ValidationError

from contracts.contract_review import Citation, ContractChunk, ContractTerms, RejectedValue
from services.reasoning.llm import TokenUsage

TERMS_TOOL_NAME = "record_contract_terms"

FIELD_TYPES: dict[str, type] = {
    "payment_net_days": int,
    "late_fee": str,
    "termination_for_cause": bool,
    "termination_for_convenience": bool,
    "termination_notice_days": int,
    "liability_cap_amount": Decimal,
    "liability_cap_multiple": Decimal,
    "liability_uncapped": bool,
    "liability_exclusions": str,
    "auto_renewal": bool,
    "renewal_term_months": int,
    "renewal_notice_days": int,
    "effective_date": date,
    "initial_term_months": int,
    "governing_law": str,
}
_JSON_TYPE = {int: {"type": "integer", "minimum": 0}, str: {"type": "string", "maxLength": 300},
              bool: {"type": "boolean"}, Decimal: {"type": "string", "pattern": r"^\d+(\.\d+)?$"},
              date: {"type": "string", "format": "date"}}  # fmt: skip
_DESCRIPTIONS = {
    "payment_net_days": "days after the invoice within which payment is due (net N)",
    "late_fee": "late payment fee or interest as written, e.g. '1.5% per month'",
    "termination_for_cause": "true if a party may terminate for material breach / cause",
    "termination_for_convenience": "true if a party may terminate for convenience (without cause); false if excluded",
    "termination_notice_days": "notice in days required to terminate for convenience",
    "liability_cap_amount": "liability cap as a fixed amount, digits only",
    "liability_cap_multiple": "liability cap as a multiple of annual fees (fees of the prior 12 months = 1)",
    "liability_uncapped": "true if liability is stated to be unlimited",
    "liability_exclusions": "what the liability cap does not apply to, comma separated",
    "auto_renewal": "true if the contract renews automatically, false if it states it does not",
    "renewal_term_months": "length of each renewal term in months",
    "renewal_notice_days": "days of notice needed to prevent a renewal",
    "effective_date": "effective or start date, YYYY-MM-DD",
    "initial_term_months": "initial term in months",
    "governing_law": "jurisdiction whose law governs, e.g. 'Delaware', 'England and Wales'",
}


def terms_tool() -> dict[str, Any]:
    """JSON schema of the extraction tool: every field optional, every value with its chunk id and quote."""
    properties = {
        name: {
            "type": "object",
            "description": _DESCRIPTIONS[name],
            "properties": {
                "value": _JSON_TYPE[kind],
                "chunk_id": {"type": "string"},
                "quote": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 600,
                    "description": "the exact words of the chunk the value was read from, copied verbatim",
                },
            },
            "required": ["value", "chunk_id", "quote"],
            "additionalProperties": False,
        }
        for name, kind in FIELD_TYPES.items()
    }
    return {
        "name": TERMS_TOOL_NAME,
        "description": "Record the contract terms stated in this chunk. Leave out any term the chunk does not state.",
        "input_schema": {"type": "object", "properties": properties, "additionalProperties": False},
    }


@dataclass(frozen=True)
class ChunkExtraction:
    """One chunk's raw answer, in the tool's shape, and what the call used."""

    values: Mapping[str, Any]
    usage: TokenUsage


def verify_and_merge(
    chunks: Iterable[ContractChunk], answers: Iterable[Mapping[str, Any]]
) -> tuple[ContractTerms, tuple[RejectedValue, ...]]:
    """Keep each field's first value (in document order) whose quote is in the cited chunk; reject the rest."""
    by_id = {c.chunk_id: c for c in chunks}
    kept: dict[str, dict[str, Any]] = {}
    rejected: list[RejectedValue] = []
    for answer in answers:
        for field, raw in answer.items():
            if field not in FIELD_TYPES or field in kept:
                continue
            chunk_id = str(raw.get("chunk_id", "")) if isinstance(raw, Mapping) else ""
            quote = str(raw.get("quote", "")) if isinstance(raw, Mapping) else ""

            def reject(reason: str, field: str = field, chunk_id: str = chunk_id, quote: str = quote) -> None:
                rejected.append(RejectedValue(field=field, chunk_id=chunk_id, quote=quote[:600] or "-", reason=reason))

            if not isinstance(raw, Mapping) or "value" not in raw:
                reject("no value")
                continue
            chunk = by_id.get(chunk_id)
            if chunk is None:
                reject("cites a chunk that does not exist")
                continue
            citation = cite(chunk, quote)
            if citation is None:
                reject("quote not found verbatim in the cited chunk")
                continue
            try:
                value: object = TypeAdapter(FIELD_TYPES[field]).validate_python(raw["value"])
            except ValidationError as exc:
                reject(f"value is not a {FIELD_TYPES[field].__name__}: {exc.errors()[0]['msg']}")
                continue
            kept[field] = {"value": value, "citation": citation}
    return ContractTerms.model_validate(kept), tuple(rejected)


def cite(chunk: ContractChunk, quote: str) -> Citation | None:
    """The citation of `quote` in `chunk`, with document offsets; None unless it is there verbatim."""
    if not quote.strip():
        return None
    at = chunk.text.find(quote)
    if at < 0:
        return None
    return Citation(chunk_id=chunk.chunk_id, quote=quote, start=chunk.start + at, end=chunk.start + at + len(quote))


def chunk_prompt(chunk: ContractChunk) -> str:
    """The user turn for one chunk. The contract is untrusted: it is fenced and labelled as data."""
    body = chunk.text.replace("</contract_chunk>", "</contract_chunk_>")
    return (
        f'<contract_chunk id="{chunk.chunk_id}">\n{body}\n</contract_chunk>\n'
        f"Record the terms this chunk states, citing chunk id {chunk.chunk_id} and quoting its exact words."
    )
