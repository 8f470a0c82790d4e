"""Finding dates in a member's free text, British style (used by ``facts``).

Not the ISO parser (that is ``ats_helpdesk.dates``, for values we are given);
this finds the dates people write: day-first numbers ("3/4/2025" is 3 April),
ordinals and month names ("3rd April", "14th of March 2025", "March 14",
"Mon 3 Feb") and relative phrases ("yesterday", "last Friday", "next Friday",
"on Monday", "two weeks ago") resolved against the day the message was sent,
as a Europe/London date (DOMAIN.md, counting convention).

Conventions (documented in docs/classifier.md):
- A date without a year takes the year that puts it nearest the sent day.
- "last Friday" is the latest Friday before the sent day; "next Friday" and
  "this Friday" the first Friday after it (today counts for "this").
- A bare weekday ("on Monday") is the latest one before the sent day when the
  sentence is in the past tense, else the first one after it.
Hand-written regexes rather than ``dateparser``: they are about 50 times faster
and every reading above is ours to test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = ["FoundDate", "find_dates"]

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "a couple of": 2, "a few": 3,
}  # fmt: skip

_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY = (
    r"(?:mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?"
    r"|sat(?:urday)?|sun(?:day)?)"
)
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("iso", re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)\b")),
    (
        "numeric",
        re.compile(r"\b(?P<day>[0-3]?\d)[/.](?P<month>[01]?\d)[/.](?P<year>(?:19|20)?\d\d)\b"),
    ),
    # "(27/03)": day and month only; the year is the one nearest the sent day.
    # Only after a word that introduces a date, or in brackets: "1/2 of it" is a fraction.
    (
        "day_month_numeric",
        re.compile(
            r"(?:(?<=\()|(?<=\bon )|(?<=\bby )|(?<=\buntil )|(?<=\btill )|(?<=\bdue )"
            r"|(?<=\bdated )|(?<=\bbefore )|(?<=\bafter )|(?<=\bfrom ))"
            r"(?P<day>[0-3]?\d)/(?P<month>[01]?\d)(?![\d/.])",
            re.IGNORECASE,
        ),
    ),
    (
        "day_month",
        re.compile(
            rf"\b(?:{_WEEKDAY},?\s+)?(?:the\s+)?{_DAY}(?:\s+of)?\s+{_MONTH}(?:,?\s+{_YEAR})?\b",
            re.IGNORECASE,
        ),
    ),
    (
        "month_day",
        re.compile(
            rf"\b(?:{_WEEKDAY},?\s+)?{_MONTH}\s+(?:the\s+)?{_DAY}\b(?!\s*(?:am|pm|hours|days))"
            rf"(?:,?\s+{_YEAR})?",
            re.IGNORECASE,
        ),
    ),
    ("relative_day", re.compile(r"\b(?P<word>today|yesterday|tomorrow)\b", re.IGNORECASE)),
    (
        "weekday",
        re.compile(
            rf"\b(?P<which>last|next|this|on|coming|past)\s+(?P<weekday>{_WEEKDAY})\b",
            re.IGNORECASE,
        ),
    ),
    (
        "ago",
        re.compile(
            r"\b(?P<count>\d{1,2}|a couple of|a few|an?|one|two|three|four|five|six|seven|eight"
            r"|nine|ten)\s+(?P<unit>days?|weeks?|months?)\s+ago\b",
            re.IGNORECASE,
        ),
    ),
)
_PAST_TENSE = re.compile(
    r"\b(?:was|were|had|did|got|received|heard|came|arrived|sent|told|happened|died|passed"
    r"|went|started|began|broke|crashed|failed|informed|notified|took|ago)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FoundDate:
    value: date
    start: int  # character offsets in the text searched
    end: int
    text: str


def find_dates(text: str, sent_on: date | None) -> list[FoundDate]:
    """Every date found in ``text``, in order; relative ones need ``sent_on``."""
    found: list[FoundDate] = []
    taken: list[tuple[int, int]] = []
    lower = text.lower()
    for kind, pattern in _PATTERNS:
        if not _may_match(kind, lower):
            continue
        for match in pattern.finditer(text):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            value = _resolve(kind, match, text, sent_on)
            if value is not None:
                taken.append((match.start(), match.end()))
                found.append(FoundDate(value, match.start(), match.end(), match.group(0)))
    return sorted(found, key=lambda f: f.start)


_HAS_NUMERIC = re.compile(r"\d[/.-]\d")
_MONTH_STEMS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEKDAY_STEMS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _may_match(kind: str, lower: str) -> bool:
    """Cheap substring tests that skip a pattern which cannot match (500 msg/s budget)."""
    if kind in ("iso", "numeric", "day_month_numeric"):
        return bool(_HAS_NUMERIC.search(lower))
    if kind in ("day_month", "month_day"):
        return any(stem in lower for stem in _MONTH_STEMS)
    if kind == "weekday":
        return any(stem in lower for stem in _WEEKDAY_STEMS)
    if kind == "ago":
        return "ago" in lower
    return "day" in lower or "tomorrow" in lower


def _resolve(kind: str, match: re.Match[str], text: str, sent_on: date | None) -> date | None:
    if kind in ("iso", "numeric", "day_month_numeric", "day_month", "month_day"):
        return _absolute(match, sent_on)
    if sent_on is None:
        return None
    if kind == "relative_day":
        offset = {"today": 0, "yesterday": -1, "tomorrow": 1}[match["word"].lower()]
        return sent_on + timedelta(days=offset)
    if kind == "weekday":
        return _weekday(
            match["which"].lower(), match["weekday"], _sentence_of(text, match), sent_on
        )
    return _ago(match["count"].lower(), match["unit"].lower(), sent_on)


def _absolute(match: re.Match[str], sent_on: date | None) -> date | None:
    month_text = match["month"]
    month = int(month_text) if month_text.isdigit() else _MONTHS.get(month_text.lower()[:4])
    if month is not None and not 1 <= month <= 12:
        return None
    if month is None:
        month = _MONTHS.get(month_text.lower()[:3])
    day = int(match["day"])
    year_text = match["year"] if "year" in match.re.groupindex else None
    try:
        if year_text:
            year = int(year_text)
            year = year + 2000 if year < 100 else year
            return date(year, month or 0, day)
        if sent_on is None or month is None:
            return None
        candidates = []
        for year in (sent_on.year - 1, sent_on.year, sent_on.year + 1):
            try:
                candidates.append(date(year, month, day))
            except ValueError:
                continue
        return min(candidates, key=lambda d: abs((d - sent_on).days)) if candidates else None
    except ValueError:  # 31/02/2025, 13/13/2025: not a date
        return None


def _weekday(which: str, weekday_text: str, sentence: str, sent_on: date) -> date:
    target = _WEEKDAYS[weekday_text.lower()[:3]]
    ahead = (target - sent_on.weekday()) % 7
    if which in ("last", "past") or (which == "on" and _PAST_TENSE.search(sentence)):
        back = (sent_on.weekday() - target) % 7 or 7
        return sent_on - timedelta(days=back)
    if which == "this" or which == "coming":
        return sent_on + timedelta(days=ahead)
    return sent_on + timedelta(days=ahead or 7)


def _ago(count_text: str, unit: str, sent_on: date) -> date:
    count = int(count_text) if count_text.isdigit() else _NUMBERS.get(count_text, 1)
    if unit.startswith("day"):
        return sent_on - timedelta(days=count)
    if unit.startswith("week"):
        return sent_on - timedelta(weeks=count)
    month = sent_on.month - count
    year = sent_on.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    for day in (sent_on.day, 30, 29, 28):  # clamp to the month's end (DOMAIN.md)
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return date(year, month, 28)


def _sentence_of(text: str, match: re.Match[str]) -> str:
    start = max(text.rfind(".", 0, match.start()), text.rfind("\n", 0, match.start())) + 1
    ends = [i for i in (text.find(".", match.end()), text.find("\n", match.end())) if i >= 0]
    return text[start : min(ends) if ends else len(text)]
