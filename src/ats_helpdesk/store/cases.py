"""Store, cases: open, join, change and list cases, with an append-only event trail.

Where it sits: ``triage.py`` opens cases and records what happened; the staff app
lists, assigns and moves them. Every change to a case goes with a ``CaseEvent``
row written here, so the audit trail is complete by construction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from ats_helpdesk.store.models import (
    CASE_STATUSES,
    OPEN_CASE_STATUSES,
    Case,
    CaseEvent,
    Message,
    format_reference,
)


class CaseError(ValueError):
    """Bad input for a case change (the message names the field and value)."""


@dataclass(frozen=True)
class CaseDates:
    """The rule's result as the store keeps it (from ``rules.Decision``)."""

    rule: str | None = None
    dates: Mapping[str, date | None] | None = None
    due_date: date | None = None
    in_time: bool | None = None
    clause: str | None = None
    explanation: str | None = None
    needs_date: bool = False


@dataclass(frozen=True)
class CasePage:
    items: list[Case]
    total: int
    offset: int
    limit: int


SORTS = {
    "due": (col(Case.due_date).is_(None), col(Case.due_date), col(Case.id)),  # undated last
    "newest": (col(Case.created_at).desc(), col(Case.id).desc()),
    "oldest": (col(Case.created_at), col(Case.id)),
    "updated": (col(Case.updated_at).desc(), col(Case.id).desc()),
}


def _iso_dates(dates: Mapping[str, date | None] | None) -> dict[str, str | None]:
    return {k: (v.isoformat() if v is not None else None) for k, v in (dates or {}).items()}


def create_case(
    *,
    session: Session,
    intent: str,
    member_email: str,
    subject: str,
    now: datetime,
    member_name: str = "",
    membership_number: str | None = None,
    needs_review: bool = False,
    facts: Mapping[str, Any] | None = None,
    dates: CaseDates | None = None,
    actor: str = "system",
    detail: Mapping[str, Any] | None = None,
) -> Case:
    """Insert a case, give it its ``ATS-000123`` reference, record ``opened``."""
    d = dates or CaseDates()
    case = Case(
        intent=intent, member_email=member_email, member_name=member_name,
        membership_number=membership_number, subject=subject[:998], needs_review=needs_review,
        facts=dict(facts or {}), created_at=now, updated_at=now, rule=d.rule,
        dates=_iso_dates(d.dates), due_date=d.due_date, in_time=d.in_time, clause=d.clause,
        explanation=d.explanation, needs_date=d.needs_date,
    )
    session.add(case)
    session.flush()
    assert case.id is not None
    case.reference = format_reference(case.id)
    session.add(case)
    add_case_event(session=session, case_id=case.id, kind="opened", actor=actor, now=now,
                   detail={"intent": intent, **dict(detail or {})})
    return case


def add_case_event(
    *, session: Session, case_id: int, kind: str, actor: str, now: datetime,
    detail: Mapping[str, Any] | None = None,
) -> CaseEvent:
    event = CaseEvent(case_id=case_id, at=now, actor=actor, kind=kind, detail=dict(detail or {}))
    session.add(event)
    return event


def get_case(*, session: Session, case_id: int) -> Case | None:
    return session.get(Case, case_id)


def get_case_by_reference(*, session: Session, reference: str) -> Case | None:
    return session.exec(select(Case).where(Case.reference == reference.upper())).first()


def set_case_status(
    *, session: Session, case: Case, status: str, actor: str, now: datetime
) -> Case:
    if status not in CASE_STATUSES:
        raise CaseError(f"status: {status!r} is not one of {', '.join(CASE_STATUSES)}")
    if status != case.status:
        assert case.id is not None
        add_case_event(session=session, case_id=case.id, kind="status", actor=actor, now=now,
                       detail={"from": case.status, "to": status})
        case.status = status
        case.updated_at = now
        session.add(case)
    return case


def assign_case(
    *, session: Session, case: Case, assignee_id: int | None, actor: str, now: datetime
) -> Case:
    if assignee_id != case.assignee_id:
        assert case.id is not None
        add_case_event(session=session, case_id=case.id, kind="assigned", actor=actor, now=now,
                       detail={"from": case.assignee_id, "to": assignee_id})
        case.assignee_id = assignee_id
        case.updated_at = now
        session.add(case)
    return case


def touch_case(*, session: Session, case: Case, now: datetime) -> None:
    case.updated_at = now
    session.add(case)


def list_cases(
    *,
    session: Session,
    status: str | None = None,
    open_only: bool = False,
    intent: str | None = None,
    assignee_id: int | None = None,
    unassigned: bool = False,
    needs_review: bool | None = None,
    sort: str = "due",
    offset: int = 0,
    limit: int = 50,
) -> CasePage:
    """One page of the staff queue, filtered and sorted on indexed columns."""
    if sort not in SORTS:
        raise CaseError(f"sort: {sort!r} is not one of {', '.join(SORTS)}")
    query = select(Case)
    if status is not None:
        query = query.where(Case.status == status)
    elif open_only:
        query = query.where(col(Case.status).in_(OPEN_CASE_STATUSES))
    if intent is not None:
        query = query.where(Case.intent == intent)
    if unassigned:
        query = query.where(col(Case.assignee_id).is_(None))
    elif assignee_id is not None:
        query = query.where(Case.assignee_id == assignee_id)
    if needs_review is not None:
        query = query.where(Case.needs_review == needs_review)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    items = session.exec(query.order_by(*SORTS[sort]).offset(offset).limit(limit)).all()
    return CasePage(list(items), total, offset, limit)


def case_messages(*, session: Session, case_id: int) -> list[Message]:
    query = select(Message).where(Message.case_id == case_id).order_by(col(Message.id))
    return list(session.exec(query).all())


def case_events(*, session: Session, case_id: int) -> list[CaseEvent]:
    query = select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(
        col(CaseEvent.at), col(CaseEvent.id)
    )
    return list(session.exec(query).all())
