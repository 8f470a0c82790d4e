"""Scenarios worked out by hand from the gov.uk bank-holiday dates (not by the code).

Each row is one `--jsonl`-style case and the fields it must give; the working for
the less obvious ones is in the comment beside it.
"""

from __future__ import annotations

import pytest

from ats_helpdesk.rules import decide_from_fields
from ats_helpdesk.workdays import Calendar

# (fields in, fields out)
SCENARIOS: list[tuple[dict[str, object], dict[str, object]]] = [
    # --- objection: outcome + 10 working days; form + 10 working days ---------------
    # DOMAIN example: Fri 18 Dec 2020; 25, 28 Dec and 1 Jan are bank holidays.
    ({"rule": "objection", "outcome_received": "2020-12-18"},
     {"window_closes": "2021-01-06", "in_time": None, "response_due": None}),
    ({"rule": "objection", "outcome_received": "2020-12-18", "form_received": "2021-01-06"},
     {"window_closes": "2021-01-06", "in_time": True, "response_due": "2021-01-20"}),
    ({"rule": "objection", "outcome_received": "2020-12-18", "form_received": "2021-01-07"},
     {"window_closes": "2021-01-06", "in_time": False, "response_due": "2021-01-21"}),
    # Mon 14 Apr 2025: Good Friday 18 and Easter Monday 21 Apr skipped -> Wed 30 Apr.
    ({"rule": "objection", "outcome_received": "2025-04-14", "form_received": "2025-04-29"},
     {"window_closes": "2025-04-30", "in_time": True, "response_due": "2025-05-14"}),
    # Easter Saturday 19 Apr 2025 -> day 0 Tue 22 Apr; Early May 5 May skipped.
    ({"rule": "objection", "outcome_received": "2025-04-19"},
     {"window_closes": "2025-05-07"}),
    # Fri 27 May 2022: 2 and 3 Jun (Spring, Jubilee) skipped -> Tue 14 Jun.
    ({"rule": "objection", "outcome_received": "2022-05-27"}, {"window_closes": "2022-06-14"}),
    # Mon 12 Sep 2022: state funeral Mon 19 Sep skipped -> Tue 27 Sep.
    ({"rule": "objection", "outcome_received": "2022-09-12"}, {"window_closes": "2022-09-27"}),
    # Tue 2 May 2023: coronation Mon 8 May skipped -> Wed 17 May.
    ({"rule": "objection", "outcome_received": "2023-05-02"}, {"window_closes": "2023-05-17"}),
    # Fri 1 May 2020: VE day Fri 8 May skipped, Mon 4 May is a working day -> Mon 18 May.
    ({"rule": "objection", "outcome_received": "2020-05-01"}, {"window_closes": "2020-05-18"}),
    # Fri 24 Dec 2021: 27, 28 Dec 2021 and Mon 3 Jan 2022 (substitutes) skipped -> Wed 12 Jan.
    ({"rule": "objection", "outcome_received": "2021-12-24"}, {"window_closes": "2022-01-12"}),
    # Christmas Day 2025 -> day 0 Mon 29 Dec; 1 Jan skipped -> Tue 13 Jan 2026.
    ({"rule": "objection", "outcome_received": "2025-12-25"}, {"window_closes": "2026-01-13"}),
    # 23:30 UTC on 31 Mar 2025 is Tue 1 Apr in London (BST) -> Tue 15 Apr.
    ({"rule": "objection", "outcome_received": "2025-03-31T23:30:00Z"},
     {"window_closes": "2025-04-15"}),
    ({"rule": "objection", "outcome_received": "2025-03-31"}, {"window_closes": "2025-04-14"}),
    # 23:30 UTC Fri 24 Oct 2025 is Sat 25 Oct in London (still BST) -> day 0 Mon 27 Oct.
    ({"rule": "objection", "outcome_received": "2025-10-24T23:30:00Z"},
     {"window_closes": "2025-11-10"}),
    ({"rule": "objection", "outcome_received": "2025-10-24T23:30:00+00:00",
      "form_received": "2025-11-10T23:30:00Z"},  # 23:30 GMT is still 10 Nov
     {"window_closes": "2025-11-10", "in_time": True}),
    # 23:30 UTC Mon 20 Oct 2025 is Tue 21 Oct (BST) -> Tue 4 Nov.
    ({"rule": "objection", "outcome_received": "2025-10-20T23:30:00Z"},
     {"window_closes": "2025-11-04"}),
    # --- extension: deadline - 42 days; + 5 working days; + 3 months -------------------
    ({"rule": "extension", "submission_deadline": "2025-06-30", "requested": "2025-05-19"},
     {"request_by": "2025-05-19", "late_request_by": "2025-07-07",
      "latest_extended_deadline": "2025-09-30", "in_time": True}),
    ({"rule": "extension", "submission_deadline": "2025-06-30", "requested": "2025-05-20"},
     {"in_time": False}),
    # 23:30 UTC on 19 May 2025 is already 20 May in London.
    ({"rule": "extension", "submission_deadline": "2025-06-30",
      "requested": "2025-05-19T23:30:00Z"}, {"in_time": False}),
    ({"rule": "extension", "submission_deadline": "2025-06-30", "requested": "2025-07-07",
      "unforeseen_event": True}, {"in_time": True}),
    ({"rule": "extension", "submission_deadline": "2025-06-30", "requested": "2025-07-08",
      "unforeseen_event": True}, {"in_time": False}),
    ({"rule": "extension", "submission_deadline": "2025-06-30", "requested": "2025-07-01",
      "unforeseen_event": False}, {"in_time": False}),
    # Fri 18 Dec 2020: 25 and 28 Dec skipped -> Tue 29 Dec; 18 Mar 2021.
    ({"rule": "extension", "submission_deadline": "2020-12-18", "requested": "2020-11-06"},
     {"request_by": "2020-11-06", "late_request_by": "2020-12-29",
      "latest_extended_deadline": "2021-03-18", "in_time": True}),
    # Sunday 30 Nov 2025 -> day 0 Mon 1 Dec -> Mon 8 Dec; 3 months clamps to 28 Feb 2026.
    ({"rule": "extension", "submission_deadline": "2025-11-30", "requested": "2025-10-20",
      "unforeseen_event": True},
     {"request_by": "2025-10-19", "late_request_by": "2025-12-08",
      "latest_extended_deadline": "2026-02-28", "in_time": True}),
    ({"rule": "extension", "submission_deadline": "2023-11-30", "requested": "2023-10-19"},
     {"request_by": "2023-10-19", "late_request_by": "2023-12-07",
      "latest_extended_deadline": "2024-02-29", "in_time": True}),
    # Thu 17 Apr 2025: Easter skipped -> Mon 28 Apr.
    ({"rule": "extension", "submission_deadline": "2025-04-17", "requested": "2025-04-28",
      "unforeseen_event": True},
     {"request_by": "2025-03-06", "late_request_by": "2025-04-28", "in_time": True}),
    # Tue 31 May 2022: 2 and 3 Jun skipped -> Thu 9 Jun.
    ({"rule": "extension", "submission_deadline": "2022-05-31", "requested": "2022-04-19"},
     {"request_by": "2022-04-19", "late_request_by": "2022-06-09",
      "latest_extended_deadline": "2022-08-31", "in_time": True}),
    # --- reasonable adjustment: programme start - 1 month, clamped -------------------
    ({"rule": "adjustment", "programme_start": "2025-03-31", "requested": "2025-02-28"},
     {"request_by": "2025-02-28", "in_time": True}),
    ({"rule": "adjustment", "programme_start": "2024-03-31", "requested": "2024-03-01"},
     {"request_by": "2024-02-29", "in_time": False}),
    ({"rule": "adjustment", "programme_start": "2025-09-01", "requested": "2025-08-01"},
     {"request_by": "2025-08-01", "in_time": True}),
    ({"rule": "adjustment", "programme_start": "2025-01-15", "requested": "2024-12-16"},
     {"request_by": "2024-12-15", "in_time": False}),
    # --- appeal: panel + 3 working days ---------------------------------------------
    ({"rule": "appeal", "panel_meeting": "2025-12-24"}, {"outcome_due": "2025-12-31"}),
    ({"rule": "appeal", "panel_meeting": "2025-04-17"}, {"outcome_due": "2025-04-24"}),
    ({"rule": "appeal", "panel_meeting": "2022-06-01"}, {"outcome_due": "2022-06-08"}),
    ({"rule": "appeal", "panel_meeting": "2023-05-05"}, {"outcome_due": "2023-05-11"}),
    # Sat 26 Dec 2026 -> Mon 28 is the substitute -> day 0 Tue 29 Dec; 1 Jan skipped.
    ({"rule": "appeal", "panel_meeting": "2026-12-26"}, {"outcome_due": "2027-01-04"}),
    ({"rule": "appeal", "panel_meeting": "2027-12-24"}, {"outcome_due": "2027-12-31"}),
    # --- AST review: + 40 working days twice ------------------------------------------
    # Fri 19 Dec 2025: 25, 26 Dec and 1 Jan skipped -> Wed 18 Feb 2026.
    ({"rule": "ast_review", "decision_received": "2025-12-19"},
     {"request_by": "2026-02-18", "in_time": None, "decision_due": None}),
    # Mon 6 Jan 2025: eight clear weeks -> Mon 3 Mar; Mon 10 Feb -> Mon 7 Apr.
    ({"rule": "ast_review", "decision_received": "2025-01-06", "requested": "2025-02-10"},
     {"request_by": "2025-03-03", "in_time": True, "decision_due": "2025-04-07"}),
    ({"rule": "ast_review", "decision_received": "2025-01-06", "requested": "2025-03-04"},
     {"request_by": "2025-03-03", "in_time": False}),
    # Mon 24 Mar 2025: eight weeks is Mon 19 May, plus 18 Apr, 21 Apr, 5 May -> Thu 22 May.
    ({"rule": "ast_review", "decision_received": "2025-03-24"}, {"request_by": "2025-05-22"}),
]  # fmt: skip


@pytest.mark.parametrize(("given", "expected"), SCENARIOS)
def test_hand_computed(
    calendar: Calendar, given: dict[str, object], expected: dict[str, object]
) -> None:
    fields = dict(given)
    rule = str(fields.pop("rule"))
    answer = decide_from_fields(rule, fields, calendar=calendar).as_json()
    assert {k: answer[k] for k in expected} == expected
