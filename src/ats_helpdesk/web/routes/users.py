"""Web edge, ``/users``: admins add staff accounts, change roles, disable and enable them.

Agents get 403. An admin cannot disable or demote their own account (so there is
always someone left who can manage users).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from ats_helpdesk.store.accounts import (
    Account,
    AccountError,
    check_password,
    create_user,
    get_user,
    list_users,
    set_active,
    set_role,
)
from ats_helpdesk.web.deps import AdminUser, SessionDep
from ats_helpdesk.web.gate import StaffUser
from ats_helpdesk.web.security import hash_password

router = APIRouter(tags=["users"])


def add_account(
    session: Session, *, email: str, password: str, role: str, now: datetime
) -> Account:
    check_password(password)
    return create_user(
        session=session, email=email, password_hash=hash_password(password), role=role, now=now
    )


def change_account(
    session: Session, admin: StaffUser, user_id: int, *, role: str | None, active: bool | None
) -> Account:
    user = get_user(session=session, user_id=user_id)
    if user is None:
        raise HTTPException(404, f"There is no user {user_id}.")
    if user_id == admin.id and (active is False or (role is not None and role != "admin")):
        raise AccountError("user: you cannot disable or demote your own account")
    account = None
    if role is not None:
        account = set_role(session=session, user_id=user_id, role=role)
    if active is not None:
        account = set_active(session=session, email=user.email, active=active)
    return account or set_role(session=session, user_id=user_id, role=user.role)


def _page(
    request: Request, session: Session, *, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    return request.app.state.templates.TemplateResponse(
        request,
        "users.html",
        {
            "active": "users",
            "accounts": list_users(session=session),
            "error": error,
            "flash": "Saved." if request.query_params.get("done") else None,
        },
        status_code=status_code,
    )


@router.get("/users", response_class=HTMLResponse, include_in_schema=False)
def users_page(request: Request, session: SessionDep, admin: AdminUser) -> HTMLResponse:
    return _page(request, session)


@router.post("/users", include_in_schema=False)
def add_user(
    request: Request,
    session: SessionDep,
    admin: AdminUser,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1024)],
    role: Annotated[str, Form(pattern="^(agent|admin)$")] = "agent",
) -> Response:
    try:
        add_account(
            session, email=email, password=password, role=role, now=request.app.state.clock()
        )
    except AccountError as error:
        return _page(request, session, error=str(error), status_code=400)
    return RedirectResponse("/users?done=1", status_code=303)


@router.post("/users/{user_id}", include_in_schema=False)
def change_user(
    request: Request,
    user_id: int,
    session: SessionDep,
    admin: AdminUser,
    role: Annotated[str | None, Form(pattern="^(agent|admin)$")] = None,
    active: Annotated[str | None, Form(pattern="^(yes|no)$")] = None,
) -> Response:
    try:
        change_account(
            session, admin, user_id, role=role, active=None if active is None else active == "yes"
        )
    except AccountError as error:
        return _page(request, session, error=str(error), status_code=400)
    return RedirectResponse("/users?done=1", status_code=303)
