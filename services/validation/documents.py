"""Reading a document's text, for every pipeline that receives documents (contracts, vendor invoices).

Deterministic (pypdf, python-docx). An empty, unreadable, password-protected or oversized document is a
ContractInvalid naming the field, so it reaches the pipeline's dead-letter topic instead of crashing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from typing import Literal

import docx
import pypdf
from docx.opc.exceptions import OpcError
from pypdf.errors import PyPdfError

from shared.errors import ContractInvalid

Kind = Literal["pdf", "docx", "text"]
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_KINDS: dict[str, Kind] = {"application/pdf": "pdf", DOCX_TYPE: "docx", "text/plain": "text"}
_SUFFIXES: dict[str, Kind] = {".pdf": "pdf", ".docx": "docx", ".txt": "text"}


@dataclass(frozen=True)
class DocumentLimits:
    max_bytes: int = 512_000
    max_pages: int = 200
    max_chars: int = 300_000
    min_chars: int = 200


@dataclass(frozen=True)
class ReadDocument:
    kind: Kind
    text: str
    """Normalised: one newline style, no trailing spaces, at most one blank line in a row."""
    pages: int | None
    sha256: str


def document_kind(content_type: str | None, filename: str | None) -> Kind:
    media = (content_type or "").split(";")[0].strip().lower()
    if media in _KINDS:
        return _KINDS[media]
    suffix = ("." + filename.rsplit(".", 1)[-1].lower()) if filename and "." in filename else ""
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    raise ContractInvalid(f"unsupported document type {content_type!r}", field="document.content_type")


def decode_content(content_b64: str, limits: DocumentLimits) -> bytes:
    try:
        data = base64.b64decode(content_b64, validate=True)
    except (binascii.Error, ValueError):
        raise ContractInvalid("document bytes are not valid base64", field="document.content") from None
    if not data:
        raise ContractInvalid("document is empty", field="document.content")
    if len(data) > limits.max_bytes:
        raise ContractInvalid(f"document is over the {limits.max_bytes}-byte limit", field="document.size_bytes")
    return data


def read_document(data: bytes, content_type: str | None, filename: str | None, limits: DocumentLimits) -> ReadDocument:
    kind = document_kind(content_type, filename)
    pages = None
    if kind == "pdf":
        text, pages = pdf_text(data, limits)
    elif kind == "docx":
        text = docx_text(data)
    else:
        text = plain_text(data)
    text = normalise(text)
    if len(text) < limits.min_chars:
        raise ContractInvalid(f"only {len(text)} characters of text could be read", field="document.text")
    if len(text) > limits.max_chars:
        raise ContractInvalid(f"{len(text)} characters is over the {limits.max_chars} limit", field="document.text")
    return ReadDocument(kind=kind, text=text, pages=pages, sha256=hashlib.sha256(data).hexdigest())


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
    """Paragraphs, then each table row as its cells separated by tabs (invoices keep their lines in tables)."""
    try:
        document = docx.Document(io.BytesIO(data))
    except (OpcError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ContractInvalid(f"DOCX is unreadable: {type(exc).__name__}", field="document.content") from None
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += ["\t".join(cell.text for cell in row.cells) for row in table.rows]
    return "\n\n".join(parts)


def plain_text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ContractInvalid("text document is not UTF-8", field="document.content") from None


def normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()
