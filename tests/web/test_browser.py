"""End to end in real headless Chromium: sign in, filter, open a case, reply, reclassify.

The app runs under uvicorn on a free loopback port (in a thread); Chromium is
Debian's ``/usr/bin/chromium`` driven by Python playwright. Screenshots of the
queue, a case and the dashboard go to ``test-artifacts/screenshots/``. Any script
dialog (a member's script running), console error (a CSP violation) or failed
request fails the test, and so does a serious or critical axe-core finding (WCAG 2.1
AA) on the sign-in, queue, case and dashboard pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session

from ats_helpdesk.store.models import AnswerFeedback, AnswerLog, format_reference
from support.browser import CHROMIUM, CHROMIUM_ARGS, SHOTS
from support.net import serve_app

from .conftest import AGENT, NOW, PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TODAY = date(2025, 3, 10)


@pytest.fixture
def server(app: FastAPI) -> Iterator[str]:
    with serve_app(app) as url:
        yield url


@pytest.fixture
def browser_page():
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium (scripts/test does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1360, "height": 900})
        page = context.new_page()
        problems: list[str] = []
        page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
        page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.problems = problems  # type: ignore[attr-defined]
        yield page
        context.close()
        browser.close()


AXE = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"


def _accessibility_problems(page) -> list[str]:
    """Serious and critical axe-core (WCAG 2.1 AA) findings on the current page."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: scripts/test installs axe-core with npm")
    page.evaluate(AXE.read_text(encoding="utf-8"))  # devtools evaluate: not blocked by CSP
    result = page.evaluate(
        "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _seed_history(make_case, engine) -> None:
    """Past cases (resolved in time, or closed late) and automatic answers with votes."""
    for weeks_ago, met, missed in (
        (10, 3, 1),
        (8, 5, 0),
        (6, 2, 2),
        (4, 6, 1),
        (2, 4, 3),
        (1, 7, 0),
    ):
        due = TODAY - timedelta(weeks=weeks_ago)
        for i in range(met):
            make_case(
                subject=f"old {weeks_ago}/{i}",
                due=due,
                status="resolved",
                received=NOW - timedelta(weeks=weeks_ago, days=3),
            )
        for i in range(missed):
            make_case(
                subject=f"late {weeks_ago}/{i}",
                due=due,
                status="closed",
                received=NOW - timedelta(weeks=weeks_ago) + timedelta(days=2),
            )
    with Session(engine) as session:
        for i in range(12):
            log = AnswerLog(
                channel="widget" if i % 3 else "email",
                question=f"q{i}",
                faq_id="fees",
                confidence=0.9,
                answered=i % 4 != 0,
                created_at=NOW,
            )
            session.add(log)
            session.flush()
            if i % 2 == 0:
                session.add(
                    AnswerFeedback(answer_log_id=log.id, helpful=i % 6 != 0, created_at=NOW)
                )
        session.commit()


def _decided(intent: str, facts: dict[str, date | bool], sent: datetime):
    """The rule's real decision for these facts, as triage would store it."""
    from ats_helpdesk.case_dates import decide_case_dates
    from ats_helpdesk.content import find_content
    from ats_helpdesk.workdays import load_calendar

    decision, _ = decide_case_dates(
        intent=intent,
        facts=facts,
        message_date=sent,
        cohort=None,
        calendar=load_calendar(find_content()),
    )
    return decision


def _at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 20, tzinfo=UTC)


def _seed(make_case) -> dict[str, int]:
    """Open cases as a Monday morning finds them: one of each deadline state, realistic mail,
    and the rule's own dates and explanation (``decide_case_dates``, as triage does)."""
    ids: dict[str, int] = {}
    sent = _at(date(2025, 2, 17))
    ids["objection"] = make_case(
        subject="Objection to the support I received",
        intent="objection",
        member_name="Priya Shah",
        member_email="priya.shah@example.org",
        body="Dear Membership team,\n\nI received the outcome of my ATS support review on "
        "10 February 2025. I wish to object to the sufficiency of the support I received: "
        "my mentor was unavailable for most of the term and no replacement was offered.\n\n"
        "Please find my completed objection form attached.\n\nKind regards,\nPriya Shah",
        html="<p>Dear Membership team,</p><p>I received the outcome of my ATS support review "
        "on <b>10 February 2025</b>. I wish to object to the sufficiency of the support I "
        "received.</p><p>Kind regards,<br>Priya Shah</p>",
        attachment=("objection-form-P-Shah.pdf", b"%PDF-1.4 form" * 4000),
        facts={"outcome_received": "2025-02-10", "roles": {"outcome_received": "2025-02-10"}},
        decision=_decided("objection", {"outcome_received": date(2025, 2, 10)}, sent),
        received=sent,
    )
    sent = _at(date(2025, 3, 6))
    ids["appeal"] = make_case(
        subject="Appeal against the decision not to award ATS",
        intent="appeal",
        member_name="Lee Chan",
        member_email="lee.chan@example.org",
        body="Dear Sir or Madam,\n\nI was told I had not been awarded ATS and I have appealed. "
        "The appeal panel met on 5 March 2025 and I would like to know when I will hear.\n\n"
        "Regards,\nLee Chan",
        facts={"panel_meeting": "2025-03-05"},
        decision=_decided("appeal", {"panel_meeting": date(2025, 3, 5)}, sent),
        received=sent,
    )
    sent = _at(date(2025, 2, 28), 16)
    ids["objection_form"] = make_case(
        subject="Objection form",
        intent="objection",
        member_name="Ann Lee",
        member_email="ann.lee@example.org",
        body="Good afternoon,\n\nI would like to object to the support provided during my "
        "ATS programme. I got my outcome letter on 21 February 2025.\n\nAnn Lee",
        facts={"outcome_received": "2025-02-21"},
        decision=_decided("objection", {"outcome_received": date(2025, 2, 21)}, sent),
        received=sent,
    )
    sent = _at(date(2025, 3, 7), 14)
    ids["extension"] = make_case(
        subject="Request for an extension - mentor ill",
        intent="extension_request",
        member_name="Tom Reed",
        member_email="tom.reed@example.org",
        body="Hello,\n\nMy portfolio submission deadline is 30 April 2025. My mentor has been "
        "seriously ill since January and I have not been able to complete my observations. "
        "Could I please have an extension?\n\nThanks,\nTom Reed",
        facts={"submission_deadline": "2025-04-30", "extension_ground": "illness"},
        decision=_decided(
            "extension_request", {"submission_deadline": date(2025, 4, 30)}, sent
        ),
        received=sent,
    )
    sent = _at(date(2025, 3, 10), 8)
    ids["adjustment"] = make_case(
        subject="Reasonable adjustments for my viva",
        intent="reasonable_adjustment",
        member_name="Sam Okafor",
        member_email="sam.okafor@example.org",
        body="Hi,\n\nI am dyslexic and would like to ask for reasonable adjustments for the "
        "programme, which starts on 1 September 2025, and for my viva (extra time, and the "
        "questions in writing).\n\nBest wishes,\nSam Okafor",
        facts={"programme_start": "2025-09-01", "adjustment_need": "dyslexia"},
        decision=_decided(
            "reasonable_adjustment", {"programme_start": date(2025, 9, 1)}, sent
        ),
        received=sent,
    )
    ids["address"] = make_case(
        subject="Change of address",
        intent="other",
        member_name="Mark Evans",
        member_email="mark.evans@example.org",
        body="Please update my postal address to 12 High Street, Leeds LS1 4AB.\n\n"
        "Thank you,\nMark Evans",
        received=_at(date(2025, 3, 10), 7),
    )
    ids["bereavement"] = make_case(  # the classifier was unsure: staff will correct it
        subject="More time please",
        intent="faq",
        needs_review=True,
        member_name="Rita Patel",
        member_email="rita.patel@example.org",
        body="Dear team,\n\nI had a family bereavement last week and would like to ask for "
        "more time to submit my workbook.\n\nRita Patel",
        received=_at(date(2025, 3, 10), 8),
    )
    return ids


def _hostile_case(make_case) -> int:
    """Script in every place a member controls (never shown in the screenshots)."""
    return make_case(
        subject="Objection to the support <script>alert('subject')</script>",
        intent="objection",
        due=TODAY + timedelta(days=30),
        member_name="Eve <script>alert('name')</script>",
        member_email="eve@example.org",
        body="I object.<script>alert('text')</script>",
        html="<p>I object to the <b>support</b>.</p><script>alert('body')</script>"
        "<img src=x onerror=\"alert('img')\">",
        attachment=("<img src=x onerror=alert('name')>.pdf", b"%PDF-1.4 test"),
    )


def test_staff_work_a_case_in_chromium(
    server: str, browser_page, make_case, engine: Engine
) -> None:
    page = browser_page
    _seed_history(make_case, engine)
    ids = _seed(make_case)
    SHOTS.mkdir(parents=True, exist_ok=True)

    page.goto(f"{server}/queue")
    assert "/login" in page.url
    assert _accessibility_problems(page) == []
    page.get_by_label("E-mail address").fill(AGENT)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{server}/queue")
    rows = page.locator("table.cases tbody tr")
    assert rows.count() == 7
    badges = [rows.nth(i).locator(".badge").inner_text() for i in range(rows.count())]
    assert badges == [
        "Overdue", "Due today", "Due this week", "Later", "Later", "No date", "No date"
    ]
    assert "7 days overdue" in rows.first.inner_text()
    summary = " ".join(page.locator("nav.state-summary").inner_text().split())
    assert "1 Overdue" in summary and "1 Due today" in summary
    page.screenshot(path=str(SHOTS / "queue.png"), full_page=True)
    assert _accessibility_problems(page) == []

    page.get_by_label("Intent", exact=True).select_option("objection")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/queue?*intent=objection*")
    assert page.locator("table.cases tbody tr").count() == 2
    page.locator("nav.state-summary a.state-overdue").click()
    page.wait_for_url("**/queue?*due=overdue*")
    assert page.locator("table.cases tbody tr").count() == 1

    case_id = ids["objection"]
    reference = format_reference(case_id)  # staff know cases by the reference members quote
    page.get_by_role("link", name=f"{reference} Objection to the support I received").click()
    page.wait_for_url(f"{server}/cases/{case_id}")
    decision = page.locator("section[aria-labelledby=decision-h]").inner_text()
    assert "Mon 24 Feb 2025" in decision and "Mon 03 Mar 2025" in decision  # window, response
    body = page.locator("#reply-body")
    body.fill(
        "Dear Priya,\n\nThank you for your objection form, which reached us in time. "
        "We are sorry for the delay: our full response will reach you by Friday 14 March.\n\n"
        "Membership team\n"
    )
    page.get_by_role("button", name="Preview").click()
    assert "by Friday 14 March" in page.locator(".preview").inner_text()
    page.get_by_role("button", name="Send reply").click()
    page.wait_for_url(f"**/cases/{case_id}?done=*")
    assert "Reply queued for sending." in page.get_by_role("status").inner_text()
    page.get_by_text("Show the HTML version (cleaned)").click()
    page.screenshot(path=str(SHOTS / "case.png"), full_page=True)
    assert _accessibility_problems(page) == []
    assert "Reply queued to priya.shah@example.org" in page.locator("ol.audit").inner_text()

    # the classifier was unsure about Rita's mail: find it, correct it, see the audit entry
    page.goto(f"{server}/queue")
    page.get_by_label("Needs review").check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/queue?*needs_review=1*")
    page.get_by_role("link", name="More time please").click()
    page.get_by_label("Intent (kept as training feedback)").select_option("extension_request")
    page.locator("form[action$=reclassify] button").click()
    page.wait_for_url(f"**/cases/{ids['bereavement']}?done=*")
    audit = page.locator("ol.audit").inner_text()
    assert "Intent changed from faq to extension_request" in audit
    assert AGENT in audit
    assert "submission deadline" in page.locator("#missing-facts").inner_text()

    # a member's script never runs: subject, name, text, HTML and attachment name
    hostile = _hostile_case(make_case)
    page.goto(f"{server}/cases/{hostile}")
    assert "<script>alert('subject')</script>" in page.locator("h1").inner_text()
    page.get_by_text("Show the HTML version (cleaned)").click()
    page.goto(f"{server}/queue?q=object")
    assert page.locator("table.cases tbody tr").count() == 3

    page.goto(f"{server}/dashboard")
    assert page.locator("svg.chart rect").count() == 24  # 12 weeks x (met, missed)
    assert "27 met · 8 missed" in page.locator("main").inner_text()
    page.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)
    assert _accessibility_problems(page) == []

    page.goto(f"{server}/docs")
    assert page.get_by_role("heading", name="POST /api/cases/{case_id}/reply").count() == 1

    assert page.problems == []  # no member script ran, no CSP violation, no JS error
