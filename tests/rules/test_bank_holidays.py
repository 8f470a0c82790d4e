"""The calendar's bank holidays match gov.uk for 2018-2028, one-offs and substitutes included."""

from __future__ import annotations

from datetime import date

import pytest

from ats_helpdesk.workdays import (
    ONE_OFF_BANK_HOLIDAYS,
    SNAPSHOT_YEARS,
    Calendar,
    _snapshot,
    package_bank_holidays,
)

from .conftest import GOV_UK_BANK_HOLIDAYS, GOV_UK_DAYS


@pytest.mark.parametrize("year", sorted(GOV_UK_BANK_HOLIDAYS))
def test_non_working_weekdays_match_gov_uk(calendar: Calendar, year: int) -> None:
    expected = {d for d in GOV_UK_DAYS if d.year == year}
    assert set(calendar.days_off(year)) == expected


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (date(2020, 5, 8), "Early May"),  # moved for VE day 75
        (date(2022, 6, 2), "Spring"),  # moved for the Platinum Jubilee
        (date(2022, 6, 3), "Jubilee"),
        (date(2022, 9, 19), "Funeral"),
        (date(2023, 5, 8), "oronation"),
        (date(2020, 12, 28), "Boxing Day (substitute day)"),
        (date(2021, 12, 27), "Christmas Day (substitute day)"),
        (date(2022, 1, 3), "New Year's Day (substitute day)"),
        (date(2027, 12, 28), "Boxing Day (substitute day)"),
    ],
)
def test_one_offs_and_substitutes_are_named(calendar: Calendar, day: date, words: str) -> None:
    assert not calendar.is_working_day(day)
    assert words in calendar.days_off(day.year)[day]


def test_the_holidays_package_itself_has_the_one_offs() -> None:
    """If this fails, ONE_OFF_BANK_HOLIDAYS still covers it, but look at the package."""
    for day in ONE_OFF_BANK_HOLIDAYS:
        assert day in package_bank_holidays(day.year)


def test_the_shipped_snapshot_matches_the_installed_package() -> None:
    """The calendar reads bank_holidays_eng.json instead of importing `holidays` (start-up
    time); it must say what the package says. If this fails after a package upgrade,
    run `.venv/bin/python -m ats_helpdesk.workdays` and commit the file."""
    snapshot = _snapshot()
    assert sorted(snapshot) == list(SNAPSHOT_YEARS)
    stale = [y for y in SNAPSHOT_YEARS if set(snapshot[y]) != set(package_bank_holidays(y))]
    assert not stale, f"snapshot differs from the package in {stale}"


def test_years_outside_the_snapshot_ask_the_package() -> None:
    year = SNAPSHOT_YEARS.stop + 5
    days_off = Calendar().days_off(year)
    assert set(days_off) == {d for d in package_bank_holidays(year) if d.weekday() < 5}
    assert any("Christmas" in name for name in Calendar().holidays(year).values())


def test_moved_early_may_2020_is_a_working_monday(calendar: Calendar) -> None:
    assert calendar.is_working_day(date(2020, 5, 4))  # the usual first Monday in May
    assert calendar.is_working_day(date(2022, 5, 30))  # spring holiday moved to 2 June


def test_holidays_lists_weekend_days_too(calendar: Calendar) -> None:
    found = calendar.holidays(2021)
    assert found[date(2021, 12, 25)] == "Christmas Day"  # a Saturday
    assert date(2021, 12, 28) in found
