"""The widget API on a real PostgreSQL: ask logs, votes, and hand-overs opening cases
while the triage worker runs alongside (it must never triage a hand-over again)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from ats_helpdesk.config import Settings
from ats_helpdesk.store.models import AnswerFeedback, Case, Message
from ats_helpdesk.web.app import create_app
from ats_helpdesk.worker import drain
from support import databases

from .conftest import NOW, SECRET

pytestmark = pytest.mark.postgres




@pytest.fixture
def pg_settings(data_dir: Path) -> Settings:
    return Settings(
        data_dir=data_dir,
        secret_key=SECRET,
        widget_rate_per_minute=0,
        widget_handoffs_per_hour=0,
        _env_file=None,
    )


@pytest.fixture
def pg_engine(pg_settings: Settings) -> Iterator[Engine]:
    reason = databases.postgres_unreachable()
    if reason:
        pytest.fail(reason)
    with databases.migrated_postgres_engine(pg_settings) as engine:
        yield engine


def test_widget_on_postgresql(pg_settings: Settings, pg_engine: Engine) -> None:
    app = create_app(pg_settings, engine=pg_engine, clock=lambda: NOW)
    services = app.state.widget_handoff.services()
    stop = threading.Event()

    def worker() -> None:  # a worker polling all the time the hand-overs arrive
        while not stop.is_set():
            drain(engine=pg_engine, services=services, clock=lambda: NOW)
            stop.wait(0.005)

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        with TestClient(app) as client:
            binary = client.post("/api/ask", json={"question": "cost\x00\x00\x00"})
            assert binary.status_code == 200 and binary.json()["answer_id"]  # logged, no NUL
            answer = client.post("/api/ask", json={"question": "how much does ATS cost?"})
            assert answer.status_code == 200 and answer.json()["answered"]
            vote = {"answer_id": answer.json()["answer_id"], "helpful": False}
            assert client.post("/api/feedback", json=vote).status_code == 200
            references = []
            for i in range(8):
                response = client.post(
                    "/api/handoff",
                    json={
                        "name": f"Visitor {i}",
                        "email": f"visitor{i}@example.org",
                        "question": "How much does ATS cost?" if i % 2 else "Can I defer?",
                    },
                )
                assert response.status_code == 201, response.text
                references.append(response.json()["reference"])
    finally:
        stop.set()
        thread.join(timeout=30)
    assert len(set(references)) == 8 and all(r.startswith("ATS-") for r in references)
    with Session(pg_engine) as session:
        assert session.execute(select(func.count()).select_from(Case)).scalar_one() == 8
        statuses = session.execute(select(Message.status, Message.outcome)).all()
        assert statuses == [("triaged", "case")] * 8
        assert session.execute(select(AnswerFeedback.helpful)).scalars().all() == [False]
