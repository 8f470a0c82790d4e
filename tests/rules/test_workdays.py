"""The working-day calendar: the counting convention, London dates, closure days,
and properties checked with hypothesis against a day-by-day reference count."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ats_helpdesk.workdays import (
    Calendar,
    ClosureFileError,
    load_calendar,
    load_closures,
    london_date,
    parse_closures,
)

from .conftest import GOV_UK_DAYS

# Dates whose results stay inside the gov.uk table (2018-2028).
days = st.dates(min_value=date(2018, 1, 1), max_value=date(2028, 6, 30))
counts = st.integers(min_value=0, max_value=60)


def reference_is_working(day: date) -> bool:
    return day.weekday() < 5 and day not in GOV_UK_DAYS


def reference_add(day: date, n: int) -> date:
    """DOMAIN.md, spelled out one day at a time."""
    while not reference_is_working(day):
        day += timedelta(days=1)
    while n:
        day += timedelta(days=1)
        if reference_is_working(day):
            n -= 1
    return day


# --- the convention ------------------------------------------------------------
def test_domain_example(calendar: Calendar) -> None:
    assert calendar.add_working_days(date(2020, 12, 18), 10) == date(2021, 1, 6)
    assert calendar.working_days_between(date(2020, 12, 18), date(2021, 1, 6)) == 10


def test_non_working_start_moves_to_day_zero(calendar: Calendar) -> None:
    saturday, monday = date(2025, 4, 19), date(2025, 4, 21)  # Easter Saturday, Easter Monday
    assert calendar.next_working_day(saturday) == date(2025, 4, 22)
    assert calendar.add_working_days(saturday, 0) == date(2025, 4, 22)
    assert calendar.add_working_days(monday, 1) == date(2025, 4, 23)


def test_adding_runs_across_years(calendar: Calendar) -> None:
    assert calendar.add_working_days(date(2018, 1, 2), 800) == reference_add(date(2018, 1, 2), 800)
    assert calendar.working_days_between(date(2018, 1, 2), date(2028, 12, 29)) > 2700


def test_negative_counts_mirror(calendar: Calendar) -> None:
    assert calendar.add_working_days(date(2025, 4, 22), -1) == date(2025, 4, 17)
    assert calendar.add_working_days(date(2025, 4, 21), -1) == date(2025, 4, 16)
    assert calendar.add_working_days(date(2021, 1, 4), -3) == date(2020, 12, 29)
    assert calendar.add_working_days(date(2021, 1, 4), -10) == date(2020, 12, 16)


def test_between_is_negative_backwards(calendar: Calendar) -> None:
    assert calendar.working_days_between(date(2021, 1, 6), date(2020, 12, 18)) == -10
    assert calendar.working_days_between(date(2025, 4, 19), date(2025, 4, 20)) == 0


# --- London dates ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2025, 3, 31, 23, 30, tzinfo=UTC), date(2025, 4, 1)),  # BST: 00:30 on 1 Apr
        (datetime(2025, 3, 29, 23, 30, tzinfo=UTC), date(2025, 3, 29)),  # GMT until 30 Mar
        (datetime(2025, 3, 30, 0, 59, tzinfo=UTC), date(2025, 3, 30)),
        (datetime(2025, 10, 25, 23, 30, tzinfo=UTC), date(2025, 10, 26)),  # still BST
        (datetime(2025, 10, 26, 23, 30, tzinfo=UTC), date(2025, 10, 26)),  # GMT again
        (datetime(2024, 12, 31, 23, 59, tzinfo=UTC), date(2024, 12, 31)),
        (datetime(2025, 6, 1, 0, 30), date(2025, 6, 1)),  # naive: London wall clock
        (date(2025, 6, 1), date(2025, 6, 1)),
    ],
)
def test_london_date(value: date, expected: date) -> None:
    assert london_date(value) == expected


def test_date_times_are_counted_as_london_dates(calendar: Calendar) -> None:
    late_evening = datetime(2025, 3, 31, 23, 30, tzinfo=UTC)  # Tuesday 1 April in London
    assert calendar.add_working_days(late_evening, 1) == date(2025, 4, 2)
    assert not calendar.is_working_day(datetime(2025, 4, 17, 23, 30, tzinfo=UTC))  # Good Friday


# --- properties --------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(day=days, n=counts)
def test_matches_day_by_day_reference(calendar: Calendar, day: date, n: int) -> None:
    assert calendar.add_working_days(day, n) == reference_add(day, n)
    assert calendar.is_working_day(day) == reference_is_working(day)


@settings(max_examples=300, deadline=None)
@given(day=days, n=counts)
def test_add_then_count_round_trips(calendar: Calendar, day: date, n: int) -> None:
    end = calendar.add_working_days(day, n)
    assert calendar.is_working_day(end)
    assert calendar.working_days_between(day, end) == n
    assert end >= day


@settings(max_examples=200, deadline=None)
@given(day=days, n=counts)
def test_monotonic_in_n(calendar: Calendar, day: date, n: int) -> None:
    assert calendar.add_working_days(day, n) < calendar.add_working_days(day, n + 1)


@settings(max_examples=200, deadline=None)
@given(day=days, n=counts, later=st.integers(min_value=1, max_value=30))
def test_monotonic_in_start(calendar: Calendar, day: date, n: int, later: int) -> None:
    assert calendar.add_working_days(day, n) <= calendar.add_working_days(
        day + timedelta(days=later), n
    )


@settings(max_examples=200, deadline=None)
@given(day=days, n=st.integers(min_value=-60, max_value=60))
def test_negative_counts_come_back(calendar: Calendar, day: date, n: int) -> None:
    start = calendar.next_working_day(day)
    assert calendar.add_working_days(calendar.add_working_days(start, n), -n) == start


# --- closure days ------------------------------------------------------------------
def test_closures_are_skipped_and_named() -> None:
    closed = Calendar(closures=((date(2025, 12, 29), "Christmas closure"),))
    assert not closed.is_working_day(date(2025, 12, 29))
    assert closed.add_working_days(date(2025, 12, 24), 1) == date(2025, 12, 30)
    assert Calendar().add_working_days(date(2025, 12, 24), 1) == date(2025, 12, 29)
    assert closed.holidays(2025)[date(2025, 12, 29)] == "Christmas closure"


def test_closure_file_format(tmp_path: Path) -> None:
    path = tmp_path / "closure-days.yaml"
    path.write_text(
        "closures:\n"
        "  - date: 2025-12-29\n"
        "    reason: Christmas closure\n"
        "  - from: 2026-07-30\n"
        "    to: 2026-08-03\n",
        encoding="utf-8",
    )
    found = dict(load_closures(path))
    assert found[date(2025, 12, 29)] == "Christmas closure"
    assert set(found) - {date(2025, 12, 29)} == {
        date(2026, 7, 30), date(2026, 7, 31), date(2026, 8, 1), date(2026, 8, 2),
        date(2026, 8, 3),
    }  # fmt: skip
    assert found[date(2026, 8, 3)] == "office closed"


def test_shipped_closure_file_is_empty_but_valid(content) -> None:  # type: ignore[no-untyped-def]
    assert (content.knowledge / "closure-days.yaml").is_file()
    assert load_calendar(content) == Calendar()


def test_missing_closure_file_means_none(tmp_path: Path) -> None:
    assert load_closures(tmp_path / "nope.yaml") == ()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"closures": [{"date": "2025-02-31"}]}, "closure 1, 'date'"),
        ({"closures": [{"day": "2025-12-29"}]}, "unknown field(s) day"),
        ({"closures": [{"from": "2025-12-29"}]}, "needs 'date'"),
        ({"closures": [{"from": date(2025, 12, 31), "to": date(2025, 12, 29)}]}, "before"),
        ({"closures": "2025-12-29"}, "must be a list"),
        ({"closed": []}, "one key"),
        ({"closures": [{"date": date(2025, 1, 2)}, "x"]}, "closure 2"),
    ],
)
def test_bad_closure_entries_are_named(data: object, words: str) -> None:
    with pytest.raises(ClosureFileError, match=None) as caught:
        parse_closures(data)
    assert words in str(caught.value)


def test_bad_yaml_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "closure-days.yaml"
    path.write_text("closures: [\n", encoding="utf-8")
    with pytest.raises(ClosureFileError, match="not valid YAML"):
        load_closures(path)


def test_another_bank_holiday_source_can_be_passed() -> None:
    none = Calendar(bank_holidays=lambda year: {})
    assert none.is_working_day(date(2025, 12, 25))
    assert none.add_working_days(date(2025, 12, 24), 1) == date(2025, 12, 25)
