"""The queue, search and actions on a real PostgreSQL (ILIKE, dates, JSON columns).

The conftest's ``engine`` and ``accounts`` are replaced here by a fresh PostgreSQL
schema, migrated by Alembic, so the same fixtures (app, agent, make_case) run on it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from ats_helpdesk.config import Settings
from ats_helpdesk.store.accounts import create_user
from ats_helpdesk.web.security import hash_password
from support import databases

from .conftest import ADMIN, AGENT, NOW, PASSWORD, get_case_row

pytestmark = pytest.mark.postgres




@pytest.fixture
def engine(web_settings: Settings) -> Iterator[Engine]:
    reason = databases.postgres_unreachable()
    if reason:
        pytest.fail(reason)
    with databases.migrated_postgres_engine(web_settings) as engine:
        yield engine


@pytest.fixture
def accounts(engine: Engine) -> dict[str, int]:
    ids = {}
    with Session(engine) as session:
        for email, role in ((AGENT, "agent"), (ADMIN, "admin")):
            account = create_user(
                session=session,
                email=email,
                password_hash=hash_password(PASSWORD),
                role=role,
                now=NOW,
            )
            ids[role] = account.id
    return ids


def test_queue_search_and_actions_on_postgresql(agent, make_case, engine: Engine) -> None:
    client, token = agent
    today = NOW.date()
    late = make_case(subject="Portfolio LATE", due=today - timedelta(days=1), in_time=False)
    soon = make_case(subject="Viva", body="My MENTOR is away.", due=today + timedelta(days=2))
    none = make_case(subject="Fees", intent="faq")
    assert [c["id"] for c in client.get("/api/cases").json()["cases"]] == [late, soon, none]
    assert [c["id"] for c in client.get("/api/cases", params={"q": "mentor"}).json()["cases"]] == [
        soon
    ]
    assert client.get("/api/cases", params={"q": "portfolio late"}).json()["total"] == 1
    assert client.get("/api/cases", params={"q": "' OR 1=1 --"}).json()["total"] == 0
    assert client.get("/api/cases", params={"late": True}).json()["total"] == 1
    assert client.get("/api/cases", params={"q": "%"}).json()["total"] == 0
    response = client.post(
        f"/cases/{late}/facts",
        data={"csrf_token": token, "name": "outcome_received", "value": "2020-12-18"},
    )
    assert response.status_code == 303
    assert get_case_row(engine, late).dates["window_closes"] == "2021-01-06"
    assert (
        client.post(
            f"/cases/{none}/reclassify", data={"csrf_token": token, "intent": "other"}
        ).status_code
        == 303
    )
    page = client.get(f"/cases/{none}")
    assert "Intent changed from faq to other" in page.text
    assert client.get("/dashboard").status_code == 200
