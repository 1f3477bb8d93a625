"""A CRM deal and its contract's bytes in, typed metadata and extracted text out.

Text extraction is services.validation.documents (deterministic); a document it cannot read is a ContractInvalid
naming the field, so it reaches the dead-letter topic instead of crashing.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from contracts.contract_review import (
    ContractDocumentValidated,
    DocumentKind,
    DocumentMeta,
    RawContractFetched,
)
from services.validation.documents import DocumentLimits, decode_content, read_document
from services.validation.money import CENT, MONEY_LIMIT
from shared.errors import ContractInvalid


def _annual_fees(raw: object) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise ContractInvalid(f"not a number: {raw!r}", field="deal.properties.amount") from None
    if not value.is_finite() or not 0 <= value < MONEY_LIMIT:
        raise ContractInvalid(f"not an amount of money: {raw!r}", field="deal.properties.amount")
    return value.quantize(CENT)


def validate_contract(raw: RawContractFetched, limits: DocumentLimits) -> ContractDocumentValidated:
    properties = raw.deal.get("properties")
    if not isinstance(properties, dict):
        raise ContractInvalid("deal has no properties", field="deal.properties")
    if not raw.document_id:
        raise ContractInvalid("deal names no contract document", field="deal.properties.contract_document_id")
    if raw.size_bytes > limits.max_bytes or raw.content_b64 is None:
        raise ContractInvalid(
            f"document is {raw.size_bytes} bytes, over the {limits.max_bytes}-byte limit",
            field="document.size_bytes",
        )
    data = decode_content(raw.content_b64, limits)
    document = read_document(data, raw.content_type, raw.filename, limits)
    meta = DocumentMeta(
        deal_id=raw.deal_id,
        deal_name=str(properties.get("dealname") or f"deal {raw.deal_id}"),
        annual_fees=_annual_fees(properties.get("amount")),
        currency=str(properties.get("deal_currency_code") or "USD"),
        as_of=raw.as_of,
        document_id=raw.document_id,
        kind=DocumentKind(document.kind),
        sha256=document.sha256,
        pages=document.pages,
        chars=len(document.text),
    )
    return ContractDocumentValidated(meta=meta, text=document.text)
