"""Web edge, pages: the Jinja2 environment for ``templates/web/`` (staff may reword them).

Autoescaping is on for every template, whatever its name: member text reaches the
page only as escaped text, or as HTML that ``nh3`` has already cleaned and that a
template marks ``|safe`` on purpose (see ``mail_html.py``).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.templating import Jinja2Templates

from ats_helpdesk.web.security import CSRF_FIELD
from ats_helpdesk.workdays import LONDON

BADGES: dict[str, str] = {
    "overdue": "Overdue",
    "today": "Due today",
    "week": "Due this week",
    "later": "Later",
    "none": "No date",
    "closed": "Closed",
}


def _page_context(request: Request) -> dict[str, Any]:
    session = getattr(request.state, "session", None)
    sessions = request.app.state.sessions
    return {
        "user": getattr(request.state, "user", None),
        "csrf_token": sessions.csrf_token(session) if session is not None else "",
        "csrf_field": CSRF_FIELD,
        "badges": BADGES,
    }


def format_date(value: date | datetime | None, fmt: str = "%a %d %b %Y") -> str:
    if value is None:
        return "—"
    return value.strftime(fmt)


def format_datetime(value: datetime | None) -> str:
    """Times as staff in England read them: London wall-clock time (GMT or BST)."""
    if value is None:
        return "—"
    if value.tzinfo is not None:
        value = value.astimezone(LONDON)
    return value.strftime("%d %b %Y %H:%M")


def due_words(days: int | None) -> str:
    """``-3`` -> ``3 days overdue``; ``0`` -> ``due today``; ``4`` -> ``in 4 days``."""
    if days is None:
        return ""
    if days < 0:
        return f"{-days} day{'s' if days < -1 else ''} overdue"
    if days == 0:
        return "due today"
    if days == 1:
        return "due tomorrow"
    return f"in {days} days"


def badge_label(state: str, needs_date: bool = False) -> str:
    """The badge text; an undated case that is waiting for a date says so."""
    if state == "none" and needs_date:
        return "Needs a date"
    return BADGES.get(state, state)


def humanise(name: str | None) -> str:
    """``extension_request`` -> ``Extension request`` for labels."""
    if not name:
        return "—"
    if name.lower() in _ACRONYMS:
        return _ACRONYMS[name.lower()]
    return name.replace("_", " ").capitalize()


_ACRONYMS = {"faq": "FAQ", "ast_review": "AST review"}


def make_templates(template_dir: Path) -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["date"] = format_date
    env.filters["datetime"] = format_datetime
    env.filters["humanise"] = humanise
    env.filters["due_words"] = due_words
    env.globals["badge_label"] = badge_label
    return Jinja2Templates(env=env, context_processors=[_page_context])
