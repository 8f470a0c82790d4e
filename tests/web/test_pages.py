"""The staff pages work for a signed-in agent: queue, case, dashboard, users."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient


def test_healthz_is_public(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_queue_lists_a_case(agent, make_case) -> None:
    client, _ = agent
    case_id = make_case(subject="Late objection", due=date(2025, 3, 7))
    page = client.get("/queue")
    assert page.status_code == 200
    assert f"/cases/{case_id}" in page.text
    assert "Overdue" in page.text


def test_case_page_renders(agent, make_case) -> None:
    client, _ = agent
    case_id = make_case(subject="Objection", body="I object to the support I received.")
    page = client.get(f"/cases/{case_id}")
    assert page.status_code == 200, page.text
    assert "I object to the support I received." in page.text


def test_dashboard_renders(agent, make_case) -> None:
    client, _ = agent
    make_case(due=date(2025, 3, 3))
    page = client.get("/dashboard")
    assert page.status_code == 200, page.text
    assert "<svg" in page.text


def test_chart_has_whole_number_ticks_and_escaped_labels() -> None:
    import re

    from ats_helpdesk.web.chart import PeriodCount, met_missed_chart

    svg = str(met_missed_chart([PeriodCount("<b>", 3, 1), PeriodCount("w2", 0, 0)]))
    ticks = [int(t) for t in re.findall(r'text-anchor="end">(\d+)<', svg)]
    assert ticks == [0, 1, 2, 3, 4]
    assert "&lt;b&gt;" in svg and "<b>" not in svg
    assert svg.count("<rect") == 4


def test_deadlines_met_and_missed(engine, make_case) -> None:
    from datetime import timedelta

    from sqlmodel import Session

    from ats_helpdesk.web.dashboard_stats import load_dashboard
    from ats_helpdesk.workdays import load_calendar

    from .conftest import NOW

    today = NOW.date()
    due = today - timedelta(days=7)
    make_case(due=due, status="resolved", received=NOW - timedelta(days=9))  # met
    make_case(due=due, status="closed", received=NOW - timedelta(days=2))  # closed late
    make_case(due=due)  # open and past its date
    make_case(due=today + timedelta(days=3))  # not due yet: neither
    from ats_helpdesk.content import find_content

    with Session(engine) as session:
        d = load_dashboard(session, today=today, calendar=load_calendar(find_content()))
    assert sum(p.met for p in d.deadlines) == 1
    assert sum(p.missed for p in d.deadlines) == 2
    assert d.open_total == 2
