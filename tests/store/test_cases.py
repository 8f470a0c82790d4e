"""Cases: references, the event trail, and the staff queue's filters, sorting and paging."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, delete, insert, update
from sqlalchemy.exc import DatabaseError
from sqlmodel import Session, select

from ats_helpdesk.store.cases import (
    CaseDates,
    CaseError,
    assign_case,
    case_events,
    create_case,
    get_case_by_reference,
    list_cases,
    set_case_status,
)
from ats_helpdesk.store.db import session_scope
from ats_helpdesk.store.models import Case, CaseEvent, User

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_create_case_gives_reference_and_opened_event(engine: Engine) -> None:
    with session_scope(engine) as session:
        case = create_case(
            session=session, intent="objection", member_email="m@example.org", subject="Obj",
            now=NOW, dates=CaseDates(rule="objection_window", dates={"window_closes":
                                     date(2021, 1, 6), "response_due": None},
                                     due_date=date(2021, 1, 6), in_time=True, clause="policy 9.1"),
        )
        reference = case.reference
    assert reference == f"ATS-{case.id:06d}"
    with Session(engine) as session:
        found = get_case_by_reference(session=session, reference=reference.lower())
        assert found.dates == {"window_closes": "2021-01-06", "response_due": None}
        assert [e.kind for e in case_events(session=session, case_id=found.id)] == ["opened"]


@pytest.mark.parametrize("change", [
    update(CaseEvent).values(kind="forged"), delete(CaseEvent)])
def test_the_event_trail_is_append_only_in_the_database(engine: Engine, change) -> None:
    with session_scope(engine) as session:
        create_case(session=session, intent="appeal", member_email="a@b", subject="s", now=NOW)
    with (pytest.raises(DatabaseError, match="case_event is append-only"),
          session_scope(engine) as session):
        session.exec(change)
    with Session(engine) as session:
        (event,) = session.exec(select(CaseEvent)).all()
        assert event.kind == "opened"


def test_status_and_assignment_changes_are_audited(engine: Engine) -> None:
    with session_scope(engine) as session:
        user = User(email="agent@set.test", password_hash="x", created_at=NOW)
        session.add(user)
        case = create_case(session=session, intent="appeal", member_email="a@b", subject="s",
                           now=NOW)
        assign_case(session=session, case=case, assignee_id=user.id, actor="user:1", now=NOW)
        set_case_status(session=session, case=case, status="in_progress", actor="user:1",
                        now=NOW + timedelta(minutes=1))
        set_case_status(session=session, case=case, status="in_progress", actor="user:1",
                        now=NOW)  # no change, no event
        with pytest.raises(CaseError, match="status: 'done'"):
            set_case_status(session=session, case=case, status="done", actor="x", now=NOW)
    with Session(engine) as session:
        events = case_events(session=session, case_id=case.id)
    assert [(e.kind, e.detail) for e in events] == [
        ("opened", {"intent": "appeal"}),
        ("assigned", {"from": None, "to": user.id}),
        ("status", {"from": "new", "to": "in_progress"}),
    ]


def _bulk_cases(engine: Engine, count: int) -> None:
    intents = ["faq", "extension_request", "objection", "appeal", "other"]
    statuses = ["new", "awaiting_member", "in_progress", "resolved", "closed"]
    rows = [
        {
            "reference": f"ATS-{i + 1:06d}", "intent": intents[i % 5],
            "status": statuses[(i // 5) % 5], "member_email": f"m{i}@example.org",
            "member_name": "", "subject": f"case {i}", "dates": {}, "facts": {},
            "due_date": date(2026, 1, 1) + timedelta(days=i % 365) if i % 7 else None,
            "needs_review": i % 11 == 0, "needs_date": False, "created_at": NOW,
            "updated_at": NOW,
        }
        for i in range(count)
    ]
    with session_scope(engine) as session:
        session.execute(insert(Case), rows)


def test_queue_filters_sorts_and_pages(engine: Engine) -> None:
    _bulk_cases(engine, 200)
    with Session(engine) as session:
        page = list_cases(session=session, status="new", intent="objection", limit=10)
        assert page.total == sum(1 for i in range(200) if i % 5 == 2 and (i // 5) % 5 == 0)
        assert all(c.status == "new" and c.intent == "objection" for c in page.items)
        dues = [c.due_date for c in list_cases(session=session, limit=200).items]
        dated = [d for d in dues if d is not None]
        assert dated == sorted(dated) and dues[len(dated):] == [None] * (len(dues) - len(dated))
        review = list_cases(session=session, needs_review=True, limit=500)
        assert review.total == len([i for i in range(200) if i % 11 == 0])
        first, second = (list_cases(session=session, sort="oldest", offset=o, limit=50)
                         for o in (0, 50))
        assert not {c.id for c in first.items} & {c.id for c in second.items}
        with pytest.raises(CaseError, match="sort"):
            list_cases(session=session, sort="random")


@pytest.mark.slow
def test_queue_pages_through_20000_cases_quickly(engine: Engine) -> None:
    _bulk_cases(engine, 20_000)
    with Session(engine) as session:
        started = time.perf_counter()
        for offset in (0, 5_000, 10_000):
            page = list_cases(session=session, open_only=True, sort="due", offset=offset, limit=50)
            assert len(page.items) == 50
            list_cases(session=session, intent="appeal", needs_review=True, limit=50)
        elapsed = time.perf_counter() - started
    assert page.total == 12_000
    assert elapsed < 2.0, f"six queue pages took {elapsed:.2f}s"
