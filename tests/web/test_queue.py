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
    rows = client.get("/queue").text.split("<tbody>", 1)[1]  # the table, not the filters
    order = [
        rows.index(label)
        for label in ("Overdue<", "Due today<", "Due this week<", "Later<", "No date<")
    ]
    assert order == sorted(order)
    assert "2 days overdue" in rows and "in 3 days" in rows and "due today" in rows


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


def test_deadline_state_counts_and_filter(agent, make_case) -> None:
    client, _ = agent
    overdue = [make_case(subject=f"late {i}", due=TODAY - timedelta(days=i + 1)) for i in range(3)]
    today = make_case(subject="today", intent="appeal", due=TODAY)
    week = make_case(subject="week", due=TODAY + timedelta(days=2))
    make_case(subject="later", due=TODAY + timedelta(days=40))
    undated = make_case(subject="undated", intent="extension_request", needs_date=True)
    make_case(subject="closed long ago", due=TODAY - timedelta(days=30), status="closed")
    data = client.get("/api/cases").json()
    assert data["state_counts"] == {"overdue": 3, "today": 1, "week": 1, "later": 1, "none": 1}
    assert set(_ids(client, due="overdue")) == set(overdue)
    assert _ids(client, due="today") == [today]
    assert _ids(client, due="week") == [week]
    assert _ids(client, due="none") == [undated]
    # a closed case is never "overdue", whatever the status filter
    assert set(_ids(client, due="overdue", status="all")) == set(overdue)
    # the intent counts follow the deadline filter, the state counts follow the intent
    assert client.get("/api/cases", params={"due": "today"}).json()["intent_counts"] == {
        "appeal": 1
    }
    by_intent = client.get("/api/cases", params={"intent": "appeal"}).json()["state_counts"]
    assert by_intent == {"overdue": 0, "today": 1, "week": 0, "later": 0, "none": 0}
    # the same through the search path (one query, counted in Python)
    searched = client.get("/api/cases", params={"q": "late", "due": "overdue"}).json()
    assert searched["total"] == 3 and searched["state_counts"]["overdue"] == 3
    assert client.get("/api/cases", params={"due": "soon"}).status_code == 422
    # the filter form sends every field, empty ones too: "" means any deadline
    form = client.get("/queue", params={"q": "", "intent": "", "due": "", "assignee": ""})
    assert form.status_code == 200 and form.text.count("<tr class=") == 7
    page = client.get("/queue", params={"due": "overdue"}).text
    assert "Show every deadline" in page and 'href="/queue?due=today' in page
    assert "Needs a date" in client.get("/queue", params={"due": "none"}).text


def test_queue_dates_read_as_london_time(agent, make_case) -> None:
    from datetime import UTC, datetime

    client, _ = agent
    case_id = make_case(subject="summer", received=datetime(2025, 7, 1, 23, 30, tzinfo=UTC))
    page = client.get(f"/cases/{case_id}").text
    assert "02 Jul 2025 00:30" in page  # 23:30 UTC is half past midnight BST
