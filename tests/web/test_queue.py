"""The queue: urgency order, badges, filters, search over subject/text/member, paging."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient

from ats_helpdesk.web.queue_query import PAGE_SIZE

TODAY = date(2025, 3, 10)  # NOW in conftest, a Monday


def _ids(client: TestClient, **params) -> list[int]:
    data = client.get("/api/cases", params=params).json()
    return [c["id"] for c in data["cases"]]


def test_most_urgent_first_with_badges(agent, make_case) -> None:
    client, _ = agent
    later = make_case(subject="later", due=TODAY + timedelta(days=30))
    none = make_case(subject="no date")
    week = make_case(subject="this week", due=TODAY + timedelta(days=3))
    today = make_case(subject="today", due=TODAY)
    overdue = make_case(subject="overdue", due=TODAY - timedelta(days=2))
    assert _ids(client) == [overdue, today, week, later, none]
    states = [c["deadline_state"] for c in client.get("/api/cases").json()["cases"]]
    assert states == ["overdue", "today", "week", "later", "none"]
    page = client.get("/queue").text
    order = [
        page.index(label)
        for label in ("Overdue<", "Due today<", "Due this week<", "Later<", "No date<")
    ]
    assert order == sorted(order)


def test_this_week_counts_working_days(agent, make_case) -> None:
    client, _ = agent
    # Mon 10 Mar + 5 working days = Mon 17 Mar: due then is "this week", Tue 18th is later
    make_case(subject="a", due=date(2025, 3, 17))
    make_case(subject="b", due=date(2025, 3, 18))
    states = [c["deadline_state"] for c in client.get("/api/cases").json()["cases"]]
    assert states == ["week", "later"]


def test_filters(agent, make_case, accounts) -> None:
    client, token = agent
    ext = make_case(intent="extension_request", in_time=False, due=TODAY)
    review = make_case(intent="faq", needs_review=True)
    nodate = make_case(intent="objection", needs_date=True)
    closed = make_case(intent="objection", status="closed")
    client.post(
        f"/cases/{review}/assign", data={"csrf_token": token, "assignee_id": str(accounts["agent"])}
    )
    assert _ids(client, intent="extension_request") == [ext]
    assert _ids(client, late=True) == [ext]
    assert _ids(client, needs_review=True) == [review]
    assert _ids(client, needs_date=True) == [nodate]
    assert _ids(client, assignee="me") == [review]
    assert set(_ids(client, assignee="none")) == {ext, nodate}
    assert closed not in _ids(client)
    assert _ids(client, status="closed") == [closed]
    assert closed in _ids(client, status="all")
    assert client.get("/api/cases", params={"assignee": "x' or 1=1"}).status_code == 422
    counts = client.get("/api/cases").json()["intent_counts"]
    assert counts == {"extension_request": 1, "faq": 1, "objection": 1}
    page = client.get("/queue", params={"intent": "faq", "needs_review": "1"}).text
    assert f"/cases/{review}" in page and f'/cases/{ext}"' not in page


def test_search_subject_text_and_member(agent, make_case) -> None:
    client, _ = agent
    by_subject = make_case(subject="Portfolio deadline", body="hello")
    by_body = make_case(subject="Question", body="My mentor left the college in June.")
    by_member = make_case(
        subject="Hi", body="x", member_email="jo.bloggs@example.org", member_name="Jo Bloggs"
    )
    assert _ids(client, q="portfolio") == [by_subject]
    assert _ids(client, q="MENTOR LEFT") == [by_body]
    assert _ids(client, q="bloggs") == [by_member]
    assert _ids(client, q=f"ATS-{by_body:06d}") == [by_body]
    page = client.get("/queue", params={"q": "mentor"}).text
    assert "My mentor left the college" in page  # the snippet


def test_paging(agent, make_case) -> None:
    client, _ = agent
    for i in range(PAGE_SIZE + 5):
        make_case(subject=f"case {i}", due=TODAY + timedelta(days=i))
    first = client.get("/api/cases").json()
    second = client.get("/api/cases", params={"page": 2}).json()
    assert first["total"] == PAGE_SIZE + 5 and first["pages"] == 2
    assert len(first["cases"]) == PAGE_SIZE and len(second["cases"]) == 5
    assert not {c["id"] for c in first["cases"]} & {c["id"] for c in second["cases"]}
    page = client.get("/queue", params={"page": 2}).text
    assert "Page 2 of 2" in page and "Previous page" in page
    assert client.get("/api/cases", params={"page": 99}).json()["page"] == 2


def test_queue_is_the_home_page_after_sign_in(client: TestClient) -> None:
    from .conftest import sign_in

    sign_in(client)
    assert client.get("/").headers["location"] == "/queue"
