"""Parser and evaluator for the subset of the Intuit query language the sandbox serves.

    select * | count(*) from <Entity>
        [where <cond> [and <cond>]...] [orderby <Field> [asc|desc]]
        [startposition N] [maxresults M]

    cond := Field op 'literal' | Field in ('a', 'b', ...)     op := = < > <= >= != <>
    (true, false and numbers may also go unquoted)

The literal decides how a value is compared: numeric literals compare numerically, ISO-date
literals as dates, anything else as strings. A record value that cannot be read as the literal's
kind never matches, so a Balance of "N/A" is not `> '0'`.

`Field = ...` and `Field in (...)` on Id, VendorRef or CustomerRef look their candidates up in an index
kept on the table instead of scanning it; the candidates then go through the same filter, order and paging.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from infra.sandboxes.qbo_state import ENTITY_KINDS, EntityKind, Table, id_order

ENTITIES: tuple[EntityKind, ...] = ENTITY_KINDS
DEFAULT_MAX_RESULTS = 100
MAX_RESULTS_CAP = 1000

Op = Literal["=", "!=", "<", ">", "<=", ">=", "in"]
Scalar = Decimal | date | str


class QueryParseError(ValueError):
    """The query text is outside the supported grammar."""


@dataclass(frozen=True)
class Condition:
    field: str
    op: Op
    values: tuple[str, ...]


@dataclass(frozen=True)
class Query:
    entity: EntityKind
    count: bool = False
    conditions: tuple[Condition, ...] = ()
    order_by: str | None = None
    descending: bool = False
    start_position: int = 1
    max_results: int = DEFAULT_MAX_RESULTS


@dataclass
class _Tokens:
    items: list[str]
    pos: int = 0
    source: str = field(default="", repr=False)

    def peek(self) -> str | None:
        return self.items[self.pos] if self.pos < len(self.items) else None

    def peek_keyword(self) -> str | None:
        token = self.peek()
        return token.lower() if token is not None else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise QueryParseError(f"Unexpected end of query: {self.source!r}")
        self.pos += 1
        return token

    def expect(self, keyword: str) -> None:
        token = self.take()
        if token.lower() != keyword:
            raise QueryParseError(f"Expected {keyword!r} but found {token!r}")


_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^'\\]|\\.)*')|(?P<op><=|>=|!=|<>|=|<|>)"
    r"|(?P<punct>[(),*])|(?P<word>[A-Za-z0-9_.\-]+))"
)


def _tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise QueryParseError(f"Unexpected character at position {pos}: {text[pos : pos + 10]!r}")
        tokens.append(match.group().strip())
        pos = match.end()
    return [t for t in tokens if t]


def _literal(token: str) -> str:
    # Booleans and numbers may go unquoted (`Active = true`, `Balance > 0`), as clients such as
    # python-quickbooks write them.
    if token.lower() in ("true", "false") or re.fullmatch(r"-?\d+(\.\d+)?", token):
        return token.lower()
    if len(token) < 2 or not (token.startswith("'") and token.endswith("'")):
        raise QueryParseError(f"Expected a quoted value but found {token!r}")
    return re.sub(r"\\(.)", r"\1", token[1:-1])


def _positive_int(tokens: _Tokens, clause: str) -> int:
    token = tokens.take()
    if not token.isdigit() or int(token) < 1:
        raise QueryParseError(f"{clause} needs a positive integer, found {token!r}")
    return int(token)


def _condition(tokens: _Tokens) -> Condition:
    name = tokens.take()
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_.]*", name):
        raise QueryParseError(f"Invalid field name {name!r}")
    op = tokens.take().lower()
    if op == "in":
        tokens.expect("(")
        values = [_literal(tokens.take())]
        while tokens.peek() == ",":
            tokens.take()
            values.append(_literal(tokens.take()))
        tokens.expect(")")
        return Condition(name, "in", tuple(values))
    if op not in ("=", "!=", "<>", "<", ">", "<=", ">="):
        raise QueryParseError(f"Unsupported operator {op!r}")
    normalised: Op = "!=" if op == "<>" else op  # type: ignore[assignment]
    return Condition(name, normalised, (_literal(tokens.take()),))


def _is_count(tokens: _Tokens) -> bool:
    tokens.expect("select")
    if tokens.peek() == "*":
        tokens.take()
        return False
    if tokens.peek_keyword() != "count":
        raise QueryParseError("Only 'select *' and 'select count(*)' are supported")
    for expected in ("count", "(", "*", ")"):
        tokens.expect(expected)
    return True


def parse_query(text: str) -> Query:
    tokens = _Tokens(_tokenize(text), source=text)
    count = _is_count(tokens)
    tokens.expect("from")
    entity_token = tokens.take()
    entity = next((e for e in ENTITIES if e.lower() == entity_token.lower()), None)
    if entity is None:
        raise QueryParseError(f"Invalid entity {entity_token!r}")

    conditions: list[Condition] = []
    if tokens.peek_keyword() == "where":
        tokens.take()
        conditions.append(_condition(tokens))
        while tokens.peek_keyword() == "and":
            tokens.take()
            conditions.append(_condition(tokens))

    order_by: str | None = None
    descending = False
    if tokens.peek_keyword() in ("orderby", "order"):
        if tokens.take().lower() == "order":
            tokens.expect("by")
        order_by = tokens.take()
        if tokens.peek_keyword() in ("asc", "desc"):
            descending = tokens.take().lower() == "desc"

    start, max_results = 1, DEFAULT_MAX_RESULTS
    while tokens.peek_keyword() in ("startposition", "maxresults"):
        if tokens.take().lower() == "startposition":
            start = _positive_int(tokens, "STARTPOSITION")
        else:
            max_results = min(_positive_int(tokens, "MAXRESULTS"), MAX_RESULTS_CAP)

    if tokens.peek() is not None:
        raise QueryParseError(f"Unexpected token {tokens.peek()!r}")
    return Query(entity, count, tuple(conditions), order_by, descending, start, max_results)


def _field_value(record: dict[str, Any], dotted: str) -> Any:
    value: Any = record
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        # QBO field names are case-insensitive in queries.
        key = next((k for k in value if k.lower() == part.lower()), None)
        value = value.get(key) if key is not None else None
    if isinstance(value, dict) and "value" in value:
        return value["value"]
    return value


def _as_number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _as_date(value: Any) -> date | None:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _coerce_like(literal: str, value: Any) -> tuple[Scalar, Scalar] | None:
    if _as_number(literal) is not None:
        number = _as_number(value)
        return (number, Decimal(literal)) if number is not None else None
    if _as_date(literal) is not None:
        day = _as_date(value)
        return (day, date.fromisoformat(literal)) if day is not None else None
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return text, literal


_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}


def _matches(record: dict[str, Any], cond: Condition) -> bool:
    value = _field_value(record, cond.field)
    if cond.op == "in":
        return any(_matches(record, Condition(cond.field, "=", (v,))) for v in cond.values)
    pair = _coerce_like(cond.values[0], value)
    return pair is not None and bool(_COMPARE[cond.op](*pair))


def _sort_key(record: dict[str, Any], field_name: str) -> tuple[int, Any]:
    value = _field_value(record, field_name)
    number = _as_number(value)
    if number is not None:
        return (0, number)
    day = _as_date(value)
    if day is not None:
        return (1, day)
    return (2, "" if value is None else str(value))


@dataclass(frozen=True)
class QueryResult:
    records: list[dict[str, Any]]
    total_count: int


def run_query(query: Query, records: list[dict[str, Any]]) -> QueryResult:
    """Filter, order and page `records` (already in Id order)."""
    matched = [r for r in records if all(_matches(r, c) for c in query.conditions)]
    if query.order_by is not None:
        order_by = query.order_by
        matched.sort(key=lambda r: _sort_key(r, order_by), reverse=query.descending)
    start = query.start_position - 1
    return QueryResult(matched[start : start + query.max_results], len(matched))


# Fields whose values writes change only by storing a new record, never in place (see Table).
INDEXED_FIELDS: frozenset[str] = frozenset({"id", "vendorref", "customerref"})
_Form = tuple[str, Scalar]


def _value_forms(value: Any) -> tuple[_Form, ...]:
    """Every form in which `value` can equal a literal (see _coerce_like): as a number, a date and a string."""
    forms: list[_Form] = []
    number = _as_number(value)
    if number is not None:
        forms.append(("number", number))
    day = _as_date(value)
    if day is not None:
        forms.append(("date", day))
    if value is not None and not isinstance(value, (dict, list)):
        forms.append(("text", str(value).lower() if isinstance(value, bool) else str(value)))
    return tuple(forms)


def _literal_form(literal: str) -> _Form:
    number = _as_number(literal)
    if number is not None:
        return ("number", number)
    day = _as_date(literal)
    return ("date", day) if day is not None else ("text", literal)


class FieldIndex:
    """The keys of a table's records by the value of one field, in each form a literal can compare it in."""

    def __init__(self, field_name: str) -> None:
        self.field_name = field_name
        self._keys: dict[_Form, set[str]] = {}
        self._filed: dict[str, tuple[_Form, ...]] = {}

    @classmethod
    def attach(cls, table: Table, field_name: str) -> FieldIndex:
        """The table's index on `field_name`, built on first use and kept up to date by the table from then on."""
        index = table.indexes.get(field_name)
        if isinstance(index, cls):
            return index
        index = cls(field_name)
        for key, record in table.items():
            index.stored(key, record)
        table.indexes[field_name] = index
        return index

    def stored(self, key: str, record: dict[str, Any]) -> None:
        self.removed(key)
        forms = _value_forms(_field_value(record, self.field_name))
        for form in forms:
            self._keys.setdefault(form, set()).add(key)
        self._filed[key] = forms

    def removed(self, key: str) -> None:
        for form in self._filed.pop(key, ()):
            keys = self._keys[form]
            keys.discard(key)
            if not keys:
                del self._keys[form]

    def equal_to(self, literal: str) -> set[str]:
        """Keys of the records whose field is `= literal`."""
        return self._keys.get(_literal_form(literal), set())


def _candidates(query: Query, table: Table) -> set[str] | None:
    """Keys of a superset of the matching records from the narrowest indexed condition, or None to scan."""
    best: set[str] | None = None
    for cond in query.conditions:
        field_name = cond.field.lower()
        if cond.op not in ("=", "in") or field_name not in INDEXED_FIELDS:
            continue
        index = FieldIndex.attach(table, field_name)
        keys = set().union(*(index.equal_to(value) for value in cond.values))
        if best is None or len(keys) < len(best):
            best = keys
    return best


def query_table(query: Query, table: Mapping[str, dict[str, Any]]) -> QueryResult:
    """run_query over a whole table, reading only the indexed candidates when a condition has an index."""
    keys = _candidates(query, table) if isinstance(table, Table) else None
    chosen = table if keys is None else keys
    return run_query(query, [table[key] for key in sorted(chosen, key=id_order)])
