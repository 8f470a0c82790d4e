"""Web edge, dependencies: the ``Annotated`` types every staff route declares.

``SessionDep`` (a database session), ``SettingsDep``, ``CurrentUser`` and ``AdminUser``
follow full-stack-fastapi-template's ``api/deps.py``. The sign-in gate (``gate.py``)
has already refused anonymous visitors before any of these run; ``CurrentUser`` is
the typed handle on the user it found. ``check_csrf`` is a router-level dependency
on every staff router: state-changing requests need the session's CSRF token.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.templating import Jinja2Templates
from sqlmodel import Session

from ats_helpdesk.config import Settings
from ats_helpdesk.web.gate import StaffUser
from ats_helpdesk.web.security import CSRF_FIELD, CSRF_HEADER, SessionData, Sessions

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_db(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine) as session:
        yield session


def get_current_user(request: Request) -> StaffUser:
    user = getattr(request.state, "user", None)
    if user is None:  # the gate lets no anonymous request this far; defence in depth
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Sign in required.")
    return user


def get_admin(user: Annotated[StaffUser, Depends(get_current_user)]) -> StaffUser:
    if not user.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Only an admin can do this.")
    return user


def get_sessions(request: Request) -> Sessions:
    return request.app.state.sessions


def get_templates(request: Request) -> Jinja2Templates:
    return request.app.state.templates


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_db)]
CurrentUser = Annotated[StaffUser, Depends(get_current_user)]
AdminUser = Annotated[StaffUser, Depends(get_admin)]
TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]


async def check_csrf(request: Request) -> None:
    """Refuse a state-changing request without this session's CSRF token (403).

    Forms carry it in the ``csrf_token`` field, API clients in ``X-CSRF-Token``.
    FastAPI caches the parsed form on the request, so the route reads it again for free.
    """
    if request.method in SAFE_METHODS:
        return
    session: SessionData | None = getattr(request.state, "session", None)
    token = request.headers.get(CSRF_HEADER)
    if token is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        token = value if isinstance(value, str) else None
    if not request.app.state.sessions.check_csrf(session, token):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Missing or wrong CSRF token.")


CsrfChecked = Depends(check_csrf)
