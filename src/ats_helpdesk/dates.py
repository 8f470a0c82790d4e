"""The one date parser (text from the CLI, ``--jsonl`` lines, files and forms), and
calendar-month arithmetic (:func:`add_months`) for the rules' "N months before/after".

Accepts ``YYYY-MM-DD`` or an ISO 8601 date-time (``T`` or a space between date
and time), with an offset (``+01:00``, ``+0100``, ``Z``) or without one (then it
is London wall-clock time; see ``workdays.london_date``). Anything else, such as
``2025-02-31`` or ``31/01/2025``, is a :class:`DateValueError` that names the value.
Callers turn the result into a London date with ``workdays.london_date``.
"""

from __future__ import annotations

import calendar as _month_lengths
import re
from datetime import date, datetime

__all__ = ["DateValueError", "add_months", "parse_date_value"]

_DATE = r"\d{4}-\d{2}-\d{2}"
# hh, hh:mm, hh:mm:ss, hh:mm:ss.ffffff (ISO 8601 reduced precision is still a time)
_TIME = r"\d{2}(?::\d{2}(?::\d{2}(?:[.,]\d{1,6})?)?)?"
# Z, +hh, +hhmm, +hh:mm, +hh:mm:ss (Python writes seconds for odd historical offsets)
_OFFSET = r"(?:[Zz]|[+-]\d{2}(?::?\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?)"
_DATE_ONLY = re.compile(rf"{_DATE}")
_DATE_TIME = re.compile(rf"{_DATE}[Tt ]{_TIME}{_OFFSET}?")

EXPECTED = "expected YYYY-MM-DD or an ISO date-time such as 2025-04-01T09:30:00+01:00"


class DateValueError(ValueError):
    """A value that is not a real date or ISO date-time; the message names it."""


def parse_date_value(text: str) -> date | datetime:
    """``date`` for ``YYYY-MM-DD``; ``datetime`` (aware if an offset is given) otherwise."""
    if not isinstance(text, str):
        raise DateValueError(f"{text!r} is not a date: {EXPECTED}")
    value = text.strip()
    try:
        if _DATE_ONLY.fullmatch(value):
            return date.fromisoformat(value)
        if _DATE_TIME.fullmatch(value):
            return datetime.fromisoformat(value.replace(",", ".").upper())
    except ValueError as error:
        # e.g. 2025-02-31: "day is out of range for month"
        raise DateValueError(f"{text!r} is not a valid date ({error}); {EXPECTED}") from None
    raise DateValueError(f"{text!r} is not a date: {EXPECTED}")


def add_months(day: date, months: int) -> date:
    """Calendar months, clamped to the month's end: 31 Mar - 1 month = 28/29 Feb."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = _month_lengths.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))
