"""A CRM deal and its contract's bytes in, typed metadata and extracted text out.

Text extraction is deterministic (pypdf, python-docx). An empty, unreadable, password-protected or oversized
document is a ContractInvalid naming the field, so it reaches the dead-letter topic instead of crashing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import docx
import pypdf
from docx.opc.exceptions import OpcError
from pypdf.errors import PyPdfError

from contracts.contract_review import (
    ContractDocumentValidated,
    DocumentKind,
    DocumentMeta,
    RawContractFetched,
)
from services.validation.money import CENT, MONEY_LIMIT
from shared.errors import ContractInvalid

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_KINDS = {
    "application/pdf": DocumentKind.PDF,
    DOCX_TYPE: DocumentKind.DOCX,
    "text/plain": DocumentKind.TEXT,
}
_SUFFIXES = {".pdf": DocumentKind.PDF, ".docx": DocumentKind.DOCX, ".txt": DocumentKind.TEXT}


@dataclass(frozen=True)
class DocumentLimits:
    max_bytes: int = 512_000
    max_pages: int = 200
    max_chars: int = 300_000
    min_chars: int = 200


def document_kind(content_type: str | None, filename: str | None) -> DocumentKind:
    media = (content_type or "").split(";")[0].strip().lower()
    if media in _KINDS:
        return _KINDS[media]
    suffix = ("." + filename.rsplit(".", 1)[-1].lower()) if filename and "." in filename else ""
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    raise ContractInvalid(f"unsupported document type {content_type!r}", field="document.content_type")


def pdf_text(data: bytes, limits: DocumentLimits) -> tuple[str, int]:
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ContractInvalid("document is password-protected", field="document.encrypted")
        pages = len(reader.pages)
        if pages > limits.max_pages:
            raise ContractInvalid(f"{pages} pages is over the {limits.max_pages}-page limit", field="document.pages")
        text = "\n\n".join(page.extract_text() or "" for page in reader.pages)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        # pypdf signals a damaged file through its own errors and, for some damage, through these builtins.
        raise ContractInvalid(f"PDF is unreadable: {type(exc).__name__}", field="document.content") from None
    return text, pages


def docx_text(data: bytes) -> str:
    try:
        document = docx.Document(io.BytesIO(data))
    except (OpcError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ContractInvalid(f"DOCX is unreadable: {type(exc).__name__}", field="document.content") from None
    return "\n\n".join(p.text for p in document.paragraphs)


def plain_text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ContractInvalid("text document is not UTF-8", field="document.content") from None


def _normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


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
    try:
        data = base64.b64decode(raw.content_b64, validate=True)
    except (binascii.Error, ValueError):
        raise ContractInvalid("document bytes are not valid base64", field="document.content") from None
    if not data:
        raise ContractInvalid("document is empty", field="document.content")
    if len(data) > limits.max_bytes:
        raise ContractInvalid(f"document is over the {limits.max_bytes}-byte limit", field="document.size_bytes")
    kind = document_kind(raw.content_type, raw.filename)
    pages = None
    if kind is DocumentKind.PDF:
        text, pages = pdf_text(data, limits)
    elif kind is DocumentKind.DOCX:
        text = docx_text(data)
    else:
        text = plain_text(data)
    text = _normalise(text)
    if len(text) < limits.min_chars:
        raise ContractInvalid(f"only {len(text)} characters of text could be read", field="document.text")
    if len(text) > limits.max_chars:
        raise ContractInvalid(f"{len(text)} characters is over the {limits.max_chars} limit", field="document.text")
    meta = DocumentMeta(
        deal_id=raw.deal_id,
        deal_name=str(properties.get("dealname") or f"deal {raw.deal_id}"),
        annual_fees=_annual_fees(properties.get("amount")),
        currency=str(properties.get("deal_currency_code") or "USD"),
        as_of=raw.as_of,
        document_id=raw.document_id,
        kind=kind,
        sha256=hashlib.sha256(data).hexdigest(),
        pages=pages,
        chars=len(text),
    )
    return ContractDocumentValidated(meta=meta, text=text)
