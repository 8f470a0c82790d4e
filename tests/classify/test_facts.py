"""extract_facts: British dates and their roles, relative dates, grounds, needs, numbers."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ats_helpdesk.facts import extract_facts

WED = datetime(2025, 2, 5, 10, 0, tzinfo=UTC)  # Wednesday 5 Feb 2025
MON = datetime(2025, 2, 3, 9, 0, tzinfo=UTC)  # Monday
SAT = datetime(2025, 2, 8, 12, 0, tzinfo=UTC)  # Saturday
SUN = datetime(2025, 2, 9, 12, 0, tzinfo=UTC)  # Sunday
# 23:30 UTC on Monday 31 March 2025 is Tuesday 1 April in London (BST).
LATE = datetime(2025, 3, 31, 23, 30, tzinfo=UTC)


def _dates(text: str, sent: datetime | None = WED) -> list[tuple[date, str]]:
    return [(d.date, d.role) for d in extract_facts("", text, sent).dates]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("My deadline is 3/4/2025.", [(date(2025, 4, 3), "submission_deadline")]),
        ("Submission due 14/4/25", [(date(2025, 4, 14), "submission_deadline")]),
        ("due 03.04.2025", [(date(2025, 4, 3), "submission_deadline")]),
        ("deadline 2025-04-03", [(date(2025, 4, 3), "submission_deadline")]),
        ("My viva is on 3rd April.", [(date(2025, 4, 3), "viva")]),
        (
            "I received the outcome on the 14th of March 2025.",
            [(date(2025, 3, 14), "outcome_received")],
        ),
        ("The result came on March 14, 2025", [(date(2025, 3, 14), "outcome_received")]),
        ("The programme starts Mon 3 Feb", [(date(2025, 2, 3), "programme_start")]),
        ("The panel meets on 20 June 2025", [(date(2025, 6, 20), "panel_meeting")]),
        (
            "I received the assessor's decision on 4 March 2025",
            [(date(2025, 3, 4), "decision_received")],
        ),
        ("My dad passed away on 28 January.", [(date(2025, 1, 28), "event_date")]),
        ("I am free on 12 May 2025", [(date(2025, 5, 12), "unknown")]),
        ("3 April is my viva", [(date(2025, 4, 3), "viva")]),
        (
            "My viva was on 3 April and I received the result on 20 April 2025.",
            [(date(2025, 4, 3), "viva"), (date(2025, 4, 20), "outcome_received")],
        ),
        # Not dates
        ("See clause 5.2.1 and 6.7-6.8; call 01234 567890.", []),
        ("31/02/2025 is not a day", []),
        ("I am 1/2 way through", []),
    ],
)
def test_dates_and_roles(text: str, expected: list[tuple[date, str]]) -> None:
    assert _dates(text) == expected


@pytest.mark.parametrize(
    ("text", "sent", "expected"),
    [
        ("I got the result yesterday", WED, date(2025, 2, 4)),
        ("I got the result today", WED, date(2025, 2, 5)),
        ("the result came last Friday", WED, date(2025, 1, 31)),
        ("the result came last Friday", SAT, date(2025, 2, 7)),
        ("the result came last Friday", MON, date(2025, 1, 31)),
        ("my viva is next Friday", WED, date(2025, 2, 7)),
        ("my viva is next Friday", SAT, date(2025, 2, 14)),
        ("my viva is next Monday", SUN, date(2025, 2, 10)),
        ("my viva is this Wednesday", WED, date(2025, 2, 5)),
        ("I received the outcome on Monday", WED, date(2025, 2, 3)),
        ("I received the outcome on Friday", SUN, date(2025, 2, 7)),
        ("my viva is on Monday", SAT, date(2025, 2, 10)),
        ("I heard two weeks ago", WED, date(2025, 1, 22)),
        ("the outcome came 3 days ago", MON, date(2025, 1, 31)),
        (
            "the outcome came a month ago",
            datetime(2025, 3, 31, 9, tzinfo=UTC),
            date(2025, 2, 28),
        ),
        ("I received the outcome yesterday", LATE, date(2025, 3, 31)),
        # No year: nearest to the sent day
        ("my deadline is 14 March", datetime(2025, 12, 20, tzinfo=UTC), date(2026, 3, 14)),
        ("I heard on 20 December", datetime(2026, 1, 5, tzinfo=UTC), date(2025, 12, 20)),
    ],
)
def test_relative_dates(text: str, sent: datetime, expected: date) -> None:
    assert [d for d, _ in _dates(text, sent)] == [expected]


def test_relative_dates_need_a_sent_date() -> None:
    assert _dates("I got the result yesterday, deadline 3 April", None) == []
    assert _dates("deadline 3 April 2025", None) == [(date(2025, 4, 3), "submission_deadline")]


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("My membership number is 1234567.", "1234567"),
        ("SET no. 12345678", "12345678"),
        ("membership no: 654321", "654321"),
        ("Member ID 7654321", "7654321"),
        ("ref SET-1234567", "1234567"),
        ("call me on 07700 900123", None),
        ("deadline 14/04/2025 cohort 8", None),
    ],
)
def test_membership_number(text: str, number: str | None) -> None:
    assert extract_facts("", text, WED).membership_number == number


def test_membership_number_in_the_signature_cut_from_the_new_text() -> None:
    body = "Could I have an extension please?\n\nKind regards\nJo Bloggs\nMembership no. 104233\n"
    new_text = "Could I have an extension please?"
    assert extract_facts("", new_text, WED).membership_number is None
    facts = extract_facts("", new_text, WED, whole_body=body)
    assert facts.membership_number == "104233"
    # the new text wins over an older number further down the body
    facts = extract_facts("", "my membership number is 7654321", WED, whole_body=body)
    assert facts.membership_number == "7654321"


@pytest.mark.parametrize(
    ("text", "ground"),
    [
        ("My laptop's hard drive failed and I lost my work", "technical"),
        ("I was signed off sick with pneumonia", "illness"),
        ("My dad passed away last week; he had been ill", "bereavement"),
        ("Ofsted are in next week and the campus flooded", "disruption"),
        ("I started a new job at another college", "employment"),
        ("I have just been too busy", "other"),
    ],
)
def test_extension_ground(text: str, ground: str) -> None:
    assert extract_facts("", text, WED, intent="extension_request").extension_ground == ground


def test_ground_is_none_without_intent_or_cue() -> None:
    assert extract_facts("", "When are results out?", WED).extension_ground is None


@pytest.mark.parametrize(
    ("text", "need"),
    [
        ("I have dyslexia and need extra time", "specific_learning_difficulty"),
        ("I am dyspraxic, diagnosed with dyspraxia", "specific_learning_difficulty"),
        ("I have dyscalculia", "specific_learning_difficulty"),
        ("I am registered blind and use a screen reader", "visual"),
        ("I am deaf and will need a BSL interpreter", "hearing"),
        ("I use a wheelchair, is there step-free access?", "mobility"),
        ("I have severe anxiety", "mental_health"),
        ("I have type 1 diabetes and need breaks", "other"),
    ],
)
def test_adjustment_need(text: str, need: str) -> None:
    facts = extract_facts("", text, WED, intent="reasonable_adjustment")
    assert facts.adjustment_need == need


def test_automatic_from_headers_and_json() -> None:
    facts = extract_facts(
        "Automatic reply: ATS",
        "I am away until Monday",
        WED,
        headers={"Auto-Submitted": "auto-replied"},
        from_addr="jo@example.org",
    )
    assert facts.automatic == "auto-submitted"
    assert extract_facts("x", "y", WED).automatic is None
    payload = extract_facts("Deadline", "due 3/4/2025, membership number 1234567", WED).to_json()
    assert payload["dates"] == [
        {"date": "2025-04-03", "role": "submission_deadline", "text": "3/4/2025"}
    ]
    assert payload["membership_number"] == "1234567"


def test_roles_for_the_rules() -> None:
    from ats_helpdesk.case_dates import facts_as_dict, rule_facts

    facts = extract_facts(
        "", "I received the outcome yesterday. My deadline was 3/4/2025, and 9 May 2025.", WED
    )
    assert facts.roles == {
        "outcome_received": date(2025, 2, 4), "submission_deadline": date(2025, 4, 3)
    }  # fmt: skip
    assert facts.date_for("outcome_received") == date(2025, 2, 4)
    assert facts.to_json()["roles"] == {
        "outcome_received": "2025-02-04", "submission_deadline": "2025-04-03"
    }  # fmt: skip
    assert rule_facts(facts_as_dict(facts)) == facts.roles
