"""Scores a vendor-invoice reader against a labelled directory (frozen/: the held-out set; tune/: the tuning set).

`python -m tests.data.ap.documents.score <module:function> [directory]` prints the table and the misses; the
directory defaults to frozen/. The reader takes the document's text, as `read_document` gives it, and returns
`(ExtractedBill, rejected citations)`.

labels.json maps each file name to what a careful bookkeeper would enter:

    {"vendor_name": str|null, "invoice_number": str|null, "invoice_date": "YYYY-MM-DD"|null,
     "due_date": "YYYY-MM-DD"|null, "po_numbers": [str], "currency": "USD"|"GBP"|"EUR"|null,
     "subtotal": "0.00"|null, "tax": "0.00"|null, "freight": "0.00"|null, "total": "0.00"|null,
     "lines": [{"description": str, "quantity": str|null, "unit_price": str|null, "amount": "0.00"}]}

Labelling conventions: null where the document does not state the value (a due date is never derived from
terms); `total` is this invoice's total, not a balance carrying earlier invoices or net of a deposit; `subtotal` is
the figure labelled as the subtotal (or "Total excl. VAT" / "Net total" when that is the only one); `freight` is a
shipping/delivery charge added to the goods or services (on a carrier's own invoice the haul is a line); tax is
stated as a figure or null; discounts and credits shown as their own rows are lines with a negative amount; a
document that is not an invoice (a quote, a statement) has every field null, as no bill is to be entered from it.

Scoring, per field: a returned value is correct when it equals the label after normalisation (Decimal equality
for money and quantities, date equality, case/space-insensitive identifiers, vendor names equal when one contains
the other once "Ltd/LLC/Inc/GmbH/..." suffixes and punctuation are dropped). precision = correct / values returned,
recall = correct / values labelled (a field with nothing returned, or nothing labelled, scores 1.0 on that side).
PO numbers count one value each. Lines are a matched set: a returned line matches a labelled one when the amounts
are equal and one description contains the other; `line_quantity` and `line_unit_price` are then scored on the
matched pairs (a quantity on an unmatched line counts as returned or labelled, never as correct).
"""

from __future__ import annotations

import importlib
import json
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final

from contracts.ap_matching import ExtractedBill, Quoted, RejectedCitation
from services.validation.documents import DocumentLimits, read_document
from shared.errors import ContractInvalid

HERE: Final = Path(__file__).resolve().parent
FROZEN: Final = HERE / "frozen"
TUNE: Final = HERE / "tune"

Reader = Callable[[str], tuple[ExtractedBill, tuple[RejectedCitation, ...]]]

MONEY: Final = ("subtotal", "tax", "freight", "total")
DATES: Final = ("invoice_date", "due_date")
HEADER: Final = ("vendor_name", "invoice_number", *DATES, "currency", *MONEY)
FIELDS: Final = (*HEADER, "po_numbers", "lines", "line_quantity", "line_unit_price")

_NAME_SUFFIXES: Final = frozenset(
    (
        "ltd",
        "limited",
        "llc",
        "llp",
        "lp",
        "pllc",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "plc",
        "gmbh",
        "ag",
        "kg",
        "sarl",
        "sas",
        "sa",
        "bv",
        "nv",
    )
)
_PO_PREFIX: Final = re.compile(r"^(?:p\.?o\.?|purchase\s*order|order|no\.?|nr\.?|number|#|:|-)+", re.IGNORECASE)
_NUMBER_PREFIX: Final = re.compile(r"^(?:no\.?|nr\.?|#|:)+", re.IGNORECASE)


@dataclass
class FieldScore:
    correct: int = 0
    returned: int = 0
    labelled: int = 0

    @property
    def precision(self) -> float:
        return self.correct / self.returned if self.returned else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.labelled if self.labelled else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: FieldScore) -> None:
        self.correct += other.correct
        self.returned += other.returned
        self.labelled += other.labelled


@dataclass
class Report:
    directory: Path
    fields: dict[str, FieldScore] = field(default_factory=lambda: {f: FieldScore() for f in FIELDS})
    misses: dict[str, list[str]] = field(default_factory=dict)
    extracted: dict[str, ExtractedBill | None] = field(default_factory=dict)
    """What the reader returned per file (None when the file could not be read or the reader raised)."""

    @property
    def files(self) -> int:
        return len(self.extracted)

    @property
    def overall(self) -> FieldScore:
        total = FieldScore()
        for score in self.fields.values():
            total.add(score)
        return total

    def table(self) -> str:
        head = f"{'field':<16}{'correct':>8}{'returned':>9}{'labelled':>9}{'precision':>10}{'recall':>8}{'f1':>7}"
        rows = [f"{self.directory} ({self.files} files)", head, "-" * len(head)]
        for name, s in [*self.fields.items(), ("overall", self.overall)]:
            if name == "overall":
                rows.append("-" * len(head))
            rows.append(
                f"{name:<16}{s.correct:>8}{s.returned:>9}{s.labelled:>9}{s.precision:>10.2f}{s.recall:>8.2f}{s.f1:>7.2f}"
            )
        return "\n".join(rows)

    def render_misses(self) -> str:
        out = []
        for name, misses in self.misses.items():
            out.append(f"{name}:")
            out += [f"  {miss}" for miss in misses]
        return "\n".join(out)


# --- normalisation ------------------------------------------------------------------------------------------------


def norm_text(value: str) -> str:
    return " ".join(value.casefold().split())


def norm_name(value: str) -> str:
    """Lower case, no punctuation (dots vanish so "B.V." is "bv"), trailing company-form words dropped."""
    words = re.sub(r"[^\w&]+", " ", value.casefold().replace(".", "")).split()
    while len(words) > 1 and words[-1] in _NAME_SUFFIXES:
        words.pop()
    return " ".join(words)


def same_name(label: str, value: str) -> bool:
    a, b = norm_name(label), norm_name(value)
    return bool(a and b) and (f" {a} " in f" {b} " or f" {b} " in f" {a} ")


def norm_number(value: str) -> str:
    return _NUMBER_PREFIX.sub("", "".join(value.casefold().split()))


def norm_po(value: str) -> str:
    """The same order number whether written "PO 55081", "P.O. #55081" or "55081"."""
    return _PO_PREFIX.sub("", "".join(value.casefold().split())) or "".join(value.casefold().split())


def to_decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value).replace(",", ""))
    except InvalidOperation:
        return None


def to_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def same_description(label: str, value: str) -> bool:
    a, b = norm_text(label), norm_text(value)
    return min(len(a), len(b)) >= 3 and (a in b or b in a)


def _equal(field_name: str, label: Any, value: Any) -> bool:
    if field_name == "vendor_name":
        return same_name(str(label), str(value))
    if field_name == "invoice_number":
        return norm_number(str(label)) == norm_number(str(value))
    if field_name == "currency":
        return str(label).strip().upper() == str(value).strip().upper()
    if field_name in DATES:
        return to_date(label) == to_date(value)
    return to_decimal(label) == to_decimal(value)


# --- what the reader returned, as plain values -----------------------------------------------------------------------


def _value(quoted: Quoted[Any] | None) -> Any:
    return None if quoted is None else quoted.value


def returned_values(bill: ExtractedBill) -> dict[str, Any]:
    values: dict[str, Any] = {name: _value(getattr(bill, name)) for name in HEADER}
    values["po_numbers"] = [q.value for q in bill.po_numbers]
    values["lines"] = [
        {
            "description": line.description.value,
            "amount": line.amount.value,
            "quantity": _value(line.quantity),
            "unit_price": _value(line.unit_price),
        }
        for line in bill.lines
    ]
    return values


def _match_lines(labelled: Sequence[dict[str, Any]], returned: Sequence[dict[str, Any]]) -> dict[int, int]:
    """Maximum matching of labelled to returned lines (augmenting paths; invoices have few lines)."""
    edges = [
        [
            j
            for j, got in enumerate(returned)
            if to_decimal(want.get("amount")) == to_decimal(got.get("amount"))
            and same_description(str(want.get("description") or ""), str(got.get("description") or ""))
        ]
        for want in labelled
    ]
    owner: dict[int, int] = {}  # returned index -> labelled index

    def augment(i: int, seen: set[int]) -> bool:
        for j in edges[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in range(len(labelled)):
        augment(i, set())
    return {i: j for j, i in owner.items()}


def _line_text(line: dict[str, Any]) -> str:
    return f"{line.get('description')!r} {line.get('amount')}"


def score_file(label: dict[str, Any], got: dict[str, Any], scores: dict[str, FieldScore]) -> list[str]:
    """Adds one file's counts to `scores`; returns its misses."""
    misses: list[str] = []
    for name in HEADER:
        want, value = label.get(name), got.get(name)
        hit = want is not None and value is not None and _equal(name, want, value)
        scores[name].returned += value is not None
        scores[name].labelled += want is not None
        scores[name].correct += hit
        if not hit and (want is not None or value is not None):
            misses.append(f"{name}: expected {want!r}, got {_plain(value)!r}")

    wanted_pos = {norm_po(p) for p in label.get("po_numbers") or []}
    got_pos = {norm_po(str(p)) for p in got.get("po_numbers") or []}
    scores["po_numbers"].labelled += len(wanted_pos)
    scores["po_numbers"].returned += len(got_pos)
    scores["po_numbers"].correct += len(wanted_pos & got_pos)
    if wanted_pos != got_pos:
        misses.append(f"po_numbers: expected {sorted(wanted_pos)}, got {sorted(got_pos)}")

    labelled_lines: list[dict[str, Any]] = list(label.get("lines") or [])
    returned_lines: list[dict[str, Any]] = list(got.get("lines") or [])
    matched = _match_lines(labelled_lines, returned_lines)
    scores["lines"].labelled += len(labelled_lines)
    scores["lines"].returned += len(returned_lines)
    scores["lines"].correct += len(matched)
    for i, want in enumerate(labelled_lines):
        if i not in matched:
            misses.append(f"line missing: {_line_text(want)}")
    for j in sorted(set(range(len(returned_lines))) - set(matched.values())):
        misses.append(f"line extra: {_line_text(returned_lines[j])}")
    for part in ("quantity", "unit_price"):
        score = scores[f"line_{part}"]
        score.labelled += sum(line.get(part) is not None for line in labelled_lines)
        score.returned += sum(line.get(part) is not None for line in returned_lines)
        for i, j in matched.items():
            want, value = labelled_lines[i].get(part), returned_lines[j].get(part)
            hit = want is not None and value is not None and to_decimal(want) == to_decimal(value)
            score.correct += hit
            if not hit and (want is not None or value is not None):
                desc = labelled_lines[i].get("description")
                misses.append(f"line {part} of {desc!r}: expected {want!r}, got {_plain(value)!r}")
    return misses


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal | date):
        return str(value)
    return value


# --- running a reader over a directory ---------------------------------------------------------------------------


def load_labels(directory: Path) -> dict[str, dict[str, Any]]:
    labels: dict[str, dict[str, Any]] = json.loads((directory / "labels.json").read_text(encoding="utf-8"))
    return labels


def document_text(path: Path) -> str:
    return read_document(path.read_bytes(), None, path.name, DocumentLimits()).text


def score(reader: Reader, directory: Path | str = FROZEN) -> Report:
    directory = Path(directory)
    report = Report(directory=directory)
    for name, label in sorted(load_labels(directory).items()):
        path = directory / name
        if not path.is_file():
            raise FileNotFoundError(f"{path} is labelled but missing")
        bill: ExtractedBill | None = None
        problem = ""
        try:
            text = document_text(path)
        except ContractInvalid as exc:
            problem = f"document unreadable: {exc}"
        else:
            try:
                result: Any = reader(text)
                bill = result[0] if isinstance(result, tuple) else result
            except Exception as exc:  # a reader that crashes on one file scores nothing there, and is named
                problem = f"reader raised {type(exc).__name__}: {exc}"
        report.extracted[name] = bill
        got = returned_values(bill) if bill is not None else {}
        misses = ([problem] if problem else []) + score_file(label, got, report.fields)
        if misses:
            report.misses[name] = misses
    return report


def label_bill(label: dict[str, Any]) -> ExtractedBill:
    """The bill a perfect reader would return for `label` (citations are placeholders): tests the scorer itself."""
    span = {"quote": "-", "start": 0, "end": 1}

    def q(value: Any) -> dict[str, Any] | None:
        return None if value is None else {"value": value, "citation": span}

    lines = [
        {name: q(line.get(name)) for name in ("description", "amount", "quantity", "unit_price")}
        for line in label.get("lines") or []
    ]
    return ExtractedBill.model_validate(
        {name: q(label.get(name)) for name in HEADER}
        | {"po_numbers": [q(p) for p in label.get("po_numbers") or []], "lines": lines}
    )


def load_reader(spec: str) -> Reader:
    module_name, _, function = spec.partition(":")
    reader: Reader = getattr(importlib.import_module(module_name), function or "read_offline")
    return reader


def main(argv: Iterable[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help"}:
        print("usage: python -m tests.data.ap.documents.score <module:function> [directory]")
        return 2
    report = score(load_reader(args[0]), Path(args[1]) if len(args) > 1 else FROZEN)
    print(report.table())
    print()
    print(report.render_misses() or "no misses")
    return 0


if __name__ == "__main__":
    sys.exit(main())
