"""An independent second implementation of the deadline rules, checked against the
installed ``ats-helpdesk deadline --jsonl`` on ~1,000 random scenarios.

Why: the hand-worked rows in ``test_cross_check.py`` cover the cases someone thought
of; this oracle covers the ones nobody did (a form timestamped 23:50 UTC on the last
working day of a window across Easter, a Sunday deadline whose +3 months clamps ...).
It shares nothing with the code under test: its bank holidays are typed in here from
gov.uk (2019-2028), its Europe/London conversion is the EU rule written out by hand
(BST from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of
October) rather than ``zoneinfo``, its month arithmetic and working-day counting
are written from DOMAIN.md's "Counting convention" alone, and it parses the date
texts it generates itself. Only ``ats_helpdesk`` is not imported here at all: the
console script runs in a subprocess, exactly as the issue's checker runs it.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

# --- gov.uk, England and Wales (www.gov.uk/bank-holidays), typed in by hand --------
GOV_UK = """
2019-01-01 New Year's Day | 2019-04-19 Good Friday | 2019-04-22 Easter Monday
2019-05-06 Early May | 2019-05-27 Spring | 2019-08-26 Summer
2019-12-25 Christmas Day | 2019-12-26 Boxing Day
2020-01-01 New Year's Day | 2020-04-10 Good Friday | 2020-04-13 Easter Monday
2020-05-08 Early May (VE day) | 2020-05-25 Spring | 2020-08-31 Summer
2020-12-25 Christmas Day | 2020-12-28 Boxing Day (substitute day)
2021-01-01 New Year's Day | 2021-04-02 Good Friday | 2021-04-05 Easter Monday
2021-05-03 Early May | 2021-05-31 Spring | 2021-08-30 Summer
2021-12-27 Christmas Day (substitute day) | 2021-12-28 Boxing Day (substitute day)
2022-01-03 New Year's Day (substitute day) | 2022-04-15 Good Friday
2022-04-18 Easter Monday | 2022-05-02 Early May | 2022-06-02 Spring
2022-06-03 Platinum Jubilee | 2022-08-29 Summer | 2022-09-19 State Funeral
2022-12-26 Boxing Day | 2022-12-27 Christmas Day (substitute day)
2023-01-02 New Year's Day (substitute day) | 2023-04-07 Good Friday
2023-04-10 Easter Monday | 2023-05-01 Early May | 2023-05-08 Coronation
2023-05-29 Spring | 2023-08-28 Summer | 2023-12-25 Christmas Day | 2023-12-26 Boxing Day
2024-01-01 New Year's Day | 2024-03-29 Good Friday | 2024-04-01 Easter Monday
2024-05-06 Early May | 2024-05-27 Spring | 2024-08-26 Summer
2024-12-25 Christmas Day | 2024-12-26 Boxing Day
2025-01-01 New Year's Day | 2025-04-18 Good Friday | 2025-04-21 Easter Monday
2025-05-05 Early May | 2025-05-26 Spring | 2025-08-25 Summer
2025-12-25 Christmas Day | 2025-12-26 Boxing Day
2026-01-01 New Year's Day | 2026-04-03 Good Friday | 2026-04-06 Easter Monday
2026-05-04 Early May | 2026-05-25 Spring | 2026-08-31 Summer
2026-12-25 Christmas Day | 2026-12-28 Boxing Day (substitute day)
2027-01-01 New Year's Day | 2027-03-26 Good Friday | 2027-03-29 Easter Monday
2027-05-03 Early May | 2027-05-31 Spring | 2027-08-30 Summer
2027-12-27 Christmas Day (substitute day) | 2027-12-28 Boxing Day (substitute day)
2028-01-03 New Year's Day (substitute day) | 2028-04-14 Good Friday
2028-04-17 Easter Monday | 2028-05-01 Early May | 2028-05-29 Spring | 2028-08-28 Summer
2028-12-25 Christmas Day | 2028-12-26 Boxing Day
"""
HOLIDAYS = frozenset(
    date(int(item[:4]), int(item[5:7]), int(item[8:10]))
    for line in GOV_UK.strip().splitlines()
    for item in (part.strip() for part in line.split("|"))
)
FIRST, LAST = date(2019, 1, 1), date(2028, 12, 31)  # the oracle knows only these years

MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


# --- the oracle ---------------------------------------------------------------------
def working(day: date) -> bool:
    assert FIRST <= day <= LAST, f"oracle has no holiday data for {day}"
    return day.weekday() < 5 and day not in HOLIDAYS


def plus_working_days(start: date, n: int) -> date:
    """DOMAIN: a non-working start rolls forward to day 0; answer is the N-th after it."""
    day = start
    while not working(day):
        day += timedelta(days=1)
    counted = 0
    while counted < n:
        day += timedelta(days=1)
        if working(day):
            counted += 1
    return day


def month_length(year: int, month: int) -> int:
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return 29 if month == 2 and leap else MONTH_DAYS[month - 1]


def shift_months(day: date, months: int) -> date:
    """Calendar months, clamped: 31 Mar - 1 month = 28/29 Feb."""
    total = day.month - 1 + months
    year = day.year + total // 12
    month = total % 12 + 1
    return date(year, month, min(day.day, month_length(year, month)))


def last_sunday(year: int, month: int) -> date:
    day = date(year, month, month_length(year, month))
    return day - timedelta(days=(day.weekday() + 1) % 7)


def london_date_of_utc(instant: datetime) -> date:
    """UK clocks: BST (+1) from 01:00 UTC on the last Sunday of March until 01:00
    UTC on the last Sunday of October; GMT otherwise. ``instant`` is naive UTC."""
    start = datetime.combine(last_sunday(instant.year, 3), datetime.min.time()) + timedelta(hours=1)
    end = datetime.combine(last_sunday(instant.year, 10), datetime.min.time()) + timedelta(hours=1)
    offset = timedelta(hours=1) if start <= instant < end else timedelta(0)
    return (instant + offset).date()


def spell(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def oracle(case: dict[str, object], seen: dict[str, date]) -> dict[str, object]:
    """DOMAIN.md "Deadline rules": the expected output fields of one case. ``seen`` maps
    each date field to the London date the oracle read from its text."""
    rule = case["rule"]
    if rule == "objection":
        closes = plus_working_days(seen["outcome_received"], 10)
        form = seen.get("form_received")
        return {
            "window_closes": closes,
            "in_time": None if form is None else form <= closes,
            "response_due": None if form is None else plus_working_days(form, 10),
        }
    if rule == "extension":
        deadline, asked = seen["submission_deadline"], seen["requested"]
        request_by = deadline - timedelta(days=42)
        late_by = plus_working_days(deadline, 5)
        in_time = asked <= request_by or (bool(case.get("unforeseen_event")) and asked <= late_by)
        return {
            "request_by": request_by,
            "late_request_by": late_by,
            "latest_extended_deadline": shift_months(deadline, 3),
            "in_time": in_time,
        }
    if rule == "adjustment":
        request_by = shift_months(seen["programme_start"], -1)
        return {"request_by": request_by, "in_time": seen["requested"] <= request_by}
    if rule == "appeal":
        return {"outcome_due": plus_working_days(seen["panel_meeting"], 3)}
    assert rule == "ast_review"
    request_by = plus_working_days(seen["decision_received"], 40)
    asked = seen.get("requested")
    return {
        "request_by": request_by,
        "in_time": None if asked is None else asked <= request_by,
        "decision_due": None if asked is None else plus_working_days(asked, 40),
    }


CLAUSE_NUMBERS = {
    "objection": ("9.1",),
    "extension": ("5.5", "5.6"),
    "adjustment": ("3.1.1",),
    "appeal": ("6.8",),
    "ast_review": ("Annex D",),
}

# the date each rule's sentence must name, whatever else it says
KEY_DATE = {"objection": "window_closes", "extension": "request_by", "adjustment": "request_by",
            "appeal": "outcome_due", "ast_review": "request_by"}  # fmt: skip


# --- scenario generation --------------------------------------------------------------
def _hot_days() -> list[date]:
    """Days where miscounts happen: around every bank holiday (Christmas, Easter and
    substitute days among them) and around the clock changes."""
    days = set()
    for holiday in HOLIDAYS:
        days.update(holiday + timedelta(days=k) for k in range(-12, 4))
    for year in range(2019, 2029):
        for month in (3, 10):
            change = last_sunday(year, month)
            days.update(change + timedelta(days=k) for k in range(-2, 3))
    return sorted(d for d in days if date(2019, 1, 15) <= d <= date(2028, 8, 15))


HOT = _hot_days()
OFFSETS = ("Z", "+00:00", "+01:00", "+0100", "-05:00", "+05:30", "-08:00", "+02:00", "+14:00")


def stamp(rng: random.Random, around: date) -> tuple[str, date]:
    """A text for a moment on or near London date ``around`` (date, aware date-time
    with one of many offsets, or naive London wall-clock), and the London date the
    oracle reads from that text."""
    kind = rng.random()
    if kind < 0.4:
        return around.isoformat(), around
    if kind < 0.5:  # naive: London wall-clock time already (docs/deadlines.md)
        hour = rng.choice((0, 0, 1, 9, 17, 23, 23))
        sep = rng.choice("T ")
        return f"{around.isoformat()}{sep}{hour:02d}:{rng.randrange(60):02d}:00", around
    # an instant near London midnight: 21:00-02:59 UTC on either side of ``around``
    base = datetime.combine(around, datetime.min.time())
    instant = base + timedelta(minutes=rng.randrange(-180, 180))
    if rng.random() < 0.2:
        instant = base + timedelta(minutes=rng.randrange(24 * 60))
    instant += timedelta(seconds=rng.randrange(60))
    suffix = rng.choice(OFFSETS)
    if suffix == "Z":
        text = instant.strftime("%Y-%m-%dT%H:%M:%S") + "Z"
    else:
        sign = -1 if suffix[0] == "-" else 1
        hours, minutes = int(suffix[1:3]), int(suffix[-2:])
        local = instant + sign * timedelta(hours=hours, minutes=minutes)
        fraction = f".{rng.randrange(10**6):06d}" if rng.random() < 0.2 else ""
        text = local.strftime("%Y-%m-%dT%H:%M:%S") + fraction + suffix
    return text, london_date_of_utc(instant)


def pick_day(rng: random.Random) -> date:
    if rng.random() < 0.6:
        return rng.choice(HOT)
    if rng.random() < 0.3:  # month ends, where month arithmetic clamps
        year, month = rng.randrange(2019, 2028), rng.randrange(1, 13)
        return date(year, month, month_length(year, month) - rng.randrange(3))
    return date(2019, 1, 15) + timedelta(
        days=rng.randrange((date(2028, 8, 15) - date(2019, 1, 15)).days)
    )


def near(rng: random.Random, boundary: date) -> date:
    """A day on, just before or just after a boundary the oracle computed."""
    return boundary + timedelta(days=rng.choice((-2, -1, 0, 0, 0, 1, 1, 2)))


def make_case(rng: random.Random, number: int) -> tuple[dict[str, object], dict[str, date]]:
    rule = ("objection", "extension", "adjustment", "appeal", "ast_review")[number % 5]
    case: dict[str, object] = {"id": f"s{number}", "rule": rule}
    seen: dict[str, date] = {}

    def put(name: str, around: date) -> date:
        case[name], seen[name] = stamp(rng, around)
        return seen[name]

    if rule == "objection":
        outcome = put("outcome_received", pick_day(rng))
        if rng.random() < 0.8:
            closes = plus_working_days(outcome, 10)
            put("form_received", near(rng, closes) if rng.random() < 0.6 else pick_day(rng))
    elif rule == "extension":
        deadline = put("submission_deadline", pick_day(rng))
        target = rng.choice((deadline - timedelta(days=42), plus_working_days(deadline, 5)))
        put("requested", near(rng, target) if rng.random() < 0.8 else pick_day(rng))
        flag = rng.random()
        if flag < 0.4:
            case["unforeseen_event"] = True
        elif flag < 0.6:
            case["unforeseen_event"] = False
    elif rule == "adjustment":
        start = put("programme_start", pick_day(rng))
        target = shift_months(start, -1)
        put("requested", near(rng, target) if rng.random() < 0.8 else pick_day(rng))
    elif rule == "appeal":
        put("panel_meeting", pick_day(rng))
    else:
        received = put("decision_received", pick_day(rng))
        if rng.random() < 0.8:
            by = plus_working_days(received, 40)
            put("requested", near(rng, by) if rng.random() < 0.7 else pick_day(rng))
    return case, seen


def scenarios(count: int, seed: int) -> list[tuple[dict[str, object], dict[str, date]]]:
    rng = random.Random(seed)
    return [make_case(rng, i) for i in range(count)]


# --- the checks -----------------------------------------------------------------------
def test_oracle_agrees_with_domain_examples() -> None:
    """The oracle itself, on DOMAIN.md's own examples and a few worked by hand."""
    assert plus_working_days(date(2020, 12, 18), 10) == date(2021, 1, 6)
    assert london_date_of_utc(datetime(2025, 3, 31, 23, 30)) == date(2025, 4, 1)
    assert london_date_of_utc(datetime(2025, 10, 26, 0, 30)) == date(2025, 10, 26)
    assert london_date_of_utc(datetime(2025, 10, 25, 23, 30)) == date(2025, 10, 26)
    assert london_date_of_utc(datetime(2025, 10, 26, 23, 30)) == date(2025, 10, 26)
    assert london_date_of_utc(datetime(2025, 3, 30, 0, 59)) == date(2025, 3, 30)
    assert shift_months(date(2025, 3, 31), -1) == date(2025, 2, 28)
    assert shift_months(date(2024, 3, 31), -1) == date(2024, 2, 29)
    assert shift_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert shift_months(date(2025, 1, 15), -1) == date(2024, 12, 15)
    assert plus_working_days(date(2025, 4, 19), 0) == date(2025, 4, 22)  # Easter Saturday
    assert len(HOLIDAYS) == 83


@pytest.fixture(scope="module")
def console_script() -> str:
    script = Path(sys.executable).with_name("ats-helpdesk")
    exe = str(script) if script.exists() else shutil.which("ats-helpdesk")
    assert exe, "ats-helpdesk console script is not installed (pip install -e .)"
    return exe


@pytest.mark.parametrize("seed", [20250401, 7])
def test_cli_matches_the_oracle(console_script: str, seed: int) -> None:
    """Every output field of every line, as the issue's checker compares them."""
    cases = scenarios(600, seed)
    lines = "\n".join(json.dumps(case) for case, _ in cases) + "\n"
    done = subprocess.run(
        [console_script, "deadline", "--jsonl", "-"], input=lines, capture_output=True,
        text=True, timeout=120, check=False, env=_env_without_content_dir(),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[:2000]
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(answers) == len(cases)
    mismatches = []
    for (case, seen), answer in zip(cases, answers, strict=True):
        expected = {k: v.isoformat() if isinstance(v, date) else v
                    for k, v in oracle(case, seen).items()}  # fmt: skip
        got = {k: answer.get(k, "<missing>") for k in expected}
        if answer.get("id") != case["id"] or answer.get("rule") != case["rule"] or got != expected:
            mismatches.append((case, expected, answer))
            continue
        # clause names the clause the rule rests on; the sentence names the dates
        assert all(n in str(answer["clause"]) for n in CLAUSE_NUMBERS[str(case["rule"])]), answer
        sentence = str(answer["explanation"])
        key = KEY_DATE[str(case["rule"])]
        assert spell(date.fromisoformat(str(expected[key]))) in sentence, (key, answer)
    assert not mismatches, f"{len(mismatches)} of {len(cases)} differ, e.g. {mismatches[:3]}"


def test_scenarios_cover_the_edges() -> None:
    """The generator really reaches the cases it is for (so the test can fail)."""
    cases = scenarios(600, 20250401) + scenarios(600, 7)
    rules = {str(c["rule"]) for c, _ in cases}
    assert rules == set(CLAUSE_NUMBERS)
    texts = [str(v) for c, _ in cases for k, v in c.items() if k not in ("id", "rule")]
    shifted = [
        (c, s) for c, s in cases
        for k, v in c.items() if isinstance(v, str) and "T" in v and k in s
        and date.fromisoformat(v[:10]) != s[k]
    ]  # fmt: skip
    assert len(shifted) > 50  # date-times whose London date is not the date written
    assert any(t.endswith("Z") for t in texts) and any("+05:30" in t for t in texts)
    results = [(c, s, oracle(c, s)) for c, s in cases]
    assert sum(r.get("in_time") is True for _, _, r in results) > 200
    assert sum(r.get("in_time") is False for _, _, r in results) > 200
    on_boundary = [
        c for c, s, r in results if c["rule"] == "objection" and "form_received" in s
        and s["form_received"] == r["window_closes"]
    ]  # fmt: skip
    assert len(on_boundary) > 20
    late_in_time = [
        c for c, s, r in results if c["rule"] == "extension" and r["in_time"]
        and c.get("unforeseen_event") and s["requested"] > r["request_by"]
    ]  # fmt: skip
    assert len(late_in_time) > 10
    first_off = [c for c, s, _ in results if not working(next(iter(s.values())))]
    assert len(first_off) > 100  # weekends and bank holidays as day 0


def _env_without_content_dir() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "ATS_CONTENT_DIR"}
