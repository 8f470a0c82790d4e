"""Web edge, sign-in and sign-out: the only staff pages an anonymous visitor may open.

The sign-in form has a CSRF token too (login CSRF): the first visit gets an anonymous
session cookie whose ``sid`` the token is derived from. A successful sign-in starts a
new session id. Failed attempts count against the e-mail and the client address
(``security.LoginLimiter``); past the limit the answer is 429 with ``Retry-After``.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlmodel import Session

from ats_helpdesk.store.accounts import find_user
from ats_helpdesk.web.deps import CurrentUser, check_csrf
from ats_helpdesk.web.gate import StaffUser, safe_next
from ats_helpdesk.web.security import SESSION_COOKIE, SessionData, verify_password

logger = logging.getLogger(__name__)

public_router = APIRouter(tags=["session"], dependencies=[Depends(check_csrf)])
router = APIRouter(tags=["session"])


def set_session_cookie(request: Request, response: Response, session: SessionData) -> None:
    sessions = request.app.state.sessions
    response.set_cookie(
        SESSION_COOKIE,
        sessions.dump(session),
        max_age=sessions.max_age,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def ensure_session(request: Request) -> SessionData | None:
    """The visitor's session, or a new anonymous one (returned so the caller sets the cookie)."""
    if request.state.session is not None:
        return None
    session = request.app.state.sessions.new()
    request.state.session = session
    return session


def authenticate(*, engine: Engine, email: str, password: str) -> StaffUser | None:
    """The active user with this e-mail and password, else None (one argon2 check either way)."""
    with Session(engine) as session:
        user = find_user(session=session, email=email)
        ok = verify_password(user.password_hash if user else None, password)
        if not ok or user is None or not user.active or user.id is None:
            return None
        return StaffUser(id=user.id, email=user.email, role=user.role)


class SignInFailed(Exception):
    def __init__(self, message: str, *, retry_after: int = 0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def sign_in(request: Request, email: str, password: str) -> StaffUser:
    """Check the limiter and the password; on success start a new signed-in session."""
    limiter = request.app.state.login_limiter
    client = request.client.host if request.client else "unknown"
    keys = (f"email:{email.strip().lower()}", f"ip:{client}")
    wait = limiter.retry_after(*keys)
    if wait:
        logger.warning("sign-in refused: too many failures (client %s)", client)
        raise SignInFailed("Too many failed attempts. Try again later.", retry_after=wait)
    user = authenticate(engine=request.app.state.engine, email=email, password=password)
    if user is None:
        limiter.record_failure(*keys)
        raise SignInFailed("That e-mail address and password do not match an active account.")
    limiter.reset(keys[0])
    request.state.session = request.app.state.sessions.new(uid=user.id)
    request.state.user = user
    logger.info("user %s signed in", user.id)
    return user


@public_router.get("/login", include_in_schema=False)
def login_page(request: Request, next: str = "/queue") -> Response:
    if request.state.user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    new = ensure_session(request)
    response = request.app.state.templates.TemplateResponse(
        request, "login.html", {"next": safe_next(next), "error": None, "email": ""}
    )
    if new is not None:
        set_session_cookie(request, response, new)
    return response


@public_router.post("/login", include_in_schema=False)
def login_submit(
    request: Request,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form()] = "/queue",
) -> Response:
    try:
        sign_in(request, email, password)
    except SignInFailed as failure:
        code = status.HTTP_429_TOO_MANY_REQUESTS if failure.retry_after else 400
        headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else None
        return request.app.state.templates.TemplateResponse(
            request,
            "login.html",
            {"next": safe_next(next), "error": str(failure), "email": email},
            status_code=code,
            headers=headers,
        )
    response = RedirectResponse(safe_next(next), status_code=303)
    set_session_cookie(request, response, request.state.session)
    return response


def end_session(request: Request) -> None:
    """Signing out ends the session itself, not just this browser's copy of the cookie."""
    session = getattr(request.state, "session", None)
    if session is not None:
        request.app.state.sessions.end(session)


@router.post("/logout", include_in_schema=False)
def logout(request: Request, user: CurrentUser) -> Response:
    logger.info("user %s signed out", user.id)
    end_session(request)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# ---- the same as JSON, for API clients -------------------------------------------


class SessionInfo(BaseModel):
    signed_in: bool
    csrf_token: str = Field(description="Send back in the X-CSRF-Token header.")
    email: str | None = None
    role: str | None = None


class Credentials(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)


def _session_info(request: Request) -> SessionInfo:
    user = request.state.user
    return SessionInfo(
        signed_in=user is not None,
        csrf_token=request.app.state.sessions.csrf_token(request.state.session),
        email=user.email if user else None,
        role=user.role if user else None,
    )


@public_router.get("/api/session", response_model=SessionInfo)
def session_info(request: Request, response: Response) -> SessionInfo:
    """The caller's session and its CSRF token (starts an anonymous session if needed)."""
    new = ensure_session(request)
    if new is not None:
        set_session_cookie(request, response, new)
    return _session_info(request)


@public_router.post("/api/session", response_model=SessionInfo)
def api_sign_in(request: Request, response: Response, credentials: Credentials) -> SessionInfo:
    """Sign in; needs the anonymous session's CSRF token from ``GET /api/session``."""
    try:
        sign_in(request, credentials.email, credentials.password)
    except SignInFailed as failure:
        if failure.retry_after:
            raise HTTPException(
                429, str(failure), headers={"Retry-After": str(failure.retry_after)}
            ) from None
        raise HTTPException(401, str(failure)) from None
    set_session_cookie(request, response, request.state.session)
    return _session_info(request)


@router.delete("/api/session", status_code=204)
def api_sign_out(request: Request, user: CurrentUser) -> Response:
    """Sign out (the session is ended: a copy of the cookie no longer works)."""
    logger.info("user %s signed out", user.id)
    end_session(request)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
