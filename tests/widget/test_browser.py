"""The widget in real headless Chromium (Debian's /usr/bin/chromium via playwright).

The app runs under uvicorn on a free loopback port; the page is ``/widget-demo``,
whose host CSS is hostile on purpose. Any script dialog, console error (e.g. a CSP
violation) or page error fails the test. Covers: ask and get an answer with its
source and the vote; keyboard-only use (launcher, ask, suggestion, Escape, focus back
on the launcher, visible focus); the hand-over becoming a case a signed-in agent sees
in /queue; 320 px wide; reduced motion; axe-core with the panel open. Writes
``test-artifacts/screenshots/widget.png`` (and ``widget-320.png``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, select
from sqlmodel import Session

from ats_helpdesk.store.models import AnswerFeedback, Case
from support.browser import AXE, CHROMIUM, CHROMIUM_ARGS, SHOTS
from support.net import serve_app

from .conftest import PASSWORD, STAFF

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LAUNCHER = "Questions? Ask us"
ANSWERED = "how much does ATS cost?"
UNANSWERED = "is there parking near the office for the ceremony"
# the element focused inside the widget (document.activeElement is only the host)
FOCUSED = """() => {
  const host = document.querySelector('ats-helpdesk-widget');
  const el = host && host.shadowRoot.activeElement;
  if (!el) return null;
  const style = getComputedStyle(el);
  return {tag: el.tagName, text: (el.textContent || '').trim(),
          label: el.getAttribute('aria-label'),
          outline: style.outlineStyle, outlineWidth: style.outlineWidth,
          id: el.id, value: el.value || null};
}"""


@pytest.fixture
def server(app: FastAPI) -> Iterator[str]:
    with serve_app(app) as url:
        yield url


@pytest.fixture
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium (scripts/test does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def _page(browser: Any, **context: Any) -> Any:
    ctx = browser.new_context(**{"viewport": {"width": 1280, "height": 860}, **context})
    page = ctx.new_page()
    problems: list[str] = []
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.problems = problems
    return page


# The widget's aria-live region, inside its shadow root.
STATUS = (
    "document.querySelector('ats-helpdesk-widget').shadowRoot"
    ".querySelector('[role=status]').textContent"
)


def _widget_status(page: Any) -> str:
    return page.evaluate(f"() => {STATUS}")


def _wait_for_status(page: Any, condition: str, arg: object = None) -> None:
    """Wait until ``condition`` (JavaScript over the status text ``s``) holds: widget.js
    fills the live region 60 ms after the change it announces."""
    page.wait_for_function(f"arg => {{ const s = {STATUS}; return {condition}; }}", arg=arg)


def _open_demo(page: Any, server: str) -> None:
    page.goto(f"{server}/widget-demo")
    page.get_by_role("button", name=LAUNCHER).wait_for()


def test_ask_get_an_answer_and_vote(browser: Any, server: str, engine: Engine) -> None:
    page = _page(browser)
    _open_demo(page, server)
    launcher = page.get_by_role("button", name=LAUNCHER)
    # the hostile CSS did not reach the widget: px font size, visible, clickable
    style = launcher.evaluate("b => [getComputedStyle(b).fontSize, getComputedStyle(b).display]")
    assert style == ["16px", "flex"]  # inline-flex, blockified by position: fixed
    assert page.locator("main button").is_hidden()  # while the host's own buttons are hidden
    launcher.click()
    assert launcher.get_attribute("aria-expanded") == "true"
    page.get_by_label("Your question").fill(ANSWERED)
    page.get_by_role("button", name="Ask", exact=True).click()
    answer = page.locator(".answer")
    answer.wait_for()
    assert "£" in answer.inner_text()
    assert page.locator(".source").inner_text().startswith("Source: ")
    _wait_for_status(page, "s.startsWith('Answer:')")
    assert "£" in _widget_status(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "widget.png"))
    page.get_by_role("button", name="Yes").click()
    page.get_by_text("Thank you for your feedback.").wait_for()
    with Session(engine) as session:
        votes = session.execute(select(AnswerFeedback)).scalars().all()
    assert [v.helpful for v in votes] == [True]
    assert page.problems == []


def test_keyboard_only(browser: Any, server: str) -> None:
    page = _page(browser)
    _open_demo(page, server)
    for _ in range(12):  # Tab from the top of the page until the launcher has focus
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused and focused["text"] == LAUNCHER:
            break
    else:
        pytest.fail("Tab never reached the launcher")
    assert focused["outline"] != "none" and focused["outlineWidth"] != "0px"  # visible focus
    page.keyboard.press("Enter")
    assert page.evaluate(FOCUSED)["tag"] == "TEXTAREA"  # focus moved into the panel
    page.keyboard.type(UNANSWERED)
    page.keyboard.press("Enter")
    page.get_by_text("Did you mean one of these?").wait_for()
    _wait_for_status(page, "s.includes('related questions')")
    suggestion = page.locator(".suggestions button").first
    first = suggestion.inner_text()
    for _ in range(6):  # Tab to the first suggestion
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED)["text"] == first:
            break
    else:
        pytest.fail("Tab never reached the suggestions")
    focused = page.evaluate(FOCUSED)
    assert focused["outline"] != "none"
    page.keyboard.press("Enter")  # asks that question
    assert page.evaluate(FOCUSED)["tag"] == "TEXTAREA"  # focus kept in the panel
    page.wait_for_function(
        "q => document.querySelector('ats-helpdesk-widget').shadowRoot"
        ".querySelector('textarea').value === q",
        arg=first,
    )
    page.locator(".answer, .suggestions").first.wait_for()
    page.keyboard.press("Escape")
    assert page.locator(".panel").is_hidden()
    focused = page.evaluate(FOCUSED)
    assert focused["text"] == LAUNCHER  # focus returned to the launcher
    assert page.get_by_role("button", name=LAUNCHER).get_attribute("aria-expanded") == "false"
    page.keyboard.press("Enter")  # and it opens again
    assert page.locator(".panel").is_visible()
    page.get_by_role("button", name="Close help").click()
    assert page.evaluate(FOCUSED)["text"] == LAUNCHER
    assert page.problems == []


def test_handoff_becomes_a_case_staff_see_in_the_queue(
    browser: Any, server: str, engine: Engine
) -> None:
    page = _page(browser)
    _open_demo(page, server)
    page.get_by_role("button", name=LAUNCHER).click()
    page.get_by_label("Your question").fill(UNANSWERED)
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Ask the membership team", exact=True).click()
    form_question = page.get_by_label("Your question for the team")
    assert form_question.input_value() == UNANSWERED  # prefilled
    page.get_by_role("button", name="Send to the membership team").click()  # empty name/email
    assert page.get_by_text("Please give your name.").is_visible()
    assert page.get_by_label("Your name").get_attribute("aria-invalid") == "true"
    assert page.evaluate(FOCUSED)["id"].endswith("-name")  # focus on the first problem
    page.get_by_label("Your name").fill("Robin Visitor")
    page.get_by_label("Your e-mail address").fill("robin.visitor@example.org")
    page.get_by_role("button", name="Send to the membership team").click()
    reference = page.locator(".reference")
    reference.wait_for()
    text = reference.inner_text()
    assert text.startswith("ATS-")
    _wait_for_status(page, "s.includes(arg) || s.includes('Thank you')", arg=text)
    with Session(engine) as session:
        case = session.execute(select(Case).where(Case.reference == text)).scalar_one()
        assert case.member_email == "robin.visitor@example.org"

    staff = _page(browser)
    staff.goto(f"{server}/login")
    staff.get_by_label("E-mail address").fill(STAFF)
    staff.get_by_label("Password").fill(PASSWORD)
    staff.get_by_role("button", name="Sign in").click()
    staff.wait_for_url("**/queue**")
    row = staff.locator("table.cases tbody tr", has_text="Robin Visitor")
    assert "Question from the website" in row.inner_text()
    staff.goto(f"{server}/queue?q={text}")  # the queue's search finds the reference
    assert staff.locator("table.cases tbody tr").count() == 1
    staff.locator("table.cases tbody tr a").first.click()
    staff.wait_for_url("**/cases/**")
    assert text in staff.content()
    assert UNANSWERED in staff.content()  # the visitor's question, in the thread
    assert page.problems == [] and staff.problems == []


def test_works_at_320_px_wide(browser: Any, server: str) -> None:
    page = _page(browser, viewport={"width": 320, "height": 640})
    _open_demo(page, server)
    page.get_by_role("button", name=LAUNCHER).click()
    page.get_by_label("Your question").fill(ANSWERED)
    page.keyboard.press("Enter")
    page.locator(".answer").wait_for()
    box = page.locator(".panel").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 320, box
    assert box["y"] >= 0 and box["y"] + box["height"] <= 640, box
    launcher = page.get_by_role("button", name=LAUNCHER).bounding_box()
    assert launcher["x"] >= 0 and launcher["x"] + launcher["width"] <= 320
    # the answer wraps inside the panel: no horizontal scrolling in the panel
    assert page.locator(".panel").evaluate("p => p.scrollWidth <= p.clientWidth")
    page.screenshot(path=str(SHOTS / "widget-320.png"))
    assert page.problems == []


def test_reduced_motion_is_respected(browser: Any, server: str) -> None:
    moving = _page(browser)
    _open_demo(moving, server)
    still = _page(browser, reduced_motion="reduce")
    _open_demo(still, server)
    durations = []
    for page in (moving, still):
        page.get_by_role("button", name=LAUNCHER).click()
        durations.append(
            page.locator(".panel").evaluate("p => getComputedStyle(p).transitionDuration")
        )
    assert durations[0] != "0s" and set(durations[1].split(", ")) == {"0s"}, durations


def test_axe_finds_no_serious_problems_with_the_panel_open(browser: Any, server: str) -> None:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: scripts/test installs axe-core with npm")
    page = _page(browser)
    _open_demo(page, server)
    page.get_by_role("button", name=LAUNCHER).click()
    found = []
    for question, marker in ((ANSWERED, ".answer"), (UNANSWERED, ".suggestions")):
        page.get_by_label("Your question").fill(question)
        page.keyboard.press("Enter")
        page.locator(marker).wait_for()
        found += _axe(page)
    page.get_by_role("button", name="Ask the membership team", exact=True).click()
    page.get_by_role("button", name="Send to the membership team").click()  # shows errors
    found += _axe(page)
    assert found == []
    assert page.problems == []


def _axe(page: Any) -> list[str]:
    page.evaluate(AXE.read_text(encoding="utf-8"))  # devtools evaluate: not blocked by CSP
    result = page.evaluate(
        "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})"
    )
    checked = page.evaluate(
        "axe.run(document.querySelector('ats-helpdesk-widget'))"
        ".then(r => r.passes.length)"
    )
    assert checked > 0  # axe really looked inside the widget's shadow root
    return [
        f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
