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
    if value is None:
        return "—"
    return value.strftime("%d %b %Y %H:%M")


def humanise(name: str | None) -> str:
    """``extension_request`` -> ``Extension request`` for labels."""
    if not name:
        return "—"
    return name.replace("_", " ").capitalize()


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
    return Jinja2Templates(env=env, context_processors=[_page_context])
