"""The one date parser: what it accepts, and how it refuses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from ats_helpdesk.dates import DateValueError, parse_date_value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-04-01", date(2025, 4, 1)),
        (" 2024-02-29 ", date(2024, 2, 29)),
        ("2025-03-31T23:30:00Z", datetime(2025, 3, 31, 23, 30, tzinfo=UTC)),
        ("2025-03-31t23:30z", datetime(2025, 3, 31, 23, 30, tzinfo=UTC)),
        (
            "2025-04-01T09:30:00+01:00",
            datetime(2025, 4, 1, 9, 30, tzinfo=timezone(timedelta(hours=1))),
        ),
        (
            "2025-04-01 09:30:00.250-0500",
            datetime(2025, 4, 1, 9, 30, 0, 250000, tzinfo=timezone(timedelta(hours=-5))),
        ),
        ("2025-04-01T09:30", datetime(2025, 4, 1, 9, 30)),  # no offset: London wall clock
        ("2025-03-31T23Z", datetime(2025, 3, 31, 23, tzinfo=UTC)),  # hour only
        ("2025-03-31T23:30:00+00:00:00", datetime(2025, 3, 31, 23, 30, tzinfo=UTC)),
    ],
)
def test_accepts(text: str, expected: date) -> None:
    value = parse_date_value(text)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    "text",
    [
        "2025-02-31", "2023-02-29", "2025-13-01", "2025-00-10", "2025-04-01T24:30",
        "garbage", "", "31/01/2025", "20250401", "2025-4-1", "2025-04-01T", "2025-04-01Z",
        "2025-04-01T09:30+25:00", "tomorrow",
    ],
)  # fmt: skip
def test_refuses_naming_the_value(text: str) -> None:
    with pytest.raises(DateValueError) as caught:
        parse_date_value(text)
    assert repr(text) in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_refuses_non_text() -> None:
    with pytest.raises(DateValueError, match="20250401"):
        parse_date_value(20250401)  # type: ignore[arg-type]
