"""The pattern extractor: contract terms found by regular expressions, in the extraction tool's output shape.

Used without an API key (demo, tests) and by the Anthropic sandbox. Pure: chunk text in, candidate values out.
Every value quotes the exact span of the chunk it was read from, so it passes the same citation check as a
model's answer. Instructions written inside a contract are text like any other: nothing here acts on them.
"""

# The patterns read best one per line.
# ruff: noqa: E501

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_NUMBER_WORD = (
    r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?"
    r"|one hundred(?: and)?(?: twenty| eighty)?|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)"
)
# "30", "thirty", "thirty (30)", "30 (thirty)"
NUM = rf"(?:\d{{1,3}}(?:\s*\({_NUMBER_WORD}\))?|{_NUMBER_WORD}(?:\s*\(\d{{1,3}}\))?)"
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
DATE = (
    rf"(?:(?:{_MONTHS})\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:day\s+of\s+)?(?:{_MONTHS}),?\s+\d{{4}}"
    r"|\d{4}-\d{2}-\d{2})"
)

Candidate = dict[str, Any]


def number(text: str) -> int | None:
    """30, "thirty", "thirty (30)", "forty-five", "one hundred twenty" -> int."""
    digits = re.search(r"\d+", text)
    if digits:
        return int(digits.group())
    total = 0
    for word in re.split(r"[\s-]+", text.lower()):
        if word in _UNITS:
            total += _UNITS[word]
        elif word in _TENS:
            total += _TENS[word]
        elif word == "hundred":
            total = max(total, 1) * 100
    return total or None


def parse_date(text: str) -> date | None:
    cleaned = re.sub(r"(\d)(st|nd|rd|th)", r"\1", text)
    cleaned = re.sub(r"\s+", " ", cleaned.replace(",", "").replace("day of ", "")).strip()
    for fmt in ("%B %d %Y", "%d %B %Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(cleaned, fmt).date()  # noqa: DTZ007 - a calendar date, no zone
        except ValueError:
            continue
    return None


def _sentences(text: str) -> Iterator[tuple[int, int]]:
    """Spans of sentences (a dot inside "1.5" or "U.S." or before a lower-case word does not end one)."""
    for m in re.finditer(
        r"\S(?:[^.;\n]|\.(?=\d|[a-z]|[A-Z]\.|\s+[a-z])|\n(?![ \t]*\n))*(?:[.;]|(?=\n[ \t]*\n)|$)", text
    ):
        yield m.start(), m.end()


def _months(count: int, unit: str) -> int:
    return count * 12 if unit.lower().startswith("year") else count


def _days(count: int, unit: str) -> int:
    unit = unit.lower()
    if unit.startswith("month"):
        return count * 30
    if unit.startswith("week"):
        return count * 7
    return count


class _Finder:
    """Collects the first value per field, quoting the matched span of the chunk."""

    def __init__(self, chunk_id: str, text: str) -> None:
        self.chunk_id = chunk_id
        self.text = text
        self.found: dict[str, Candidate] = {}

    def put(self, field: str, value: Any, start: int, end: int) -> None:
        quote = self.text[start:end].strip()
        if field not in self.found and quote:
            self.found[field] = {"value": value, "chunk_id": self.chunk_id, "quote": quote}

    def sentences(self, *keywords: str) -> Iterator[tuple[int, int, str]]:
        pattern = re.compile("|".join(keywords), re.IGNORECASE)
        for start, end in _sentences(self.text):
            sentence = self.text[start:end]
            if pattern.search(sentence):
                yield start, end, sentence


_I = re.IGNORECASE
_NET = re.compile(r"\bnet[\s-]*(\d{1,3})\b(?!\s*%)", _I)
_WITHIN_DAYS = re.compile(
    rf"(?:within|no later than|not later than|due(?: and payable)?|payable|paid|in full)\s+(?:in\s+)?({NUM})\s*"
    r"(?:calendar\s+|business\s+)?days?\b",
    _I,
)
_LATE_FEE = re.compile(
    r"(\d{1,2}(?:\.\d{1,2})?\s*(?:%|percent)(?:\s*\([^)]*\))?(?:\s+(?:per|a|each)\s+(?:month|annum|year)|\s+monthly"
    r"|\s+annually)?)",
    _I,
)
_NOTICE = re.compile(
    rf"({NUM})\s*(?:calendar\s+|business\s+)?(days?|months?|weeks?)['\u2019]?\s*(?:\(|prior|advance|written|notice|before|in advance)",
    _I,
)
_NOTICE_LOOSE = re.compile(rf"(?:at least|not less than|no less than|minimum of)\s+({NUM})\s*(days?|months?)", _I)
_MONEY = re.compile(r"(?:US\$|USD|\$|EUR|€|£|GBP|CAD|AUD)\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{2}))?(?!\s*%)")
_MULTIPLE = re.compile(
    rf"({NUM}|\d+(?:\.\d+)?|one and one-half|one and a half|half)\s*(?:\(\s*[\d.]+\s*\)\s*)?(?:times|x)\s+(?:the\s+)?"
    r"(?:total\s+|aggregate\s+|annual\s+|yearly\s+)*(?:fees|amounts|charges|subscription|contract value)",
    _I,
)
_PERCENT_OF_FEES = re.compile(r"(\d{1,3})\s*(?:%|percent)\s+of\s+the\s+(?:total\s+|annual\s+)?(?:fees|amounts)", _I)
_TWELVE_MONTHS_FEES = re.compile(
    r"(?:fees|amounts|charges|sums)\s+(?:actually\s+)?(?:paid|payable|paid or payable|paid and payable)[^.;]{0,120}?"
    r"(?:twelve|12)\s*(?:\(12\)\s*)?(?:-|\s)?month|annual\s+(?:fees|subscription fees|contract value)"
    r"|(?:fees|amounts)\s+(?:paid|payable)[^.;]{0,40}?(?:in|during)\s+the\s+(?:prior|preceding)\s+(?:year|one year)",
    _I,
)
_UNCAPPED = re.compile(
    r"\b(?:unlimited|uncapped|without (?:any )?(?:limit|cap|limitation)(?: as to amount)?|"
    r"shall not be subject to any (?:limit|cap)|no (?:limit|cap|limitation) (?:on|of|to) (?:the )?[a-z' ]*liability)\b",
    _I,
)
_EXCLUSIONS = (
    "gross negligence", "willful misconduct", "wilful misconduct", "fraud", "indemnification",
    "indemnity", "confidentiality", "death or personal injury", "infringement", "data protection",
)  # fmt: skip
_RENEWS = re.compile(
    r"automatically\s+(?:renew|be\s+renewed|extend|be\s+extended|roll\s+over)|auto[- ]?renew"
    r"|(?:renew|extend)(?:s|ed)?\s+automatically|renews?\s+for\s+(?:successive|consecutive)"
    r"|shall\s+(?:thereafter\s+)?renew\s+for|will\s+(?:thereafter\s+)?renew\s+for|successive\s+(?:renewal\s+)?(?:terms|periods)"
    r"|evergreen",
    _I,
)
_NO_RENEWAL = re.compile(
    r"(?:not|never)\s+(?:be\s+)?(?:automatically\s+)?renew(?:ed)?(?:\s+automatically)?|no\s+automatic\s+renewal"
    r"|not\s+auto[- ]?renew|expire\s+automatically|(?:extend|renew)\s+it\s+only\s+by|renewed\s+only\s+by|only\s+(?:be\s+)?renewed\s+by|any\s+renewal\s+(?:shall|will|must)\s+require"
    r"|(?:shall|will)\s+expire\s+(?:at|on)\s+the\s+end\s+of\s+the\s+(?:initial\s+)?term\s+(?:and\s+)?(?:shall|will)\s+not",
    _I,
)
_RENEWAL_TERM = re.compile(
    rf"(?:successive|additional|further|renewal)\s+(?:renewal\s+)?(?:periods?\s+of\s+|terms?\s+of\s+)?({NUM})\s*[- ]?\s*"
    r"(years?|months?)",
    _I,
)
_RENEWAL_TERM_UNIT = re.compile(r"(?:successive|additional|further)\s+(?:one-|1-)?(year|annual|month)(?:ly)?\s", _I)
_TERM = re.compile(
    rf"(?:initial\s+(?:subscription\s+|service\s+)?term|term\s+of\s+this\s+(?:agreement|contract)|period|remain\s+in"
    rf"\s+(?:full\s+)?(?:force|effect)[^.;]{{0,40}}?for|continue|term)[^.;]{{0,80}}?(?:of|for|is|be|:)\s+"
    rf"({NUM})\s*[- ]?\s*(years?|months?)",
    _I,
)
_LAW = re.compile(
    r"(?:governed\s+by|construed\s+(?:in\s+accordance\s+with|under)|subject\s+to|interpreted\s+under|laws\s+of)\s+"
    r"(?:and\s+construed\s+in\s+accordance\s+with\s+)?(?:the\s+)?(?:internal\s+|substantive\s+)?(?:laws?\s+of\s+)?"
    r"(?:the\s+)?(?:State\s+of\s+|Commonwealth\s+of\s+|Province\s+of\s+)?"
    r"((?!the\b|this\b|any\b|laws?\b)[A-Z][a-z]+(?:\s+(?:and\s+)?[A-Z][a-z]+){0,2})",
)
_LAW_FIRST = re.compile(r"\b([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)\s+law\s+(?:shall\s+|will\s+)?govern", 0)
_NOT_PLACES = {
    "Terms",
    "Master",
    "Order",
    "Agreement",
    "Contract",
    "Customer",
    "Provider",
    "Vendor",
    "Supplier",
    "Party",
    "Parties",
    "This",
    "Such",
}


_INJECTION = re.compile(
    r"ignore\s+(?:all\s+)?(?:previous|prior|above)\s+instructions|(?:AI|language)\s+model|automated\s+reviewer"
    r"|system\s+(?:prompt|instruction|notice)",
    _I,
)


def extract_chunk(chunk_id: str, text: str) -> dict[str, Candidate]:
    """Candidate values for one chunk, keyed by field, each with `value`, `chunk_id` and `quote`.

    A chunk that addresses instructions to an AI reader is not read for terms: whatever it asks for, it is not
    a term the parties agreed in the usual form, and the reviewer sees the whole contract anyway.
    """
    if _INJECTION.search(text):
        return {}
    f = _Finder(chunk_id, text)
    for find in _FINDERS:
        find(f)
    return f.found


def _payment(f: _Finder) -> None:
    for start, _, sentence in f.sentences(r"pay", r"invoice", r"\bnet\b", r"\bdue\b"):
        if re.search(r"late|overdue|interest|past due", sentence, _I) and not re.search(
            r"\bnet\b|within", sentence, _I
        ):
            continue
        m = _NET.search(sentence) or _WITHIN_DAYS.search(sentence)
        if m and re.search(r"invoice|payment|payable|\bpaid\b|\bnet\b|\bpay\b", sentence, _I):
            days = number(m.group(1))
            if days is not None and days <= 180:
                f.put("payment_net_days", days, start + m.start(), start + m.end())
                break
    for start, _, sentence in f.sentences(r"late", r"overdue", r"past due", r"interest"):
        m = _LATE_FEE.search(sentence)
        if m and re.search(r"late|overdue|past due|unpaid", sentence, _I):
            f.put("late_fee", re.sub(r"\s+", " ", m.group(1)).strip(), start + m.start(1), start + m.end(1))
            break


def _termination(f: _Finder) -> None:
    for start, _, sentence in f.sentences(r"terminat"):
        cause = re.search(r"material(?:ly)?\s+breach|for\s+cause|breach(?:es)?\s+(?:any|this|a)", sentence, _I)
        if cause:
            f.put("termination_for_cause", True, start + cause.start(), start + cause.end())
        convenience = re.search(
            r"for\s+(?:its\s+)?convenience|for\s+any\s+reason\s+or\s+(?:for\s+)?no\s+reason|without\s+cause"
            r"|for\s+any\s+or\s+no\s+reason|at\s+any\s+time\s+and\s+for\s+any\s+reason",
            sentence,
            _I,
        )
        if convenience:
            negated = re.search(
                r"(?:not|no)\s+(?:be\s+)?(?:entitled|permitted|right|terminate|allowed)[^.;]{0,60}?"
                r"(?:convenience|any reason|without cause)|(?:neither|no)\s+party\s+(?:may|shall|will)[^.;]{0,40}terminat"
                r"|may\s+not\s+(?:be\s+)?terminat",
                sentence,
                _I,
            )
            f.put(
                "termination_for_convenience",
                not negated,
                start + convenience.start(),
                start + convenience.end(),
            )
            notice = _NOTICE.search(sentence) or _NOTICE_LOOSE.search(sentence)
            if notice and not negated:
                days = number(notice.group(1))
                if days:
                    f.put(
                        "termination_notice_days",
                        _days(days, notice.group(2)),
                        start + notice.start(),
                        start + notice.end(),
                    )


def _liability(f: _Finder) -> None:
    for start, _, sentence in f.sentences(r"liabil", r"liable"):
        if _UNCAPPED.search(sentence) and not re.search(
            r"except|exclud|shall not apply|does not apply|other than", sentence, _I
        ):
            m = _UNCAPPED.search(sentence)
            assert m is not None
            f.put("liability_uncapped", True, start + m.start(), start + m.end())
            continue
        capping = re.search(
            r"exceed|limited\s+to|cap|not\s+be\s+liable\s+for\s+more|maximum|in\s+no\s+event", sentence, _I
        )
        if not capping:
            continue
        if (m := _MULTIPLE.search(sentence)) is not None:
            multiple = _multiple(m.group(1))
            if multiple is not None:
                f.put("liability_cap_multiple", multiple, start + m.start(), start + m.end())
        elif (m := _PERCENT_OF_FEES.search(sentence)) is not None:
            f.put("liability_cap_multiple", str(int(m.group(1)) / 100), start + m.start(), start + m.end())
        elif (m := _TWELVE_MONTHS_FEES.search(sentence)) is not None:
            f.put("liability_cap_multiple", "1", start + m.start(), start + m.end())
        money = _MONEY.search(sentence)
        if money:
            amount = money.group(1).replace(",", "") + (f".{money.group(2)}" if money.group(2) else "")
            f.put("liability_cap_amount", amount, start + money.start(), start + money.end())
    for start, _, sentence in f.sentences(r"shall not apply", r"exclu", r"except", r"does not (?:limit|apply)"):
        if not re.search(r"liabil|limitation|cap", sentence, _I):
            continue
        found = [word for word in _EXCLUSIONS if re.search(word, sentence, _I)]
        if found:
            m = re.search("|".join(found), sentence, _I)
            assert m is not None
            f.put("liability_exclusions", ", ".join(found), start + m.start(), start + m.end())
            break


def _multiple(text: str) -> str | None:
    lowered = text.lower()
    if lowered in ("half",):
        return "0.5"
    if "one and" in lowered:
        return "1.5"
    if re.fullmatch(r"\d+(?:\.\d+)?", lowered):
        return lowered
    value = number(lowered)
    return None if value is None else str(value)


def _renewal(f: _Finder) -> None:
    for start, _, sentence in f.sentences(r"renew", r"extend", r"evergreen", r"successive"):
        no = _NO_RENEWAL.search(sentence)
        yes = _RENEWS.search(sentence)
        if no:
            f.put("auto_renewal", False, start + no.start(), start + no.end())
            continue
        if not yes:
            continue
        f.put("auto_renewal", True, start + yes.start(), start + yes.end())
        term = _RENEWAL_TERM.search(sentence)
        if term:
            count = number(term.group(1))
            if count:
                f.put(
                    "renewal_term_months",
                    _months(count, term.group(2)),
                    start + term.start(),
                    start + term.end(),
                )
        elif (unit := _RENEWAL_TERM_UNIT.search(sentence)) is not None:
            months = 1 if unit.group(1).lower() == "month" else 12
            f.put("renewal_term_months", months, start + unit.start(), start + unit.end())
    for start, _, sentence in f.sentences(r"renew", r"non-renewal", r"then-current term", r"expiration"):
        if "renewal_notice_days" in f.found or not re.search(r"notice|notif", sentence, _I):
            continue
        if re.search(r"terminat\w*\s+(?:this\s+agreement\s+)?for\s+convenience", sentence, _I):
            continue
        notice = _NOTICE.search(sentence) or _NOTICE_LOOSE.search(sentence)
        if notice:
            count = number(notice.group(1))
            if count:
                f.put(
                    "renewal_notice_days",
                    _days(count, notice.group(2)),
                    start + notice.start(),
                    start + notice.end(),
                )


def _dates_and_term(f: _Finder) -> None:
    starts = (
        r"effective",
        r"dated",
        r"commenc",
        r"entered into",
        r"\bmade\b",
        r"start",
        r"\bbegin",
        r"takes? effect",
    )
    for start, _, sentence in f.sentences(*starts):
        m = re.search(rf"({DATE})", sentence, _I)
        if m and (parsed := parse_date(m.group(1))) is not None:
            f.put("effective_date", parsed.isoformat(), start + m.start(1), start + m.end(1))
            break
    for start, _, sentence in f.sentences(r"term", r"period", r"continue", r"remain"):
        if re.search(r"renew|successive|additional", sentence, _I) and not re.search(r"initial", sentence, _I):
            continue
        m = _TERM.search(sentence)
        if m:
            count = number(m.group(1))
            if count:
                f.put("initial_term_months", _months(count, m.group(2)), start + m.start(1), start + m.end(2))
                break


def _law(f: _Finder) -> None:
    for start, _, sentence in f.sentences(r"govern", r"construed", r"laws of", r"governing law"):
        for pattern in (_LAW, _LAW_FIRST):
            for m in pattern.finditer(sentence):
                place = m.group(1)
                if place.split()[0] in _NOT_PLACES:
                    continue
                f.put("governing_law", place, start + m.start(1), start + m.end(1))
                return


_FINDERS: tuple[Callable[[_Finder], None], ...] = (
    _payment,
    _termination,
    _liability,
    _renewal,
    _dates_and_term,
    _law,
)
