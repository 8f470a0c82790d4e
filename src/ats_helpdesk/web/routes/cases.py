"""Web edge, ``/cases/{id}``: the case page and the forms that act on it.

Each POST does one action (``case_actions``/``replies``/``store.cases``), commits it
with its audit event, and redirects back (POST-redirect-GET), except a reply preview,
which re-renders the page with the draft. The JSON API (``api.py``) calls the same
functions.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from ats_helpdesk.intents import INTENTS
from ats_helpdesk.store.cases import CaseError, assign_case, get_case, set_case_status
from ats_helpdesk.store.models import CASE_STATUSES, Case, User
from ats_helpdesk.web import case_actions, case_view, replies
from ats_helpdesk.web.deps import CurrentUser, SessionDep
from ats_helpdesk.web.gate import StaffUser
from ats_helpdesk.web.queue_query import deadline_state
from ats_helpdesk.web.routes.queue import active_staff
from ats_helpdesk.workdays import london_date

router = APIRouter(tags=["cases"])

Text = Annotated[str, Form(max_length=20_000)]


def load_case(session: Session, case_id: int) -> Case:
    case = get_case(session=session, case_id=case_id)
    if case is None:
        raise HTTPException(404, f"There is no case #{case_id}.")
    return case


def case_context(request: Request, session: Session, case: Case, user: StaffUser) -> dict[str, Any]:
    """Everything the case page shows (also the JSON API's case detail)."""
    state = request.app.state
    assert case.id is not None
    member = case_view.load_member(session, case)
    decision = case_view.decision_of(case)
    return {
        "case": case,
        "deadline_state": deadline_state(
            case.due_date, case.status, today=london_date(state.clock()), calendar=state.calendar
        ),
        "member": member,
        "decision": decision,
        "facts": case_view.facts_of(case),
        "thread": case_view.load_thread(session, case.id, from_address=state.settings.from_address),
        "events": case_view.load_events(session, case.id),
        "reply_context": replies.template_context(
            case, member, decision, settings=state.settings, agent_email=user.email
        ),
    }


def render_case(
    request: Request,
    session: Session,
    case: Case,
    user: StaffUser,
    *,
    draft: replies.Draft | None = None,
    template: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = case_context(request, session, case, user)
    renderer = request.app.state.renderer
    if draft is None:
        draft = replies.start_draft(
            renderer, template or replies.DEFAULT_TEMPLATE, case, context["reply_context"]
        )
    view = {k: v for k, v in context.items() if k not in ("reply_context", "case")}
    return request.app.state.templates.TemplateResponse(
        request,
        "case.html",
        {
            **view,
            "case": _CaseHead(case, context["deadline_state"]),
            "active": "queue",
            "reply": draft,
            "reply_templates": replies.reply_templates(renderer),
            "intents": INTENTS,
            "case_statuses": CASE_STATUSES,
            "staff": active_staff(session),
            "editable_facts": case_actions.editable_facts(case.intent),
            "missing_facts": case_actions.missing_facts(case),
            "days_to_due": (case.due_date - london_date(request.app.state.clock())).days
            if case.due_date
            else None,
            "flash": DONE_MESSAGES.get(request.query_params.get("done") or ""),
            "error": error,
        },
        status_code=status_code,
    )


class _CaseHead:
    """The case row plus its badge state, as the template reads it."""

    def __init__(self, case: Case, state: str) -> None:
        self._case, self.deadline_state = case, state

    def __getattr__(self, name: str) -> Any:
        return getattr(self._case, name)


# After an action the page says what happened. Only these fixed messages can be shown
# (``?done=<code>``), so a crafted link cannot put its own words on a staff page.
DONE_MESSAGES = {
    "reply": "Reply queued for sending.",
    "reclassified": "Reclassified; the correction is kept as training feedback.",
    "assigned": "Assignment saved.",
    "status": "Status changed.",
    "note": "Note added.",
    "fact": "Fact saved; dates recomputed.",
}


def _done(case_id: int, code: str) -> RedirectResponse:
    return RedirectResponse(f"/cases/{case_id}?done={code}", status_code=303)


def _now(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.clock()


@router.get("/cases/{case_id}", response_class=HTMLResponse, include_in_schema=False)
def case_page(
    request: Request,
    case_id: int,
    session: SessionDep,
    user: CurrentUser,
    template: str | None = None,
) -> HTMLResponse:
    return render_case(request, session, load_case(session, case_id), user, template=template)


@router.post("/cases/{case_id}/reply", include_in_schema=False)
def reply(
    request: Request,
    case_id: int,
    session: SessionDep,
    user: CurrentUser,
    to: Annotated[str, Form(max_length=320)],
    subject: Annotated[str, Form(max_length=998)],
    body: Text,
    template: Annotated[str, Form(max_length=100)] = replies.DEFAULT_TEMPLATE,
    action: Annotated[str, Form(pattern="^(preview|send)$")] = "preview",
) -> Response:
    case = load_case(session, case_id)
    draft = replies.Draft(template, to.strip(), subject.strip(), body)
    if "@" not in draft.to or not draft.subject or not body.strip():
        return render_case(
            request,
            session,
            case,
            user,
            draft=draft,
            status_code=400,
            error="A reply needs an address, a subject and a message.",
        )
    if action == "preview":
        preview = replies.Draft(draft.template, draft.to, draft.subject, body, preview=body)
        return render_case(request, session, case, user, draft=preview)
    replies.send_reply(
        session,
        case,
        draft,
        settings=request.app.state.settings,
        templates_dir=request.app.state.content.templates,
        user_id=user.id,
        now=_now(request),
    )
    session.commit()
    return _done(case_id, "reply")


@router.post("/cases/{case_id}/reclassify", include_in_schema=False)
def reclassify(
    request: Request,
    case_id: int,
    session: SessionDep,
    user: CurrentUser,
    intent: Annotated[str, Form(max_length=32)],
) -> Response:
    case = load_case(session, case_id)
    try:
        apply_reclassify(request, session, case, intent, user)
    except case_actions.ActionError as error:
        return render_case(request, session, case, user, error=str(error), status_code=400)
    return _done(case_id, "reclassified")


def apply_reclassify(
    request: Request, session: Session, case: Case, intent: str, user: StaffUser
) -> dict[str, Any] | None:
    state = request.app.state
    record = case_actions.reclassify(
        session,
        case,
        intent=intent,
        user_id=user.id,
        now=_now(request),
        calendar=state.calendar,
        cohorts=state.cohorts,
        body_of=case_view.body_for_training,
    )
    session.commit()
    if record is not None:  # after the commit: no training example for a change not kept
        case_actions.append_feedback(state.feedback_file, record)
    return record


@router.post("/cases/{case_id}/assign", include_in_schema=False)
def assign(
    request: Request,
    case_id: int,
    session: SessionDep,
    user: CurrentUser,
    assignee_id: Annotated[str, Form(pattern=r"^\d{0,9}$")] = "",
) -> Response:
    case = load_case(session, case_id)
    target = int(assignee_id) if assignee_id else None
    apply_assign(request, session, case, target, user)
    return _done(case_id, "assigned")


def apply_assign(
    request: Request, session: Session, case: Case, target: int | None, user: StaffUser
) -> None:
    if target is not None:
        person = session.get(User, target)
        if person is None or not person.active:
            raise HTTPException(400, f"assignee_id: no active user {target}")
    assign_case(
        session=session, case=case, assignee_id=target, actor=f"user:{user.id}", now=_now(request)
    )
    session.commit()


@router.post("/cases/{case_id}/status", include_in_schema=False)
def change_status(
    request: Request,
    case_id: int,
    session: SessionDep,
    user: CurrentUser,
    status: Annotated[str, Form(max_length=20)],
) -> Response:
    case = load_case(session, case_id)
    try:
        set_case_status(
            session=session, case=case, status=status, actor=f"user:{user.id}", now=_now(request)
        )
    except CaseError as error:
        return render_case(request, session, case, user, error=str(error), status_code=400)
    session.commit()
    return _done(case_id, "status")


@router.post("/cases/{case_id}/note", include_in_schema=False)
def note(
    request: Request, case_id: int, session: SessionDep, user: CurrentUser, text: Text
) -> Response:
    case = load_case(session, case_id)
    try:
        case_actions.add_note(session, case, text=text, user_id=user.id, now=_now(request))
    except case_actions.ActionError as error:
        return render_case(request, session, case, user, error=str(error), status_code=400)
    session.commit()
    return _done(case_id, "note")


@router.post("/cases/{case_id}/facts", include_in_schema=False)
def edit_fact(
    request: Request,
    case_id: int,
    session: SessionDep,
    user: CurrentUser,
    name: Annotated[str, Form(max_length=64)],
    value: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    case = load_case(session, case_id)
    state = request.app.state
    try:
        case_actions.edit_fact(
            session,
            case,
            name=name,
            value=value,
            user_id=user.id,
            now=_now(request),
            calendar=state.calendar,
            cohorts=state.cohorts,
        )
    except case_actions.ActionError as error:
        session.rollback()
        return render_case(request, session, case, user, error=str(error), status_code=400)
    session.commit()
    return _done(case_id, "fact")
