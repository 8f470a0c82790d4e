"""Working days: the calendar every deadline rule counts on.

Sits under ``rules.py`` in the flow (facts -> rules -> decision). A working day is
Monday to Friday, not a bank holiday in England and Wales (substitute days and
one-off holidays included) and not an organisation closure day that staff list in
``knowledge/closure-days.yaml`` (see ``docs/deadlines.md``). Date-times become
Europe/London dates before anything is counted (DOMAIN.md, "Counting convention").

Bank holidays come from the ``holidays`` package (UK, subdivision ENG). Importing
it and building its first year costs ~0.2-0.4 s, more than everything else a
``deadline --jsonl`` run of 10,000 lines does, so its output for 1990-2060 is kept
beside this module (``bank_holidays_eng.json``, written by ``python -m
ats_helpdesk.workdays``; ``tests/rules/test_bank_holidays.py`` fails when it no
longer matches the installed package). Other years ask the package itself. A
lookup is then a bisect over a per-year tuple of working-day ordinals.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from ats_helpdesk.content import Content

LONDON = ZoneInfo("Europe/London")
CLOSURE_FILE = "closure-days.yaml"
SNAPSHOT_FILE = Path(__file__).with_name("bank_holidays_eng.json")
SNAPSHOT_YEARS = range(1990, 2061)

# One-off bank holidays proclaimed for England and Wales (gov.uk). The `holidays`
# package has them all (checked against 0.109, tests/rules/test_bank_holidays.py);
# they are listed again here so an older or changed package cannot drop them
# silently. Substitute ("observed") days follow the package's rules.
ONE_OFF_BANK_HOLIDAYS: Mapping[date, str] = {
    date(2020, 5, 8): "Early May bank holiday (VE day)",
    date(2022, 6, 2): "Spring bank holiday",
    date(2022, 6, 3): "Platinum Jubilee bank holiday",
    date(2022, 9, 19): "Bank holiday for the State Funeral of Queen Elizabeth II",
    date(2023, 5, 8): "Bank holiday for the coronation of King Charles III",
}

# The package's names, reworded as gov.uk names them, for the sentences staff paste.
_GOV_UK_NAMES = {
    "May Day": "Early May bank holiday",
    "Spring Bank Holiday": "Spring bank holiday",
    "Late Summer Bank Holiday": "Summer bank holiday",
}


class ClosureFileError(ValueError):
    """``knowledge/closure-days.yaml`` is malformed; the message names the entry."""


def london_date(value: date | datetime) -> date:
    """The Europe/London calendar date of a date or date-time.

    An aware date-time is converted (23:30 UTC on 31 Mar 2025 is 1 Apr 2025 in
    London, BST); a naive one is taken as London wall-clock time already.
    """
    if isinstance(value, datetime):
        if value.tzinfo is not None and value.utcoffset() is not None:
            return value.astimezone(LONDON).date()
        return value.date()
    return value


def _gov_uk_name(name: str) -> str:
    name = _GOV_UK_NAMES.get(name, name)
    return name.replace("(observed)", "(substitute day)")


@cache
def uk_bank_holidays(year: int) -> Mapping[date, str]:
    """Bank holidays in England and Wales in ``year``: date -> gov.uk style name.

    The package's days (from the snapshot where it covers ``year``), with the
    one-off holidays added and named as gov.uk names them."""
    names = dict(_snapshot().get(year) or package_bank_holidays(year))
    for day, name in ONE_OFF_BANK_HOLIDAYS.items():
        if day.year == year:
            names[day] = name  # present or not in the package, named as gov.uk names it
    return names


def package_bank_holidays(year: int) -> dict[date, str]:
    """What the installed ``holidays`` package says for ``year`` (gov.uk style names)."""
    import holidays  # lazy: only for years outside the snapshot, and for its tests

    found = holidays.country_holidays("GB", subdiv="ENG", years=year)
    return {day: _gov_uk_name("; ".join(found.get_list(day))) for day in sorted(found)}


@cache
def _snapshot() -> dict[int, dict[date, str]]:
    """The package's output for SNAPSHOT_YEARS, as shipped; empty if the file is missing."""
    try:
        raw = json.loads(SNAPSHOT_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {
        int(year): {date.fromisoformat(day): name for day, name in days.items()}
        for year, days in raw["years"].items()
    }


def write_snapshot(path: Path = SNAPSHOT_FILE, years: Iterable[int] = SNAPSHOT_YEARS) -> None:
    """Write the installed package's bank holidays for ``years`` to ``path``."""
    from importlib.metadata import version

    data = {
        "comment": "England and Wales bank holidays from the holidays package; regenerate "
        "with `python -m ats_helpdesk.workdays` (see workdays.py).",
        "holidays_version": version("holidays"),
        "years": {
            str(year): {d.isoformat(): n for d, n in package_bank_holidays(year).items()}
            for year in years
        },
    }
    path.write_text(json.dumps(data, indent=0, ensure_ascii=False) + "\n", encoding="utf-8")


@dataclass(frozen=True)
class Calendar:
    """Working days in England and Wales plus the organisation's closure days.

    ``closures`` are (date, reason) pairs; ``bank_holidays`` gives a year's bank
    holidays (the gov.uk set by default; tests may pass another source).
    """

    closures: tuple[tuple[date, str], ...] = ()
    bank_holidays: Callable[[int], Mapping[date, str]] = field(
        default=uk_bank_holidays, compare=False, repr=False
    )
    # year -> (non-working weekdays with names, sorted working-day ordinals)
    _years: dict[int, tuple[dict[date, str], tuple[int, ...]]] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    _lists: dict[int, list[tuple[date, str]]] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    # --- per-year tables ---------------------------------------------------------
    def _year(self, year: int) -> tuple[dict[date, str], tuple[int, ...]]:
        table = self._years.get(year)
        if table is None:
            days_off = {d: n for d, n in self.bank_holidays(year).items() if d.weekday() < 5}
            for day, reason in self.closures:
                if day.year == year and day.weekday() < 5:
                    days_off.setdefault(day, reason)
            first, last = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
            off = {d.toordinal() for d in days_off}
            working = tuple(
                o for o in range(first, last + 1) if o % 7 not in (6, 0) and o not in off
            )  # date.fromordinal(o).weekday() == (o - 1) % 7, so Sat/Sun are o % 7 in {6, 0}
            table = (dict(sorted(days_off.items())), working)  # sorted: read in date order
            self._years[year] = table
        return table

    def days_off(self, year: int) -> Mapping[date, str]:
        """Weekdays in ``year`` that are not working days: date -> reason."""
        return self._year(year)[0]

    def holidays(self, year: int) -> dict[date, str]:
        """Every bank holiday (any weekday) and closure day in ``year``, sorted by date."""
        found = dict(self.bank_holidays(year))
        for day, reason in self.closures:
            if day.year == year:
                found.setdefault(day, reason)
        return dict(sorted(found.items()))

    # --- the three questions ---------------------------------------------------
    def is_working_day(self, day: date | datetime) -> bool:
        day = london_date(day)
        return day.weekday() < 5 and day not in self._year(day.year)[0]

    def next_working_day(self, day: date | datetime) -> date:
        """``day`` itself when it is a working day, else the first working day after it."""
        day = london_date(day)
        year = day.year
        working = self._year(year)[1]
        i = bisect.bisect_left(working, day.toordinal())
        while i == len(working):
            year, i = year + 1, 0
            working = self._year(year)[1]
        return date.fromordinal(working[i])

    def previous_working_day(self, day: date | datetime) -> date:
        """``day`` itself when it is a working day, else the last working day before it."""
        day = london_date(day)
        year = day.year
        working = self._year(year)[1]
        i = bisect.bisect_right(working, day.toordinal()) - 1
        while i < 0:
            year -= 1
            working = self._year(year)[1]
            i = len(working) - 1
        return date.fromordinal(working[i])

    def add_working_days(self, day: date | datetime, n: int) -> date:
        """The N-th working day after ``day`` (DOMAIN.md counting convention).

        If ``day`` is not a working day, the next working day is day 0. So Friday
        18 Dec 2020 + 10 is Wednesday 6 Jan 2021. A negative ``n`` mirrors this:
        the previous working day is day 0 and the answer lies ``-n`` before it.
        """
        day = london_date(day)
        year = day.year
        working = self._year(year)[1]
        if n >= 0:
            # bisect_left finds day 0: ``day`` itself, or the next working day
            i = bisect.bisect_left(working, day.toordinal()) + n
        else:
            # bisect_right - 1 finds day 0: ``day`` itself, or the previous working day
            i = bisect.bisect_right(working, day.toordinal()) - 1 + n
        while i >= len(working):
            i -= len(working)
            year += 1
            working = self._year(year)[1]
        while i < 0:
            year -= 1
            working = self._year(year)[1]
            i += len(working)
        return date.fromordinal(working[i])

    def _rank(self, day: date) -> int:
        """How many working days from 1 Jan of ``day.year`` up to and including ``day``."""
        return bisect.bisect_right(self._year(day.year)[1], day.toordinal())

    def working_days_between(self, start: date | datetime, end: date | datetime) -> int:
        """How many working days after ``start`` ``end`` is, by the same convention.

        The inverse of :meth:`add_working_days`: for every ``n >= 0``,
        ``working_days_between(d, add_working_days(d, n)) == n``. Counts working
        days in (day 0, end]; negative when ``end`` is before day 0.
        """
        first = self.next_working_day(start)
        last = london_date(end)
        if last < first:
            # between ``start`` and day 0 there are no working days to count
            return 0 if last >= london_date(start) else -self._count(last, first)
        return self._count(first, last)

    def _count(self, first: date, last: date) -> int:
        """Working days in (first, last], ``first <= last``."""
        total = self._rank(last) - self._rank(first)
        for year in range(first.year, last.year):
            total += len(self._year(year)[1])
        return total

    def days_off_between(self, first: date, last: date) -> list[tuple[date, str]]:
        """Non-working weekdays (bank holidays, closures) in [first, last], by date."""
        found: list[tuple[date, str]] = []
        for year in range(first.year, last.year + 1):
            days_off = self._year(year)[0]
            if not days_off:
                continue
            if first.year < year < last.year:
                found.extend(days_off.items())
                continue
            items = self._days_off_list(year)
            lo = bisect.bisect_left(items, (first, "")) if first.year == year else 0
            hi = bisect.bisect_right(items, (last, "\uffff")) if last.year == year else len(items)
            found.extend(items[lo:hi])
        return found

    def _days_off_list(self, year: int) -> list[tuple[date, str]]:
        """The year's days off as a sorted list, for bisecting (built once a year)."""
        cached = self._lists.get(year)
        if cached is None:
            cached = self._lists[year] = list(self._year(year)[0].items())
        return cached


def parse_closures(data: object, source: str = CLOSURE_FILE) -> tuple[tuple[date, str], ...]:
    """Validate the parsed closure-days YAML (format in docs/deadlines.md)."""
    if data is None:
        return ()
    if not isinstance(data, dict) or set(data) - {"closures"}:
        raise ClosureFileError(f"{source}: expected a mapping with one key, 'closures'")
    entries = data.get("closures") or []
    if not isinstance(entries, list):
        raise ClosureFileError(f"{source}: 'closures' must be a list")
    days: list[tuple[date, str]] = []
    for number, entry in enumerate(entries, start=1):
        days.extend(_closure_days(entry, f"{source}: closure {number}"))
    return tuple(sorted(set(days)))


def _closure_days(entry: object, where: str) -> Iterable[tuple[date, str]]:
    if not isinstance(entry, dict):
        raise ClosureFileError(f"{where}: expected a mapping with 'date' or 'from'/'to'")
    unknown = set(entry) - {"date", "from", "to", "reason"}
    if unknown:
        raise ClosureFileError(f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))}")
    reason = entry.get("reason") or "office closed"
    if not isinstance(reason, str):
        raise ClosureFileError(f"{where}: 'reason' must be text")
    if "date" in entry:
        if "from" in entry or "to" in entry:
            raise ClosureFileError(f"{where}: give either 'date' or 'from'/'to', not both")
        first = last = _closure_date(entry["date"], f"{where}, 'date'")
    elif "from" in entry and "to" in entry:
        first = _closure_date(entry["from"], f"{where}, 'from'")
        last = _closure_date(entry["to"], f"{where}, 'to'")
        if last < first:
            raise ClosureFileError(f"{where}: 'to' ({last}) is before 'from' ({first})")
    else:
        raise ClosureFileError(f"{where}: needs 'date', or both 'from' and 'to'")
    return [(first + timedelta(days=i), reason) for i in range((last - first).days + 1)]


def _closure_date(value: object, where: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    from ats_helpdesk.dates import parse_date_value

    try:
        parsed = parse_date_value(str(value))
    except ValueError as error:
        raise ClosureFileError(f"{where}: {error}") from None
    if isinstance(parsed, datetime):
        raise ClosureFileError(f"{where}: expected a date (YYYY-MM-DD), got {value!r}")
    return parsed


def load_closures(path: Path) -> tuple[tuple[date, str], ...]:
    """Closure days from a staff-edited YAML file; a missing file means none."""
    if not path.is_file():
        return ()
    text = path.read_text(encoding="utf-8")
    # Skip importing YAML when the file holds only comments (the shipped default).
    if not any(line.strip() and not line.lstrip().startswith("#") for line in text.splitlines()):
        return ()
    import yaml

    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as error:
        raise ClosureFileError(f"{path}: not valid YAML: {error}") from None
    return parse_closures(data, str(path))


def load_calendar(content: Content) -> Calendar:
    """The calendar for this installation: bank holidays plus ``knowledge/closure-days.yaml``."""
    return Calendar(closures=load_closures(content.knowledge / CLOSURE_FILE))


if __name__ == "__main__":  # python -m ats_helpdesk.workdays: refresh the snapshot
    write_snapshot()
    print(f"wrote {SNAPSHOT_FILE} for {SNAPSHOT_YEARS.start}-{SNAPSHOT_YEARS.stop - 1}")
