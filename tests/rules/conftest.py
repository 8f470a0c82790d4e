"""Fixtures for the calendar and deadline-rule tests."""

from __future__ import annotations

from datetime import date

import pytest

from ats_helpdesk.workdays import Calendar

# England and Wales bank holidays as published on gov.uk (www.gov.uk/bank-holidays),
# typed in by hand: the dates that are not working days (substitute days, not the
# weekend days they replace). The independent reference for every test here.
GOV_UK_BANK_HOLIDAYS: dict[int, tuple[str, ...]] = {
    2018: ("01-01", "03-30", "04-02", "05-07", "05-28", "08-27", "12-25", "12-26"),
    2019: ("01-01", "04-19", "04-22", "05-06", "05-27", "08-26", "12-25", "12-26"),
    2020: ("01-01", "04-10", "04-13", "05-08", "05-25", "08-31", "12-25", "12-28"),
    2021: ("01-01", "04-02", "04-05", "05-03", "05-31", "08-30", "12-27", "12-28"),
    2022: ("01-03", "04-15", "04-18", "05-02", "06-02", "06-03", "08-29", "09-19",
           "12-26", "12-27"),
    2023: ("01-02", "04-07", "04-10", "05-01", "05-08", "05-29", "08-28", "12-25", "12-26"),
    2024: ("01-01", "03-29", "04-01", "05-06", "05-27", "08-26", "12-25", "12-26"),
    2025: ("01-01", "04-18", "04-21", "05-05", "05-26", "08-25", "12-25", "12-26"),
    2026: ("01-01", "04-03", "04-06", "05-04", "05-25", "08-31", "12-25", "12-28"),
    2027: ("01-01", "03-26", "03-29", "05-03", "05-31", "08-30", "12-27", "12-28"),
    2028: ("01-03", "04-14", "04-17", "05-01", "05-29", "08-28", "12-25", "12-26"),
}  # fmt: skip

GOV_UK_DAYS: frozenset[date] = frozenset(
    date.fromisoformat(f"{year}-{md}") for year, mds in GOV_UK_BANK_HOLIDAYS.items() for md in mds
)


@pytest.fixture(scope="session")
def calendar() -> Calendar:
    """The real calendar: `holidays` package, no closure days."""
    return Calendar()
