"""Web edge, the queue: filters -> one page of cases, most urgent first, with counts.

Urgency order (issue 6): overdue, due today, due this week, then by date, then cases
without a date; ties by case number (age). That is ``due_date`` ascending, nulls last,
because "overdue" < "today" < "this week" < "later" as dates. The badge (deadline
state) is worked out in Python for the 50 rows shown, against the London date of
``now`` and the working-day calendar ("this week" = within 5 working days).

All SQL is built with SQLAlchemy expressions and bound parameters; search text is
a LIKE pattern with ``%``, ``_`` and ``\\`` escaped, never spliced into SQL.
Offset paging over the indexed sort (``ix_case_status_due``) stays fast at 20,000
cases (see ``bench/bench_queue.py``).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    case,
    false,
    func,
    or_,
    select,
    true,
    type_coerce,
)
from sqlmodel import Session

from ats_helpdesk.store.models import CASE_STATUSES, OPEN_CASE_STATUSES, Case, User
from ats_helpdesk.store.queue_index import QUEUE_INDEX  # noqa: F401  (the index it reads)
from ats_helpdesk.store.search_text import MessageText
from ats_helpdesk.workdays import Calendar

PAGE_SIZE = 50
DeadlineState = Literal["overdue", "today", "week", "later", "none", "closed"]
DueFilter = Literal["overdue", "today", "week", "later", "none"]
DUE_STATES: tuple[DueFilter, ...] = ("overdue", "today", "week", "later", "none")
STATUS_CHOICES: tuple[tuple[str, str], ...] = (
    ("open", "Open"),
    ("all", "All"),
    *((s, s.replace("_", " ").capitalize()) for s in CASE_STATUSES),
)
_REFERENCE = re.compile(r"^\s*(?:#|ATS-?)?0*(\d{1,9})\s*$", re.IGNORECASE)


class QueueFilters(BaseModel):
    """The queue's query string (all optional); also the JSON API's query parameters."""

    q: str | None = Field(default=None, max_length=200, description="Search subject, text, member.")
    intent: str | None = Field(default=None, max_length=32)
    status: str = Field(default="open", max_length=20, description="open, all, or one status.")
    assignee: str | None = Field(
        default=None, pattern=r"^(me|none|\d{1,9})?$", description="me, none, or a user id."
    )
    late: bool = Field(default=False, description="Only requests made after their deadline.")
    needs_review: bool = False
    needs_date: bool = Field(default=False, description="Only cases missing a date to decide.")
    due: DueFilter | Literal[""] | None = Field(  # "" is the form's "any deadline"
        default=None,
        description="Only one deadline state: overdue, today, week (within 5 working days), "
        "later, none (no due date).",
    )
    page: int = Field(default=1, ge=1, le=100_000)


@dataclass(frozen=True)
class QueueRow:
    id: int
    reference: str | None
    subject: str
    snippet: str
    intent: str
    status: str
    member: str
    assignee: str | None
    due: date | None
    deadline_state: DeadlineState
    received_at: datetime
    needs_review: bool
    late: bool
    needs_date: bool = False
    days_to_due: int | None = None  # calendar days from today (negative: overdue)


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int
    pages: int
    intent_counts: list[tuple[str, int]]
    state_counts: dict[str, int] = field(default_factory=dict)


def deadline_state(
    due: date | None, status: str, *, today: date, calendar: Calendar
) -> DeadlineState:
    if status not in OPEN_CASE_STATUSES:
        return "closed"
    if due is None:
        return "none"
    if due < today:
        return "overdue"
    if due == today:
        return "today"
    if due <= calendar.add_working_days(today, 5):
        return "week"
    return "later"


def like_pattern(text: str) -> str:
    """``%text%`` with LIKE's wildcards escaped (used with ``escape='\\\\'``)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _search(q: str, *, like_is_insensitive: bool) -> ColumnElement[bool]:
    pattern = like_pattern(q.strip())

    def like(column: Any) -> ColumnElement[bool]:
        # ILIKE on PostgreSQL; plain LIKE on SQLite, already case-insensitive for ASCII
        # (SQLAlchemy's ilike there is lower(x) LIKE lower(y): twice the work)
        if like_is_insensitive:
            return column.like(pattern, escape="\\")
        return column.ilike(pattern, escape="\\")

    matches: list[ColumnElement[bool]] = [
        like(Case.subject),
        like(Case.member_email),
        like(Case.member_name),
        like(Case.membership_number),
        Case.id.in_(select(MessageText.case_id).where(like(MessageText.text))),  # type: ignore[union-attr]
    ]
    reference = _REFERENCE.match(q)
    if reference:
        matches.append(Case.id == int(reference.group(1)))
    return or_(*matches)


@dataclass(frozen=True)
class DueBounds:
    """The dates the deadline states are cut at: today and today + 5 working days."""

    today: date
    week_end: date


_OPEN = Case.status.in_(OPEN_CASE_STATUSES)  # type: ignore[attr-defined]


def _due_condition(state: DueFilter, bounds: DueBounds) -> ColumnElement[bool]:
    """Open cases in one deadline state (a closed case is never overdue)."""
    due = Case.due_date
    if state == "overdue":
        cut = due < bounds.today  # type: ignore[operator]
    elif state == "today":
        cut = due == bounds.today
    elif state == "week":
        cut = and_(due > bounds.today, due <= bounds.week_end)  # type: ignore[operator]
    elif state == "later":
        cut = due > bounds.week_end  # type: ignore[operator]
    else:
        cut = due.is_(None)  # type: ignore[union-attr]
    return and_(_OPEN, cut)


def _state_of_key(due: str | date | None, bounds: DueBounds) -> DueFilter:
    """The deadline state of an open case's stored due date (ISO text or a date)."""
    if due is None:
        return "none"
    day = due if isinstance(due, date) else date.fromisoformat(str(due)[:10])
    if day < bounds.today:
        return "overdue"
    if day == bounds.today:
        return "today"
    return "week" if day <= bounds.week_end else "later"


def _conditions(
    filters: QueueFilters, *, user_id: int, like_is_insensitive: bool
) -> list[ColumnElement[bool]]:
    """Every filter but intent and deadline state (those also give the counts)."""
    where: list[ColumnElement[bool]] = []
    if filters.status == "open":
        where.append(Case.status.in_(OPEN_CASE_STATUSES))  # type: ignore[attr-defined]
    elif filters.status != "all":
        where.append(Case.status == filters.status)
    if filters.assignee == "me":
        where.append(Case.assignee_id == user_id)
    elif filters.assignee == "none":
        where.append(Case.assignee_id.is_(None))  # type: ignore[union-attr]
    elif filters.assignee:
        where.append(Case.assignee_id == int(filters.assignee))
    if filters.late:
        where.append(Case.in_time == false())
    if filters.needs_review:
        where.append(Case.needs_review == true())
    if filters.needs_date:
        where.append(Case.needs_date == true())
    if filters.q and filters.q.strip():
        where.append(_search(filters.q, like_is_insensitive=like_is_insensitive))
    return where


def _snippets(session: Session, case_ids: Sequence[int]) -> dict[int, str]:
    """The first message's text of each case shown (one query for the page)."""
    if not case_ids:
        return {}
    first = (
        select(MessageText.case_id, func.min(MessageText.message_id).label("mid"))
        .where(MessageText.case_id.in_(case_ids))  # type: ignore[union-attr]
        .group_by(MessageText.case_id)
        .subquery()
    )
    rows = session.execute(
        select(MessageText.case_id, func.substr(MessageText.text, 1, 1200)).join(
            first,
            and_(first.c.case_id == MessageText.case_id, first.c.mid == MessageText.message_id),
        )
    ).all()
    return {case_id: _snippet(text or "") for case_id, text in rows}


def _snippet(text: str, length: int = 140) -> str:
    """The start of the body: the index text's first line is the subject, shown already."""
    body = text.split("\n", 1)[1] if "\n" in text else text
    words = " ".join(body.split())
    return words if len(words) <= length else words[: length - 1].rsplit(" ", 1)[0] + "…"


Keys = tuple[list[int], int, int, list[tuple[str, int]], dict[str, int]]


def _state_column(bounds: DueBounds) -> ColumnElement[str]:
    return case(
        (Case.due_date.is_(None), "none"),  # type: ignore[union-attr]
        (Case.due_date < bounds.today, "overdue"),  # type: ignore[operator]
        (Case.due_date == bounds.today, "today"),
        (Case.due_date <= bounds.week_end, "week"),  # type: ignore[operator]
        else_="later",
    )


def _page_ids_sql(
    session: Session,
    where: list[ColumnElement[bool]],
    filters: QueueFilters,
    bounds: DueBounds,
) -> Keys:
    """Without a search: counts (per intent, per deadline state) and the page's ids.

    ``ix_case_status_due`` and ``ix_case_queue_keys`` cover these queries, so SQLite
    answers them without reading a case row (a few ms at 20,000 cases)."""
    intent, due, page = filters.intent, filters.due or None, filters.page
    in_state = [_due_condition(due, bounds)] if due else []
    in_intent = [Case.intent == intent] if intent else []
    scoped = [*where, *in_intent, *in_state]
    total = session.execute(select(func.count()).select_from(Case).where(*scoped)).scalar_one()
    counts = session.execute(
        select(Case.intent, func.count())
        .where(*where, *in_state)
        .group_by(Case.intent)
        .order_by(Case.intent)
    ).all()
    state = _state_column(bounds)
    states = dict(
        session.execute(  # type: ignore[arg-type]
            select(state, func.count()).where(*where, *in_intent, _OPEN).group_by(state)
        ).all()
    )
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(page, pages)
    ids = (
        session.execute(
            select(Case.id)
            .where(*scoped)
            .order_by(Case.due_date.is_(None), Case.due_date, Case.id)  # type: ignore[union-attr]
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
        .scalars()
        .all()
    )
    return list(ids), total, page, [(i, n) for i, n in counts], states


def _page_ids_once(
    session: Session,
    where: list[ColumnElement[bool]],
    filters: QueueFilters,
    bounds: DueBounds,
) -> Keys:
    """With a search: one query (id, intent, due date) gives counts, total and page.

    The LIKE scans then run once, not once for the count, once for the intent counts
    and once for the page; the matches are sorted in Python."""
    # Core, not ORM, and the due date as stored (ISO text on SQLite sorts as dates do):
    # no per-row object or date conversion
    table = Case.__table__.c  # type: ignore[attr-defined]
    due = type_coerce(table.due_date, String)
    intent, page = filters.intent, filters.page
    rows = session.connection().execute(
        select(table.id, table.intent, due, table.status).where(*where)
    )
    keys = []
    state_of: dict[int, str] = {}
    for case_id, intent_name, due_key, status in rows:
        keys.append((case_id, intent_name, due_key))
        if status in OPEN_CASE_STATUSES:
            state_of[case_id] = _state_of_key(due_key, bounds)
    in_state = [k for k in keys if state_of.get(k[0]) == filters.due] if filters.due else keys
    in_intent = [k for k in keys if k[1] == intent] if intent else keys
    counts = Counter(k[1] for k in in_state)
    states = Counter(state_of[k[0]] for k in in_intent if k[0] in state_of)
    chosen = [k for k in in_state if k[1] == intent] if intent else in_state
    # undated last; the placeholder 0 is only ever compared with another undated row's 0
    chosen.sort(key=lambda k: (k[2] is None, 0 if k[2] is None else k[2], k[0]))
    pages = max(1, math.ceil(len(chosen) / PAGE_SIZE))
    page = min(page, pages)
    ids = [k[0] for k in chosen[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]]
    return ids, len(chosen), page, sorted(counts.items()), dict(states)


def query_queue(
    session: Session, filters: QueueFilters, *, user_id: int, today: date, calendar: Calendar
) -> QueuePage:
    insensitive = session.get_bind().dialect.name == "sqlite"  # SQLite LIKE ignores ASCII case
    where = _conditions(filters, user_id=user_id, like_is_insensitive=insensitive)
    searching = bool(filters.q and filters.q.strip())
    page_ids = _page_ids_once if searching else _page_ids_sql
    bounds = DueBounds(today, calendar.add_working_days(today, 5))
    ids, total, page, counts, states = page_ids(session, where, filters, bounds)
    found = session.execute(
        select(Case, User.email)
        .outerjoin(User, User.id == Case.assignee_id)  # type: ignore[arg-type]
        .where(Case.id.in_(ids))  # type: ignore[union-attr]
    ).all()
    order = {case_id: n for n, case_id in enumerate(ids)}
    found = sorted(found, key=lambda row: order[row[0].id])
    snippets = _snippets(session, ids)
    rows = [
        QueueRow(
            id=c.id or 0,
            reference=c.reference,
            subject=c.subject,
            snippet=snippets.get(c.id or 0, ""),
            intent=c.intent,
            status=c.status,
            member=c.member_name or c.member_email,
            assignee=assignee,
            due=c.due_date,
            deadline_state=deadline_state(c.due_date, c.status, today=today, calendar=calendar),
            received_at=c.created_at,
            needs_review=c.needs_review,
            late=c.in_time is False,
            needs_date=c.needs_date,
            days_to_due=(c.due_date - today).days if c.due_date else None,
        )
        for c, assignee in found
    ]
    pages = max(1, math.ceil(total / PAGE_SIZE))
    return QueuePage(rows, total, page, pages, counts, {s: states.get(s, 0) for s in DUE_STATES})
