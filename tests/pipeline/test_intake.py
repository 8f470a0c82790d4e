"""Intake's group commit: concurrent arrivals share commits, each result only after its
own message is committed, duplicates in one batch stored once."""

from __future__ import annotations

from sqlalchemy import Engine, event
from sqlmodel import Session, func, select

from ats_helpdesk.intake import Arrival, GroupCommitter
from ats_helpdesk.store.db import write_lock
from ats_helpdesk.store.models import Message

from .conftest import NOW, build_mail


def test_queued_arrivals_share_a_commit(sqlite_engine: Engine) -> None:
    commits: list[int] = []
    event.listen(sqlite_engine, "commit", lambda conn: commits.append(1))
    committer = GroupCommitter(sqlite_engine)
    arrivals = [Arrival(raw=build_mail("Hi", f"n{n}", message_id=f"<g{n % 25}@x>"),
                        source="smtp", received_at=NOW) for n in range(30)]
    lock = write_lock(sqlite_engine)
    with lock:  # the committer is held up, as by a long triage batch: arrivals queue
        futures = [committer.submit(a) for a in arrivals]
        assert not any(f.done() for f in futures)  # nothing acknowledged before its commit
    results = [f.result(timeout=10) for f in futures]
    committer.close()
    assert len(commits) <= 2  # the first arrival alone, then everyone who queued meanwhile
    assert [r.created for r in results] == [True] * 25 + [False] * 5  # <g0>..<g4> again
    assert [r.id for r in results[25:]] == [r.id for r in results[:5]]
    with Session(sqlite_engine) as session:
        assert session.exec(select(func.count()).select_from(Message)).one() == 25
