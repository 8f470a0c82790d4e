"""End to end in real headless Chromium: sign in, filter, open a case, reply, reclassify.

The app runs under uvicorn on a free loopback port (in a thread); Chromium is
Debian's ``/usr/bin/chromium`` driven by Python playwright. Screenshots of the
queue, a case and the dashboard go to ``test-artifacts/screenshots/``. Any script
dialog (a member's script running), console error (a CSP violation) or failed
request fails the test, and so does a serious or critical axe-core finding (WCAG 2.1
AA) on the sign-in, queue, case and dashboard pages.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session

from ats_helpdesk.store.models import AnswerFeedback, AnswerLog

from .conftest import AGENT, NOW, PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TODAY = date(2025, 3, 10)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(app: FastAPI) -> Iterator[str]:
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not instance.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser_page():
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium (scripts/test does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
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


def _seed(make_case) -> int:
    make_case(
        subject="Extension: my mentor is ill",
        intent="extension_request",
        due=TODAY + timedelta(days=2),
        member_name="Priya Shah",
        member_email="priya@example.org",
        body="Could I have more time, please?",
    )
    make_case(
        subject="Direct debit date",
        intent="other",
        member_name="Tom Reed",
        member_email="tom@example.org",
        body="Please move my direct debit.",
    )
    make_case(
        subject="Adjustments for my viva",
        intent="reasonable_adjustment",
        due=TODAY + timedelta(days=20),
        member_name="Sam Okafor",
        member_email="sam@example.org",
        body="I am dyslexic and need extra time.",
        needs_review=True,
    )
    make_case(
        subject="Appeal of the panel decision",
        intent="appeal",
        due=TODAY,
        member_name="Lee Chan",
        member_email="lee@example.org",
        body="I wish to appeal.",
    )
    return make_case(
        subject="Objection to the support <script>alert('subject')</script>",
        intent="objection",
        due=TODAY - timedelta(days=1),
        in_time=True,
        rule="objection",
        dates={"window_closes": date(2025, 3, 12), "response_due": TODAY - timedelta(days=1)},
        member_name="Ann Lee",
        member_email="ann@example.org",
        body="I object to the sufficiency of the support I received.\n\nAnn",
        html="<p>I object to the <b>support</b>.</p><script>alert('body')</script>"
        "<img src=x onerror=\"alert('img')\">",
        attachment=("<img src=x onerror=alert('name')>.pdf", b"%PDF-1.4 test"),
        facts={"outcome_received": "2025-02-26"},
    )


def test_staff_work_a_case_in_chromium(
    server: str, browser_page, make_case, engine: Engine
) -> None:
    page = browser_page
    _seed_history(make_case, engine)
    case_id = _seed(make_case)
    SHOTS.mkdir(parents=True, exist_ok=True)

    page.goto(f"{server}/queue")
    assert "/login" in page.url
    assert _accessibility_problems(page) == []
    page.get_by_label("E-mail address").fill(AGENT)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{server}/queue")
    assert page.locator("table.cases tbody tr").count() == 5
    assert page.locator("tbody tr").first.locator(".badge").inner_text() == "Overdue"
    page.screenshot(path=str(SHOTS / "queue.png"), full_page=True)
    assert _accessibility_problems(page) == []

    page.get_by_label("Intent", exact=True).select_option("objection")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/queue?*intent=objection*")
    assert page.locator("table.cases tbody tr").count() == 1

    page.get_by_role("link", name=f"#{case_id} Objection to the support").click()
    page.wait_for_url(f"{server}/cases/{case_id}")
    assert "<script>alert('subject')</script>" in page.locator("h1").inner_text()
    page.get_by_text("Show the HTML version (cleaned)").click()
    page.screenshot(path=str(SHOTS / "case.png"), full_page=True)
    assert _accessibility_problems(page) == []

    body = page.locator("#reply-body")
    body.fill("Dear Ann,\n\nThank you; we have your objection form and will reply by 24 March.\n")
    page.get_by_role("button", name="Preview").click()
    assert "will reply by 24 March" in page.locator(".preview").inner_text()
    page.get_by_role("button", name="Send reply").click()
    page.wait_for_url(f"**/cases/{case_id}?done=*")
    assert "Reply queued for sending." in page.get_by_role("status").inner_text()

    page.get_by_label("Intent (kept as training feedback)").select_option("appeal")
    page.locator("form[action$=reclassify] button").click()
    page.wait_for_url(f"**/cases/{case_id}?done=*")
    audit = page.locator("ol.audit").inner_text()
    assert "Intent changed from objection to appeal" in audit
    assert "Reply queued to ann@example.org" in audit
    assert AGENT in audit

    page.goto(f"{server}/dashboard")
    assert page.locator("svg.chart rect").count() == 24  # 12 weeks x (met, missed)
    assert "27 met · 7 missed" in page.locator("main").inner_text()
    page.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)
    assert _accessibility_problems(page) == []

    assert page.problems == []  # no member script ran, no CSP violation, no JS error
