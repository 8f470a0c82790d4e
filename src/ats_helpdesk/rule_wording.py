"""The words of a deadline decision: dates spelt out, and the days a count skipped.

Split from ``rules.py`` (which re-exports these names): the rules decide, this module
only says it the way staff paste it into a reply, "29 April 2025 ... (Good Friday and
Easter Monday are not working days)". No locale is involved, so the sentence is the
same on every machine.
"""

from __future__ import annotations

from datetime import date
from functools import cache

from ats_helpdesk.workdays import Calendar

MONTHS = (
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
)  # fmt: skip


@cache  # the same few thousand dates recur across a --jsonl file
def spell(day: date) -> str:
    """``29 April 2025`` (no locale involved)."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def join_names(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``: the British list staff write."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def skipped_days(calendar: Calendar, first: date, last: date) -> str:
    """`` (Good Friday and Easter Monday are not working days)``, or ``""``.

    Names the bank holidays and closure days that fall on weekdays in
    [first, last]; a name seen on several days gets its dates listed."""
    if last < first:
        return ""
    by_name: dict[str, list[date]] = {}
    for day, name in calendar.days_off_between(first, last):
        by_name.setdefault(name, []).append(day)
    if not by_name:
        return ""
    names = [
        name if len(days) == 1 else f"{name} ({join_names([spell(d) for d in days])})"
        for name, days in by_name.items()
    ]
    single = len(by_name) == 1 and len(next(iter(by_name.values()))) == 1
    verb = "is not a working day" if single else "are not working days"
    return f" ({join_names(names)} {verb})"
