"""Web edge, ``/queue``: the staff home page, cases most urgent first, with filters.

The page and ``GET /api/cases`` share ``load_queue``; the query itself is in
``queue_query.py``.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session, select

from ats_helpdesk.intents import INTENTS
from ats_helpdesk.store.models import User
from ats_helpdesk.store.search_text import index_messages
from ats_helpdesk.web.case_view import search_text_of
from ats_helpdesk.web.deps import CurrentUser, SessionDep
from ats_helpdesk.web.queue_query import STATUS_CHOICES, QueueFilters, QueuePage, query_queue
from ats_helpdesk.workdays import london_date

router = APIRouter(tags=["queue"])


def load_queue(
    request: Request, session: Session, filters: QueueFilters, user_id: int
) -> QueuePage:
    # catch the search index (and the snippets) up with mail triaged since the last
    # look; bounded, so a backlog is worked off over a few requests
    index_messages(session=session, extract_text=search_text_of, limit=200)
    filters = filters.model_copy(
        update={"intent": filters.intent or None, "due": filters.due or None}
    )
    return query_queue(
        session,
        filters,
        user_id=user_id,
        today=london_date(request.app.state.clock()),
        calendar=request.app.state.calendar,
    )


def active_staff(session: Session) -> list[User]:
    return list(session.exec(select(User).where(User.active == True).order_by(User.email)).all())  # noqa: E712


def _query_string(filters: QueueFilters, **changes: object) -> str:
    values = filters.model_dump(exclude_defaults=True) | changes
    values = {k: ("1" if v is True else v) for k, v in values.items() if v not in (None, "", False)}
    return "/queue" + ("?" + urlencode(values) if values else "")


@router.get("/queue", response_class=HTMLResponse, include_in_schema=False)
def queue_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    filters: Annotated[QueueFilters, Query()],
) -> HTMLResponse:
    page = load_queue(request, session, filters, user.id)
    return request.app.state.templates.TemplateResponse(
        request,
        "queue.html",
        {
            "active": "queue",
            "filters": filters,
            "rows": page.rows,
            "total": page.total,
            "page": page.page,
            "pages": page.pages,
            "intent_counts": page.intent_counts,
            "state_counts": page.state_counts,
            "state_link": lambda name: _query_string(filters, due=name, page=1),
            "all_states_link": _query_string(filters, due=None, page=1),
            "intents": INTENTS,
            "statuses": STATUS_CHOICES,
            "staff": active_staff(session),
            "intent_link": lambda name: _query_string(filters, intent=name, page=1),
            "prev_url": _query_string(filters, page=page.page - 1) if page.page > 1 else None,
            "next_url": _query_string(filters, page=page.page + 1)
            if page.page < page.pages
            else None,
        },
    )
