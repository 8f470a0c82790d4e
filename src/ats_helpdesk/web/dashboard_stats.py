"""Web edge, the dashboard's figures: open cases, automatic answers, replies, deadlines.

Everything is counted in the database (GROUP BY with bound dates), then shaped into
frozen values the page and ``GET /api/dashboard`` share.

A deadline is *met* when the case got a staff reply, or was resolved or closed, on
or before its due date (London dates); *missed* when its due date has passed
without either. Counted per week (Monday to Sunday) of the due date, for the last
``weeks`` weeks up to today.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, case, func, select
from sqlmodel import Session

from ats_helpdesk.store.models import (
    OPEN_CASE_STATUSES,
    AnswerFeedback,
    AnswerLog,
    Case,
    Outbound,
)
from ats_helpdesk.web.chart import PeriodCount
from ats_helpdesk.workdays import Calendar, london_date

STATES = ("overdue", "today", "week", "later", "none")
DONE_STATUSES = ("resolved", "closed")


@dataclass(frozen=True)
class AnswerFigures:
    channel: str
    given: int
    handed_over: int
    helpful: int
    not_helpful: int


@dataclass(frozen=True)
class Dashboard:
    today: date
    open_by_intent: dict[str, dict[str, int]]
    open_total: int
    answers: list[AnswerFigures]
    replies: dict[str, dict[str, int]]  # kind -> status -> count
    deadlines: list[PeriodCount] = field(default_factory=list)


def _open_by_intent(session: Session, today: date, week_end: date) -> dict[str, dict[str, int]]:
    state = case(
        (Case.due_date.is_(None), "none"),  # type: ignore[union-attr]
        (Case.due_date < today, "overdue"),  # type: ignore[operator]
        (Case.due_date == today, "today"),
        (Case.due_date <= week_end, "week"),  # type: ignore[operator]
        else_="later",
    )
    rows = session.execute(
        select(Case.intent, state, func.count())
        .where(Case.status.in_(OPEN_CASE_STATUSES))  # type: ignore[attr-defined]
        .group_by(Case.intent, state)
    ).all()
    table: dict[str, dict[str, int]] = {}
    for intent, name, count in rows:
        table.setdefault(intent, dict.fromkeys(STATES, 0))[name] = count
    return dict(sorted(table.items()))


def _answers(session: Session) -> list[AnswerFigures]:
    votes = (
        select(
            AnswerFeedback.answer_log_id,
            func.sum(case((AnswerFeedback.helpful, 1), else_=0)).label("up"),
            func.sum(case((AnswerFeedback.helpful, 0), else_=1)).label("down"),
        )
        .group_by(AnswerFeedback.answer_log_id)
        .subquery()
    )
    rows = session.execute(
        select(
            AnswerLog.channel,
            func.sum(case((AnswerLog.answered, 1), else_=0)),
            func.sum(case((AnswerLog.answered, 0), else_=1)),
            func.coalesce(func.sum(votes.c.up), 0),
            func.coalesce(func.sum(votes.c.down), 0),
        )
        .outerjoin(votes, votes.c.answer_log_id == AnswerLog.id)
        .group_by(AnswerLog.channel)
        .order_by(AnswerLog.channel)
    ).all()
    return [
        AnswerFigures(str(c), int(g or 0), int(h or 0), int(u), int(d)) for c, g, h, u, d in rows
    ]


def _replies(session: Session) -> dict[str, dict[str, int]]:
    rows = session.execute(
        select(Outbound.kind, Outbound.status, func.count()).group_by(
            Outbound.kind, Outbound.status
        )
    ).all()
    table: dict[str, dict[str, int]] = {}
    for kind, status, count in rows:
        table.setdefault(kind, {"queued": 0, "sent": 0, "failed": 0})[status] = count
    return dict(sorted(table.items()))


def _deadlines(session: Session, today: date, weeks: int) -> list[PeriodCount]:
    first_monday = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    replied = (
        select(Outbound.case_id, func.min(Outbound.created_at).label("at"))
        .where(Outbound.kind == "staff_reply")
        .group_by(Outbound.case_id)
        .subquery()
    )
    rows = session.execute(
        select(Case.due_date, Case.status, Case.updated_at, replied.c.at)
        .outerjoin(replied, replied.c.case_id == Case.id)
        .where(and_(Case.due_date >= first_monday, Case.due_date <= today))  # type: ignore[operator]
    ).all()
    met = [0] * weeks
    missed = [0] * weeks
    for due, status, updated_at, reply_at in rows:
        done = [london_date(reply_at)] if reply_at else []
        if status in DONE_STATUSES:
            done.append(london_date(updated_at))
        slot = (due - first_monday).days // 7
        if done and min(done) <= due:
            met[slot] += 1
        elif due < today:
            missed[slot] += 1
    return [
        PeriodCount((first_monday + timedelta(weeks=i)).strftime("%d %b"), met[i], missed[i])
        for i in range(weeks)
    ]


def load_dashboard(
    session: Session, *, today: date, calendar: Calendar, weeks: int = 12
) -> Dashboard:
    by_intent = _open_by_intent(session, today, calendar.add_working_days(today, 5))
    return Dashboard(
        today=today,
        open_by_intent=by_intent,
        open_total=sum(sum(v.values()) for v in by_intent.values()),
        answers=_answers(session),
        replies=_replies(session),
        deadlines=_deadlines(session, today, weeks),
    )
