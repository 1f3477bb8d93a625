"""The offline invoice reader, used without an Anthropic key: it finds a label, then parses the value beside it
(or on the next line), and reads the line table from its header row. It offers candidates in the shape Claude's
tool answers, so both go through the same check (`invoice_reading.verify_bill`). Pure.

Lines addressed to an automated reader are skipped before anything is read from them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from contracts.ap_matching import ExtractedBill, RejectedCitation
from services.reasoning.pipelines.ap_matching.invoice_reading import (
    _INSTRUCTION,
    CURRENCY_CODES,
    CURRENCY_SIGNS,
    amounts_in,
    dates_in,
    day_first_convention,
    verify_bill,
)

Candidate = dict[str, Any]
_SEP: Final = r"\s*(?:[:#]|no\.?|number|num\.?|ref\.?)*\s*[:#]?\s*"
_LABELS: Final[dict[str, tuple[str, ...]]] = {
    "invoice_number": (
        r"invoice\s*(?:no\.?|number|num\.?|#|ref(?:erence)?\.?)",
        r"inv\.?\s*(?:no\.?|#|number)",
        r"bill\s*(?:no\.?|number|#)",
        r"invoice(?=\s*[:#]?\s*[A-Z0-9-]*\d)",
        r"(?:our\s+)?reference",
        r"document\s*(?:no\.?|number)",
    ),
    "invoice_date": (
        r"invoice\s*date",
        r"date\s*of\s*(?:issue|invoice)",
        r"issue(?:d)?\s*(?:date|on)?",
        r"tax\s*point(?:\s*date)?",
        r"invoice\s*dated",
        r"date(?!\s*(?:due|of\s*supply|paid))",
    ),
    "due_date": (r"(?:payment\s*)?due\s*(?:date|on|by)?", r"pay(?:ment)?\s*by", r"please\s*pay\s*by"),
    "po_numbers": (
        r"(?:your\s*|customer\s*|client\s*)?purchase\s*order\s*(?:no\.?|number|#|ref\.?)?",
        r"(?:your\s*|customer\s*|client\s*)?p\.?\s?o\.?(?!\s*box)\s*(?:no\.?|number|#|ref\.?)?",
        r"(?:your|customer)\s*order\s*(?:ref(?:erence)?|no\.?|number|#)?",
        r"order\s*(?:ref(?:erence)?|no\.?|number)",
    ),
}
_TOTAL_LABELS: Final = (  # this invoice's total, first: a balance can carry a deposit or earlier invoices
    r"grand\s*total", r"invoice\s*total", r"total\s*due", r"total\s*payable",
    r"total(?:\s*\((?:[A-Z]{3}|incl\.?[^)]*)\))?(?:\s*incl(?:uding|\.)?\s*(?:vat|tax|gst))?",
)  # fmt: skip
_DUE_LABELS: Final = (r"(?:total\s*)?amount\s*due", r"balance\s*due", r"amount\s*payable")
_SUBTOTAL_LABELS: Final = (
    r"sub-?\s*total", r"total\s*excl(?:uding|\.)?\s*(?:vat|tax|gst)", r"net\s*(?:total|amount)",
    r"net(?=\s{2,}|\s*[:$£€])",
)  # fmt: skip
_TAX_LABELS: Final = (
    r"(?:sales\s*)?tax(?:\s*\(?[\d.,]+\s*%\)?)?",
    r"vat(?:\s*(?:@|at)?\s*\(?[\d.,]+\s*%\)?)?",
    r"gst",
    r"hst",
)
_FREIGHT_LABELS: Final = (
    r"freight(?!\s*(?:terms|date|on)\b)",
    r"shipping(?:\s*(?:&|and)\s*handling)?(?!\s*(?:date|address|to|on|terms|method|via)\b)",
    r"delivery(?:\s*charge)?(?!\s*(?:date|address|note|to|on|terms|method)\b)",
    r"carriage",
    r"postage",
)
_SUMMARY: Final = (
    *_TOTAL_LABELS,
    *_DUE_LABELS,
    *_SUBTOTAL_LABELS,
    *_TAX_LABELS,
    *_FREIGHT_LABELS,
    r"previous",
    r"balance",
)
_NOT_TOTAL: Final = re.compile(r"sub-?\s*total|excl|before\s*tax|previous|prior|paid|deposit|credit|discount", re.I)
_HEADER_WORDS: Final = {  # checked in this order: "Line Total" is an amount, "Unit Price" a price
    "amount": r"amount|line\s*total|total|net\s*amount|ext(?:ended)?\.?\s*price|value|net",
    "unit_price": r"unit\s*price|price|rate|unit\s*cost|each|cost",
    "quantity": r"qty|quantity|hours|hrs|units|no\.\s*of|days",
    "description": r"description|item|service|details|product|particulars|work|activity",
}
_ROW_END: Final = re.compile(
    r"^\s*(sub-?\s*total|total|tax|vat|gst|freight|shipping|delivery|amount\s*due|balance|net\s*total|notes?\b|terms\b"
    r"|payment|thank)",
    re.I,
)
_SKIP_NAME: Final = re.compile(
    r"^(tax\s*)?invoice\b|^bill\b|^statement|^quote|^page\b|^date\b|^to:|^from:|^bill\s*to|^ship\s*to|^remit", re.I
)


@dataclass(frozen=True)
class _Column:
    start: int
    end: int
    kind: str
    """description, quantity, unit_price, amount, or "" for a column the reader does not use."""


@dataclass(frozen=True)
class _Line:
    text: str
    start: int


def _lines(text: str) -> list[_Line]:
    out, at = [], 0
    for raw in text.split("\n"):
        out.append(_Line(raw, at))
        at += len(raw) + 1
    return out


def _cand(value: Any, quote: str, start: int) -> Candidate:
    return {"value": str(value), "quote": quote, "start": start}


def _label_at(line: str, patterns: tuple[str, ...]) -> re.Match[str] | None:
    """The label at the start of `line`, or after a '/' (bilingual labels: 'Rechnungsdatum / Invoice date:')."""
    for pattern in patterns:
        found = re.match(rf"\s*(?:[^/:\d]{{1,40}}/\s*)?(?:{pattern})(?![a-z])\s*[:#.\-]*\s*", line, re.I)
        if found:
            return found
    return None


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = [ln for ln in _lines(text) if not _INSTRUCTION.search(ln.text)]
        self.day_first = day_first_convention(text)

    def _after_label(self, patterns: tuple[str, ...]) -> list[tuple[str, int]]:
        """(text after the label, its offset) on the label's line, or the next non-empty line when nothing follows."""
        found = []
        for i, line in enumerate(self.lines):
            for part_start, part in self._cells(line):
                label = _label_at(part, patterns)
                if label is None:
                    continue
                rest = part[label.end() :]
                cells = self._cells(line)
                following = [c for c in cells if c[0] > part_start]
                if rest.strip():
                    found.append((rest, part_start + label.end()))
                elif following:  # a label cell, its value in the next cell of the line
                    found.append((following[0][1], following[0][0]))
                elif i + 1 < len(self.lines) and self.lines[i + 1].text.strip():
                    nxt = self.lines[i + 1]
                    found.append((nxt.text, nxt.start))
        return found

    @staticmethod
    def _cells(line: _Line) -> list[tuple[int, str]]:
        """A line split where a table or a two-column layout separates cells (tabs, runs of 3+ spaces)."""
        cells, at = [], 0
        for piece in re.split(r"(\t|\s{3,})", line.text):
            if piece.strip() and not re.fullmatch(r"\t|\s{3,}", piece):
                cells.append((line.start + at, piece))
            at += len(piece)
        return cells or [(line.start, line.text)]

    def token(self, patterns: tuple[str, ...], token: str) -> Candidate | None:
        for rest, at in self._after_label(patterns):
            found = re.match(rf"\s*({token})", rest)
            if found:
                return _cand(found.group(1), found.group(1), at + found.start(1))
        return None

    def date(self, patterns: tuple[str, ...]) -> Candidate | None:
        for rest, at in self._after_label(patterns):
            head = rest[:40]
            for value, start, end in dates_in(head, self.day_first):
                return _cand(value.isoformat(), head[start:end], at + start)
        return None

    def amount(self, patterns: tuple[str, ...], exclude: re.Pattern[str] | None = None) -> Candidate | None:
        """The last amount on the label's line (a summary line: label, perhaps a rate, then the figure)."""
        for line in reversed(self.lines):
            label = _label_at(line.text, patterns)
            if label is None or (exclude is not None and exclude.search(line.text[: label.end() + 1])):
                continue
            rest = line.text[label.end() :]
            figures = [f for f in amounts_in(rest) if rest[f[2] : f[2] + 1] != "%"]
            if figures:
                value, start, end = figures[-1]
                return _cand(value, rest[start:end], line.start + label.end() + start)
        return None

    def po_numbers(self) -> list[Candidate]:
        out: list[Candidate] = []
        for rest, at in self._after_label(_LABELS["po_numbers"]):
            for found in re.finditer(r"(?:[A-Z]{1,5}[ -]?)?\d[\w\-/]*|[A-Z][A-Z0-9]*-[A-Z0-9][A-Z0-9\-]*", rest[:60]):
                value = found.group(0).strip("-/")
                if value and not any(c["value"] == value for c in out) and not re.fullmatch(r"\d{1,2}", value):
                    out.append(_cand(value, value, at + found.start()))
                break
        return out

    def vendor_name(self) -> Candidate | None:
        """The issuer: the first line of the letterhead that reads as a name (not a label, an address or a date),
        or the name after 'From:'."""
        for rest, at in self._after_label((r"from", r"supplier", r"vendor", r"seller", r"issued\s*by")):
            name = rest.strip().split("   ")[0]
            if re.search(r"[A-Za-z]{2}", name):
                return _cand(name, name, at + rest.find(name))
        for line in self.lines[:12]:
            stripped = line.text.strip()
            if not stripped or _SKIP_NAME.search(stripped) or re.search(r"\d{3}|@|www\.|https?:", stripped):
                continue
            if re.search(r"[A-Za-z]{3}", stripped) and len(stripped) <= 80:
                name = re.split(r"\s{3,}|\t", stripped)[0]
                return _cand(name, name, line.start + line.text.find(name))
        return None

    def currency(self, total: Candidate | None) -> Candidate | None:
        around = []
        if total is not None:
            at = int(total["start"])
            line_start = self.text.rfind("\n", 0, at) + 1
            line_end = self.text.find("\n", at)
            around.append((self.text[line_start : line_end if line_end >= 0 else len(self.text)], line_start))
        around += [(ln.text, ln.start) for ln in self.lines]
        for text, start in around:
            for found in re.finditer(r"\b[A-Z]{3}\b", text):
                if found.group(0) in CURRENCY_CODES:
                    return _cand(found.group(0), found.group(0), start + found.start())
            for sign, code in CURRENCY_SIGNS.items():
                if sign in text:
                    return _cand(code, sign, start + text.index(sign))
        return None

    def lines_table(self) -> list[Candidate]:
        rows: list[Candidate] = []
        header_at = None
        columns: list[_Column] = []
        for i, line in enumerate(self.lines):
            cells = self._cells(line)
            kinds = [self._header_kind(c) for _, c in cells]
            if "description" in kinds and "amount" in kinds and len([k for k in kinds if k]) >= 2:
                header_at = i
                columns = [
                    _Column(at - line.start, at - line.start + len(c), k or "")
                    for (at, c), k in zip(cells, kinds, strict=True)
                ]
                break
        if header_at is None:
            return self._rows_without_header()
        for line in self.lines[header_at + 1 :]:
            if not line.text.strip():
                continue
            if _ROW_END.match(line.text) or _label_at(self._cells(line)[0][1], _SUMMARY) is not None:
                break
            row = self._row(line, columns)
            if row is not None:
                rows.append(row)
        return rows

    def _rows_without_header(self) -> list[Candidate]:
        """Items listed without a header row: lines of a description and one amount at the end (a currency code or
        sign allowed), after the invoice's own labelled fields and before its totals."""
        labels = tuple(p for patterns in _LABELS.values() for p in patterns)
        rows: list[Candidate] = []
        for line in self.lines:
            cells = self._cells(line)
            if len(cells) < 2:
                continue
            first = cells[0][1]
            if _label_at(first, _SUMMARY) is not None:
                if rows:
                    break
                continue
            if _label_at(first, labels) is not None or not re.search(r"[A-Za-z]{3}", first):
                continue
            last_at, last = cells[-1]
            if len(cells) == 2 and len(amounts_in(last)) == 1 and not re.search(r"[A-Za-z]{3}", _no_codes(last)):
                value, start, end = amounts_in(last)[-1]
                rows.append({
                    "description": _cand(first.strip(), first.strip(), cells[0][0]),
                    "amount": _cand(value, last[start:end], last_at + start),
                })  # fmt: skip
        return rows

    @staticmethod
    def _header_kind(cell: str) -> str | None:
        """What a header cell names: a short cell without figures whose words include a column's word."""
        if len(cell.strip()) > 45 or re.search(r"\d", cell):
            return None
        for kind, pattern in _HEADER_WORDS.items():
            if re.search(rf"\b(?:{pattern})\b", cell, re.I):
                return kind
        return None

    def _row(self, line: _Line, columns: list[_Column]) -> Candidate | None:
        """A row's cells under the header's columns: by position when the row has as many cells as the header (a
        tab table), else by where each cell sits under the header (a column of other figures, a VAT rate, shifts
        nothing). The amount is the figure under the amount column, or the row's last figure."""
        cells = self._cells(line)
        if len(cells) < 2:
            cells = self._split_numbers(line)
        numeric = [(at, c) for at, c in cells if amounts_in(c) and not re.search(r"[A-Za-z]{3}", _no_codes(c))]
        words = [(at, c) for at, c in cells if (at, c) not in numeric]
        if not numeric or not words:
            return None
        description_at, description = words[0]
        row: Candidate = {"description": _cand(description.strip(), description.strip(), description_at)}
        for at, cell in numeric:
            if len(cells) == len(columns):
                kind = columns[cells.index((at, cell))].kind
            else:
                start, end = at - line.start, at - line.start + len(cell)
                kind = min(columns, key=lambda c: min(abs(c.start - start), abs(c.end - end))).kind
            if kind in ("quantity", "unit_price", "amount") and kind not in row and "%" not in cell:
                value, start_at, end_at = amounts_in(cell)[-1]
                row[kind] = _cand(value, cell[start_at:end_at], at + start_at)
        if "amount" not in row:
            at, cell = numeric[-1]
            value, start_at, end_at = amounts_in(cell)[-1]
            row["amount"] = _cand(value, cell[start_at:end_at], at + start_at)
        return row

    @staticmethod
    def _split_numbers(line: _Line) -> list[tuple[int, str]]:
        """A row whose cells are separated by single spaces: the text, then each trailing number."""
        trailing = re.search(r"(\s+[$£€]?-?[\d.,]+(?:\s*[$£€])?)+\s*$", line.text)
        if trailing is None:
            return [(line.start, line.text)]
        cells = [(line.start, line.text[: trailing.start()])]
        for found in re.finditer(r"[$£€]?-?[\d.,]+", line.text[trailing.start() :]):
            cells.append((line.start + trailing.start() + found.start(), found.group(0)))
        return cells


def _no_codes(cell: str) -> str:
    return re.sub(r"\b(?:" + "|".join(CURRENCY_CODES) + r")\b", "", cell)


_INVOICE_TITLE: Final = re.compile(r"^(?:(?:tax|vat|commercial)\s+)?invoice$|^\w+\s*/\s*invoice$|^invoice\s*/", re.I)
_NOT_AN_INVOICE: Final = re.compile(
    r"(statement(\s+of\s+account)?|quot(e|ation)|estimate|pro\s?forma(\s+invoice)?|remittance advice|purchase order)",
    re.I,
)


def not_an_invoice(text: str) -> bool:
    """A document whose title (a line of its letterhead) says it is a statement, a quote, an estimate, a pro-forma
    or an order, and none says invoice: no bill is entered from it."""
    head = [line for line in text.split("\n")[:15] if line.strip()]
    titled = [line for line in head if _NOT_AN_INVOICE.fullmatch(" ".join(re.sub(r"[^A-Za-z ]", " ", line).split()))]
    invoiced = [line for line in head if _INVOICE_TITLE.match(" ".join(re.sub(r"[^A-Za-z/ ]", " ", line).split()))]
    return bool(titled) and not invoiced


def read_candidates(text: str) -> dict[str, Any]:
    if not_an_invoice(text):
        return {"po_numbers": [], "lines": []}
    reader = _Reader(text)
    number = r"[A-Z]{0,6}[-/ ]?[A-Z0-9]*\d[A-Z0-9\-/]*"
    total = reader.amount(_TOTAL_LABELS, exclude=_NOT_TOTAL) or reader.amount(_DUE_LABELS, exclude=_NOT_TOTAL)
    return {
        "vendor_name": reader.vendor_name(),
        "invoice_number": reader.token(_LABELS["invoice_number"], number),
        "invoice_date": reader.date(_LABELS["invoice_date"]),
        "due_date": reader.date(_LABELS["due_date"]),
        "po_numbers": reader.po_numbers(),
        "currency": reader.currency(total),
        "subtotal": reader.amount(_SUBTOTAL_LABELS),
        "tax": reader.amount(_TAX_LABELS, exclude=re.compile(r"excl|incl", re.I)),
        "freight": reader.amount(_FREIGHT_LABELS),
        "total": total,
        "lines": reader.lines_table(),
    }


def read_offline(text: str) -> tuple[ExtractedBill, tuple[RejectedCitation, ...]]:
    """The offline reader's candidates through the same check as Claude's."""
    return verify_bill(text, read_candidates(text))
