"""The date a case is due on: what the staff queue sorts and badges by."""

from __future__ import annotations

from datetime import UTC, date, datetime

from ats_helpdesk.case_dates import decide_case_dates
from ats_helpdesk.workdays import Calendar


def _due(intent: str, facts: dict[str, object], sent: date | datetime) -> date | None:
    dates, source = decide_case_dates(
        intent=intent, facts=facts, message_date=sent, cohort=None, calendar=Calendar()
    )
    assert source == "message"
    return dates.due_date


def test_a_late_extension_request_is_due_by_the_submission_deadline() -> None:
    # Asked 23 Nov for an 18 Dec deadline: request_by (6 Nov) has passed, but staff
    # still have until the deadline to decide; the case must not read as overdue.
    facts = {"submission_deadline": date(2026, 12, 18)}
    assert _due("extension_request", facts, date(2026, 11, 23)) == date(2026, 12, 18)


def test_an_adjustment_is_due_by_the_programme_start() -> None:
    start = datetime(2027, 1, 4, 0, 30, tzinfo=UTC)
    facts = {"programme_start": start}
    assert _due("reasonable_adjustment", facts, date(2026, 11, 23)) == date(2027, 1, 4)


def test_an_objection_is_due_when_the_response_is() -> None:
    facts = {"outcome_received": date(2020, 12, 18), "form_received": date(2021, 1, 5)}
    # 10 working days after 5 Jan 2021 is 19 Jan 2021.
    assert _due("objection", facts, date(2021, 1, 5)) == date(2021, 1, 19)
