"""Each rule at its boundaries, the sentence staff paste, and the intent mapping."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ats_helpdesk import rules
from ats_helpdesk.rules import FieldError, add_months, decide_for_intent, decide_from_fields
from ats_helpdesk.workdays import Calendar

ONE_DAY = timedelta(days=1)


# --- calendar periods ----------------------------------------------------------
@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2023, 11, 30), 3, date(2024, 2, 29)),
        (date(2025, 1, 15), -1, date(2024, 12, 15)),
        (date(2025, 10, 31), 3, date(2026, 1, 31)),
        (date(2025, 5, 31), -1, date(2025, 4, 30)),
    ],
)
def test_add_months_clamps(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


# --- boundaries: on the last day in time, the day after not ------------------------
def test_objection_boundary(calendar: Calendar) -> None:
    closes = rules.objection(outcome_received=date(2025, 4, 14), calendar=calendar).dates[
        "window_closes"
    ]
    on = rules.objection(outcome_received=date(2025, 4, 14), form_received=closes,
                         calendar=calendar)  # fmt: skip
    after = rules.objection(outcome_received=date(2025, 4, 14), form_received=closes + ONE_DAY,
                            calendar=calendar)  # fmt: skip
    assert (on.in_time, after.in_time) == (True, False)


def test_objection_form_sent_late_evening_in_bst(calendar: Calendar) -> None:
    """23:30 UTC on the closing day is 00:30 the next day in London: late."""
    closing = date(2025, 4, 30)
    evening = datetime(2025, 4, 30, 23, 30, tzinfo=UTC)
    decision = rules.objection(outcome_received=date(2025, 4, 14), form_received=evening,
                               calendar=calendar)  # fmt: skip
    assert decision.dates["window_closes"] == closing
    assert decision.in_time is False
    winter = rules.objection(outcome_received=date(2025, 12, 1),
                             form_received=datetime(2025, 12, 15, 23, 30, tzinfo=UTC),
                             calendar=calendar)  # fmt: skip
    assert winter.dates["window_closes"] == date(2025, 12, 15)
    assert winter.in_time is True  # GMT: 23:30 UTC is still the 15th


def test_objection_received_on_bank_holiday_counts_from_next_day(calendar: Calendar) -> None:
    on_holiday = rules.objection(outcome_received=date(2025, 5, 5), calendar=calendar)
    next_day = rules.objection(outcome_received=date(2025, 5, 6), calendar=calendar)
    assert on_holiday.dates == next_day.dates


def test_extension_boundaries(calendar: Calendar) -> None:
    deadline = date(2025, 6, 30)

    def in_time(requested: date, unforeseen: bool = False) -> bool | None:
        return rules.extension(submission_deadline=deadline, requested=requested,
                               unforeseen_event=unforeseen, calendar=calendar).in_time  # fmt: skip

    assert in_time(date(2025, 5, 19)) is True
    assert in_time(date(2025, 5, 20)) is False
    assert in_time(date(2025, 5, 20), unforeseen=True) is True
    assert in_time(date(2025, 7, 7), unforeseen=True) is True
    assert in_time(date(2025, 7, 8), unforeseen=True) is False
    assert in_time(date(2025, 7, 7)) is False


def test_extension_without_request_date_still_gives_dates(calendar: Calendar) -> None:
    decision = rules.extension(submission_deadline=date(2025, 6, 30), calendar=calendar)
    assert decision.in_time is None
    assert decision.dates["late_request_by"] == date(2025, 7, 7)


def test_adjustment_boundary(calendar: Calendar) -> None:
    start = date(2024, 3, 31)
    on = rules.adjustment(programme_start=start, requested=date(2024, 2, 29), calendar=calendar)
    after = rules.adjustment(programme_start=start, requested=date(2024, 3, 1), calendar=calendar)
    assert (on.in_time, after.in_time) == (True, False)


def test_ast_review_boundary(calendar: Calendar) -> None:
    received = date(2025, 12, 19)
    by = rules.ast_review(decision_received=received, calendar=calendar).dates["request_by"]
    assert by == date(2026, 2, 18)
    on = rules.ast_review(decision_received=received, requested=by, calendar=calendar)
    late = rules.ast_review(decision_received=received, requested=by + ONE_DAY,
                            calendar=calendar)  # fmt: skip
    assert (on.in_time, late.in_time) == (True, False)
    assert on.dates["decision_due"] == calendar.add_working_days(by, 40)


def test_technical_issues_more_than_five_working_days(calendar: Calendar) -> None:
    deadline = date(2025, 4, 28)  # Monday after Easter: 18 and 21 April skipped
    by = rules.technical_issues(submission_deadline=deadline, calendar=calendar)
    assert by.dates["identified_by"] == date(2025, 4, 16)
    assert calendar.working_days_between(date(2025, 4, 16), deadline) == 6
    assert calendar.working_days_between(date(2025, 4, 17), deadline) == 5
    on = rules.technical_issues(submission_deadline=deadline, identified=date(2025, 4, 16),
                                calendar=calendar)  # fmt: skip
    late = rules.technical_issues(submission_deadline=deadline, identified=date(2025, 4, 17),
                                  calendar=calendar)  # fmt: skip
    assert (on.in_time, late.in_time) == (True, False)
    assert "Good Friday and Easter Monday" in on.explanation


@settings(max_examples=200, deadline=None)
@given(
    deadline=st.dates(min_value=date(2018, 2, 1), max_value=date(2028, 12, 31)),
    back=st.integers(min_value=0, max_value=20),
)
def test_technical_issues_agrees_with_counting(calendar: Calendar, deadline: date,
                                               back: int) -> None:  # fmt: skip
    identified = deadline - timedelta(days=back)
    decision = rules.technical_issues(submission_deadline=deadline, identified=identified,
                                      calendar=calendar)  # fmt: skip
    assert decision.in_time == (calendar.working_days_between(identified, deadline) > 5)


def test_viva_result_and_certificate() -> None:
    assert rules.viva_result(viva=date(2025, 3, 10)).dates == {"result_due": date(2025, 4, 7)}
    cert = rules.certificate(awarded=date(2025, 11, 30))
    assert cert.dates == {"electronic_due": date(2025, 12, 14), "hard_copy_due": date(2026, 2, 28)}
    assert cert.clause.endswith("6.3")


# --- the sentence ------------------------------------------------------------------
def test_explanation_names_the_skipped_holidays(calendar: Calendar) -> None:
    late = rules.objection(outcome_received=date(2025, 4, 14), form_received=date(2025, 5, 1),
                           calendar=calendar)  # fmt: skip
    assert late.explanation == (
        "Your form reached us on 1 May 2025; the 10 working days after 14 April 2025 ended "
        "on 30 April 2025 (Good Friday and Easter Monday are not working days)."
    )


def test_explanation_single_holiday_and_none(calendar: Calendar) -> None:
    one = rules.appeal(panel_meeting=date(2023, 5, 5), calendar=calendar)
    assert "(Bank holiday for the coronation of King Charles III is not a working day)" in (
        one.explanation
    )
    plain = rules.appeal(panel_meeting=date(2025, 3, 10), calendar=calendar)
    assert "working day" in plain.explanation and "(" not in plain.explanation


def test_explanation_names_closure_days() -> None:
    closed = Calendar(closures=tuple((date(2025, 12, d), "Christmas closure") for d in (29, 30)))
    decision = rules.appeal(panel_meeting=date(2025, 12, 24), calendar=closed)
    assert decision.dates["outcome_due"] == date(2026, 1, 5)
    assert "Christmas closure (29 December 2025 and 30 December 2025)" in decision.explanation
    assert "Christmas Day, Boxing Day" in decision.explanation


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda c: rules.extension(submission_deadline=date(2025, 6, 30),
                                   requested=date(2025, 7, 2), unforeseen_event=True,
                                   calendar=c), "unforeseen event"),
        (lambda c: rules.extension(submission_deadline=date(2025, 6, 30),
                                   requested=date(2025, 7, 9), unforeseen_event=True,
                                   calendar=c), "after 7 July 2025"),
        (lambda c: rules.adjustment(programme_start=date(2025, 3, 31), calendar=c),
         "28 February 2025"),
        (lambda c: rules.ast_review(decision_received=date(2025, 1, 6),
                                    requested=date(2025, 2, 10), calendar=c), "7 April 2025"),
    ],
)  # fmt: skip
def test_every_sentence_is_one_plain_sentence(calendar: Calendar, call, words: str) -> None:  # type: ignore[no-untyped-def]
    text = call(calendar).explanation
    assert words in text
    assert text.endswith(".") and text.count(". ") == 0 and "None" not in text


def test_decision_is_frozen(calendar: Calendar) -> None:
    decision = rules.appeal(panel_meeting=date(2025, 3, 10), calendar=calendar)
    with pytest.raises(dataclasses.FrozenInstanceError):
        decision.in_time = True  # type: ignore[misc]


# --- raw fields --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("rule", "values", "field"),
    [
        ("refund", {}, "rule"),
        ("objection", {}, "outcome_received"),
        ("objection", {"outcome_received": None}, "outcome_received"),
        ("objection", {"outcome_received": "2025-02-31"}, "outcome_received"),
        ("objection", {"outcome_received": 20250401}, "outcome_received"),
        ("objection", {"outcome_received": "2025-04-01", "panel_meeting": "2025-04-01"},
         "panel_meeting"),
        ("extension", {"submission_deadline": "2025-06-30"}, "requested"),
        ("extension", {"submission_deadline": "2025-06-30", "requested": "2025-05-01",
                       "unforeseen_event": "yes"}, "unforeseen_event"),
        ("appeal", {"panel_meeting": "next week"}, "panel_meeting"),
        ("appeal", {"panel_meeting": "9999-12-31"}, "panel_meeting"),  # result after year 9999
    ],
)  # fmt: skip
def test_bad_fields_name_the_field(calendar: Calendar, rule: str, values: dict, field: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(FieldError) as caught:
        decide_from_fields(rule, values, calendar=calendar)
    assert caught.value.field == field


def test_hyphenated_rule_name_is_accepted(calendar: Calendar) -> None:
    decision = decide_from_fields("ast-review", {"decision_received": "2025-01-06"},
                                  calendar=calendar)  # fmt: skip
    assert decision.rule == "ast_review"


# --- from a case's facts ---------------------------------------------------------------
def test_intents_map_to_rules_and_use_the_message_date(calendar: Calendar) -> None:
    sent = datetime(2025, 4, 30, 23, 30, tzinfo=UTC)  # 1 May in London
    decision = decide_for_intent("objection", facts={"outcome_received": date(2025, 4, 14)},
                                 message_date=sent, calendar=calendar)  # fmt: skip
    assert decision is not None and decision.rule == "objection" and decision.in_time is False

    ext = decide_for_intent(
        "extension_request",
        facts={"submission_deadline": date(2025, 6, 30), "unforeseen_event": True},
        message_date=date(2025, 7, 3), calendar=calendar,
    )  # fmt: skip
    assert ext is not None and ext.in_time is True

    ast = decide_for_intent("appeal", facts={"decision_received": date(2025, 1, 6)},
                            message_date=date(2025, 2, 10), calendar=calendar)  # fmt: skip
    assert ast is not None and ast.rule == "ast_review"
    assert ast.dates["decision_due"] == date(2025, 4, 7)

    assert decide_for_intent("faq", facts={}, message_date=None, calendar=calendar) is None
    assert decide_for_intent("appeal", facts={}, message_date=date(2025, 1, 1),
                             calendar=calendar) is None  # fmt: skip
    assert set(rules.INTENT_RULES) == {
        "objection", "extension_request", "reasonable_adjustment", "appeal",
    }  # fmt: skip
