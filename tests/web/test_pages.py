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


def test_api_reference_is_served_here_not_from_a_cdn(agent, client: TestClient) -> None:
    """``/docs`` lists every API operation from the OpenAPI schema, with no outside script."""
    client, _ = agent
    page = client.get("/docs")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "<script" not in page.text and "cdn" not in page.text.lower()
    schema = client.get("/openapi.json").json()
    for path, item in schema["paths"].items():
        for method in item:
            assert f'{method.upper()}</span> <code>{path}</code>' in page.text, (method, path)
    assert "<code>assignee_id</code>" in page.text  # a request body's fields
    assert "<code>needs_review</code>" in page.text  # a query parameter
    session_op = page.text.split('id="session_info_api_session_get"', 1)[1].split("</section>")[0]
    assert "Public: no sign-in needed." in session_op
    notes_op = page.text.split("/notes</code></h2>", 1)[1].split("</section>")[0]
    assert "Signed-in staff only." in notes_op and "X-CSRF-Token" in notes_op
    assert client.get("/redoc").status_code in (303, 404)  # no second, CDN-based page


def test_case_needing_a_date_says_which_one(agent, make_case) -> None:
    client, _ = agent
    case_id = make_case(
        subject="Extension please",
        intent="extension_request",
        needs_date=True,
        body="I had a bereavement and need more time.",
    )
    page = client.get(f"/cases/{case_id}").text
    assert "Needs a date." in page and "<strong>submission deadline</strong>" in page
    assert '<details class="action" open>' in page  # the fact form is open, ready
    assert '<option value="submission_deadline" selected>' in page
    other = make_case(subject="Change of address", intent="other")
    other_page = client.get(f"/cases/{other}").text
    assert "No deadline rule applies to this kind of case (Other)." in other_page
    assert "Needs a date." not in other_page and "Edit a fact" not in other_page


def test_dashboard_counts_answers_votes_and_replies(agent, make_case, engine) -> None:
    from sqlmodel import Session, select

    from ats_helpdesk.store.models import AnswerFeedback, AnswerLog, Outbound

    from .conftest import NOW

    client, token = agent
    with Session(engine) as session:
        for i, (channel, answered) in enumerate(
            [("widget", True), ("widget", True), ("widget", False), ("email", True)]
        ):
            log = AnswerLog(
                channel=channel,
                question=f"q{i}",
                faq_id="fees",
                confidence=0.9,
                answered=answered,
                created_at=NOW,
            )
            session.add(log)
            session.flush()
            session.add(AnswerFeedback(answer_log_id=log.id, helpful=i != 1, created_at=NOW))
        session.commit()
    case_id = make_case(due=date(2025, 3, 12))
    client.post(
        f"/cases/{case_id}/reply",
        data={
            "csrf_token": token,
            "to": "member@example.org",
            "subject": "Re: your objection",
            "body": "Dear member, we have your form.",
            "action": "send",
        },
    )
    d = client.get("/api/dashboard").json()
    answers = {a["channel"]: a for a in d["answers"]}
    assert answers["widget"] == {
        "channel": "widget", "given": 2, "handed_over": 1, "helpful": 2, "not_helpful": 1
    }
    assert answers["email"]["given"] == 1 and answers["email"]["helpful"] == 1
    assert d["replies"]["staff_reply"]["queued"] == 1
    with Session(engine) as session:
        assert len(session.exec(select(Outbound)).all()) == 1
    page = client.get("/dashboard").text
    assert "Staff reply" in page and "Widget" in page
