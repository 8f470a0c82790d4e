"""Web edge, ``/dashboard``: open cases, automatic answers, replies, deadlines met/missed."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from ats_helpdesk.web.chart import met_missed_chart
from ats_helpdesk.web.dashboard_stats import STATES, Dashboard, load_dashboard
from ats_helpdesk.web.deps import CurrentUser, SessionDep
from ats_helpdesk.workdays import london_date

router = APIRouter(tags=["dashboard"])


def dashboard_for(request: Request, session: Session) -> Dashboard:
    state = request.app.state
    return load_dashboard(session, today=london_date(state.clock()), calendar=state.calendar)


@router.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
def dashboard_page(request: Request, session: SessionDep, user: CurrentUser) -> HTMLResponse:
    figures = dashboard_for(request, session)
    return request.app.state.templates.TemplateResponse(
        request,
        "dashboard.html",
        {
            "active": "dashboard",
            "d": figures,
            "states": STATES,
            "chart": met_missed_chart(figures.deadlines),
            "met": sum(p.met for p in figures.deadlines),
            "missed": sum(p.missed for p in figures.deadlines),
        },
    )
