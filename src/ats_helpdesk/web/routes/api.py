"""Web edge, the JSON API under ``/api``: the staff actions of the pages, for scripts.

Same session cookie as the pages (sign in with ``POST /api/session``), and every
state-changing call needs the ``X-CSRF-Token`` header from ``GET /api/session``.
Each endpoint calls the same functions as its page, so both write the same audit
events. Documented in the OpenAPI schema (``/docs``, signed-in only).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field
from sqlmodel import Session

from ats_helpdesk.store.accounts import AccountError, list_users
from ats_helpdesk.store.cases import CaseError, set_case_status
from ats_helpdesk.web import case_actions, replies
from ats_helpdesk.web.dashboard_stats import Dashboard
from ats_helpdesk.web.deps import AdminUser, CurrentUser, SessionDep
from ats_helpdesk.web.queue_query import QueueFilters
from ats_helpdesk.web.routes import cases as case_routes
from ats_helpdesk.web.routes.dashboard import dashboard_for
from ats_helpdesk.web.routes.queue import load_queue
from ats_helpdesk.web.routes.users import add_account, change_account

router = APIRouter(tags=["api"])


class CaseSummary(BaseModel):
    id: int
    reference: str | None
    subject: str
    snippet: str
    intent: str
    status: str
    member: str
    assignee: str | None
    due: date | None
    deadline_state: str
    received_at: datetime
    needs_review: bool
    late: bool
    needs_date: bool
    days_to_due: int | None = Field(description="Calendar days to the due date (< 0: overdue).")


class QueueOut(BaseModel):
    cases: list[CaseSummary]
    total: int
    page: int
    pages: int
    intent_counts: dict[str, int]
    state_counts: dict[str, int] = Field(
        description="Open cases per deadline state (overdue, today, week, later, none)."
    )


class CaseOut(BaseModel):
    id: int
    reference: str | None
    subject: str
    intent: str
    status: str
    assignee_id: int | None
    needs_review: bool
    needs_date: bool
    deadline_state: str
    due_date: date | None
    member: dict[str, Any]
    decision: dict[str, Any] | None
    facts: dict[str, Any]
    thread: list[dict[str, Any]]
    events: list[dict[str, Any]]


class ReplyIn(BaseModel):
    subject: str = Field(min_length=1, max_length=998)
    body: str = Field(min_length=1, max_length=20_000)
    to: str | None = Field(default=None, max_length=320, description="Default: the member.")
    template: str = Field(default=replies.DEFAULT_TEMPLATE, max_length=100)


class IntentIn(BaseModel):
    intent: str = Field(max_length=32)


class AssignIn(BaseModel):
    assignee_id: int | None


class StatusIn(BaseModel):
    status: str = Field(max_length=20)


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=5000)


class FactIn(BaseModel):
    value: str = Field(max_length=100, description="YYYY-MM-DD, yes/no, or empty to clear.")


class UserIn(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(min_length=10, max_length=1024)
    role: str = Field(default="agent", pattern="^(agent|admin)$")


class UserChange(BaseModel):
    role: str | None = Field(default=None, pattern="^(agent|admin)$")
    active: bool | None = None


class UserOut(BaseModel):
    id: int
    email: str
    role: str
    active: bool


class Done(BaseModel):
    ok: bool = True
    detail: str = ""


def _case_out(request: Request, session: Session, case_id: int, user: Any) -> CaseOut:
    case = case_routes.load_case(session, case_id)
    ctx = case_routes.case_context(request, session, case, user)
    decision = ctx["decision"]
    return CaseOut(
        id=case.id or 0,
        reference=case.reference,
        subject=case.subject,
        intent=case.intent,
        status=case.status,
        assignee_id=case.assignee_id,
        needs_review=case.needs_review,
        needs_date=case.needs_date,
        deadline_state=ctx["deadline_state"],
        due_date=case.due_date,
        member=vars(ctx["member"]),
        decision=None if decision is None else vars(decision),
        facts=case.facts or {},
        thread=[
            {
                "direction": t.direction,
                "from": t.from_label,
                "to": t.to_label,
                "when": t.when,
                "subject": t.subject,
                "text": t.text,
                "status": t.status,
                "attachments": [a.filename for a in t.attachments],
            }
            for t in ctx["thread"]
        ],
        events=[
            {"at": e.when, "actor": e.actor, "kind": e.kind, "summary": e.summary}
            for e in ctx["events"]
        ],
    )


@router.get("/cases", response_model=QueueOut)
def api_queue(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    filters: Annotated[QueueFilters, Query()],
) -> QueueOut:
    """The queue: cases most urgent first, filtered and searched like ``/queue``."""
    page = load_queue(request, session, filters, user.id)
    return QueueOut(
        cases=[CaseSummary(**vars(r)) for r in page.rows],
        total=page.total,
        page=page.page,
        pages=page.pages,
        intent_counts=dict(page.intent_counts),
        state_counts=page.state_counts,
    )


@router.get("/cases/{case_id}", response_model=CaseOut)
def api_case(request: Request, case_id: int, session: SessionDep, user: CurrentUser) -> CaseOut:
    """One case: thread (text only), member, facts, decision and audit trail."""
    return _case_out(request, session, case_id, user)


@router.post("/cases/{case_id}/reply", response_model=Done)
def api_reply(
    request: Request, case_id: int, body: ReplyIn, session: SessionDep, user: CurrentUser
) -> Done:
    """Queue a reply (the text is sent as given) and record it in the audit trail."""
    case = case_routes.load_case(session, case_id)
    draft = replies.Draft(body.template, body.to or case.member_email, body.subject, body.body)
    if "@" not in draft.to:
        raise HTTPException(422, "to: the case has no member address; give one")
    outbound_id = replies.send_reply(
        session,
        case,
        draft,
        settings=request.app.state.settings,
        templates_dir=request.app.state.content.templates,
        user_id=user.id,
        now=request.app.state.clock(),
    )
    session.commit()
    return Done(detail=f"outbound {outbound_id} queued")


@router.post("/cases/{case_id}/reclassify", response_model=Done)
def api_reclassify(
    request: Request, case_id: int, body: IntentIn, session: SessionDep, user: CurrentUser
) -> Done:
    """Change the intent (recomputes the dates; kept as training feedback)."""
    case = case_routes.load_case(session, case_id)
    try:
        case_routes.apply_reclassify(request, session, case, body.intent, user)
    except case_actions.ActionError as error:
        raise HTTPException(422, str(error)) from None
    return Done()


@router.post("/cases/{case_id}/assign", response_model=Done)
def api_assign(
    request: Request, case_id: int, body: AssignIn, session: SessionDep, user: CurrentUser
) -> Done:
    """Assign to a user id, or to nobody with null."""
    case = case_routes.load_case(session, case_id)
    case_routes.apply_assign(request, session, case, body.assignee_id, user)
    return Done()


@router.post("/cases/{case_id}/status", response_model=Done)
def api_status(
    request: Request, case_id: int, body: StatusIn, session: SessionDep, user: CurrentUser
) -> Done:
    """Change the status (new, awaiting_member, in_progress, resolved, closed)."""
    case = case_routes.load_case(session, case_id)
    try:
        set_case_status(
            session=session,
            case=case,
            status=body.status,
            actor=f"user:{user.id}",
            now=request.app.state.clock(),
        )
    except CaseError as error:
        raise HTTPException(422, str(error)) from None
    session.commit()
    return Done()


@router.post("/cases/{case_id}/notes", response_model=Done)
def api_note(
    request: Request, case_id: int, body: NoteIn, session: SessionDep, user: CurrentUser
) -> Done:
    """Add an internal note (staff only, never sent)."""
    case = case_routes.load_case(session, case_id)
    try:
        case_actions.add_note(
            session, case, text=body.text, user_id=user.id, now=request.app.state.clock()
        )
    except case_actions.ActionError as error:
        raise HTTPException(422, str(error)) from None
    session.commit()
    return Done()


@router.put("/cases/{case_id}/facts/{name}", response_model=Done)
def api_fact(
    request: Request,
    case_id: int,
    name: str,
    body: FactIn,
    session: SessionDep,
    user: CurrentUser,
) -> Done:
    """Set or clear one fact and recompute the rule's dates."""
    case = case_routes.load_case(session, case_id)
    state = request.app.state
    try:
        case_actions.edit_fact(
            session,
            case,
            name=name,
            value=body.value,
            user_id=user.id,
            now=state.clock(),
            calendar=state.calendar,
            cohorts=state.cohorts,
        )
    except case_actions.ActionError as error:
        session.rollback()
        raise HTTPException(422, str(error)) from None
    session.commit()
    return Done(detail=f"due {case.due_date.isoformat() if case.due_date else 'none'}")


@router.get("/dashboard")
def api_dashboard(request: Request, session: SessionDep, user: CurrentUser) -> Dashboard:
    """The dashboard's figures."""
    return dashboard_for(request, session)


@router.get("/users", response_model=list[UserOut])
def api_users(session: SessionDep, admin: AdminUser) -> list[UserOut]:
    """Staff accounts (admins only)."""
    return [
        UserOut(id=a.id, email=a.email, role=a.role, active=a.active)
        for a in list_users(session=session)
    ]


@router.post("/users", response_model=UserOut, status_code=201)
def api_add_user(request: Request, body: UserIn, session: SessionDep, admin: AdminUser) -> UserOut:
    """Add a staff account (admins only)."""
    try:
        a = add_account(
            session,
            email=body.email,
            password=body.password,
            role=body.role,
            now=request.app.state.clock(),
        )
    except AccountError as error:
        raise HTTPException(422, str(error)) from None
    return UserOut(id=a.id, email=a.email, role=a.role, active=a.active)


@router.patch("/users/{user_id}", response_model=UserOut)
def api_change_user(
    user_id: int, body: UserChange, session: SessionDep, admin: AdminUser
) -> UserOut:
    """Change a role or disable/enable an account (admins only; not your own)."""
    try:
        a = change_account(session, admin, user_id, role=body.role, active=body.active)
    except AccountError as error:
        raise HTTPException(422, str(error)) from None
    return UserOut(id=a.id, email=a.email, role=a.role, active=a.active)
