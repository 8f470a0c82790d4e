"""The worker: a failing triage is recorded, not lost; several worker processes on
PostgreSQL (SKIP LOCKED) or SQLite (write lock) never triage one message twice."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from ats_helpdesk.mail.outbound import ReplyRenderer
from ats_helpdesk.store.db import session_scope
from ats_helpdesk.store.messages import requeue_failed
from ats_helpdesk.store.models import Case, CaseEvent, Message
from ats_helpdesk.store.stats import count_stats
from ats_helpdesk.triage import TriageServices
from ats_helpdesk.worker import drain

from .conftest import FROM_ADDRESS, INBOX, NOW, build_mail, engine_for
from .test_triage import EXTENSION, FAQ, deliver

WORKER = Path(__file__).with_name("worker_process.py")


def test_a_failing_triage_is_recorded_and_the_worker_carries_on(
        engine: Engine, services: TriageServices, tmp_path: Path) -> None:
    (tmp_path / "mail").mkdir()  # staff deleted every reply template
    broken = dataclasses.replace(services, renderer=ReplyRenderer(tmp_path))
    bad = deliver(engine, build_mail(*EXTENSION, message_id="<bad@example.org>"))
    assert drain(engine=engine, services=broken, clock=lambda: NOW) == 1
    with Session(engine) as session:
        row = session.get(Message, bad)
        assert row.status == "failed" and "TemplateMissing" in row.error
        assert session.exec(select(Case)).all() == []  # the half-done triage was undone
        assert count_stats(session=session).failed == 1
    with session_scope(engine) as session:
        requeue_failed(session=session)
    assert drain(engine=engine, services=services, clock=lambda: NOW) == 1
    with Session(engine) as session:
        assert session.get(Message, bad).outcome == "case"


def _mixed_burst(engine: Engine, count: int) -> None:
    for n in range(count):
        subject, body = (FAQ if n % 2 else EXTENSION)
        deliver(engine, build_mail(f"{subject} ({n})", body, message_id=f"<w{n}@example.org>",
                                   sender=f"Member {n} <m{n}@example.org>"))


def _run_workers(url: str, model_dir: Path, tmp_path: Path, count: int,
                 batch: int = 5) -> list[list[int]]:
    """``count`` worker processes draining the queue in batches of ``batch`` (several
    claims held in one transaction, as ``serve``'s workers do)."""
    go = tmp_path / "go"
    procs = [
        subprocess.Popen([sys.executable, str(WORKER), url, str(model_dir), INBOX, FROM_ADDRESS,
                          str(go), str(batch)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
        for _ in range(count)
    ]
    for proc in procs:  # every worker has loaded the model before any starts
        lines = iter(proc.stderr.readline, "")
        assert any(line.strip() == "ready" for line in lines), proc.stderr.read()
    go.touch()
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        outputs.append(json.loads(out.strip().splitlines()[-1]))
    return outputs


def _assert_each_triaged_once(engine: Engine, outputs: list[list[int]], count: int) -> None:
    claimed = Counter(pk for out in outputs for pk in out)
    assert len(claimed) == count and max(claimed.values()) == 1
    with Session(engine) as session:
        rows = session.exec(select(Message)).all()
        opened = Counter(e.detail["message"] for e in session.exec(
            select(CaseEvent).where(CaseEvent.kind == "opened")).all())
        stats = count_stats(session=session)
    assert all(r.status == "triaged" for r in rows)
    assert max(opened.values()) == 1
    assert stats.pending == 0 and stats.messages == count
    assert stats.cases + stats.auto_answered + stats.ignored + stats.threaded == count


@pytest.mark.postgres
@pytest.mark.slow
def test_postgres_workers_skip_locked_never_share(postgres_url: str, tmp_path: Path,
                                                  model_dir: Path,
                                                  services: TriageServices) -> None:
    engine = engine_for(postgres_url, tmp_path)
    _mixed_burst(engine, 100)
    started = time.perf_counter()
    outputs = _run_workers(postgres_url, model_dir, tmp_path, 3)
    _assert_each_triaged_once(engine, outputs, 100)
    assert sum(1 for out in outputs if out) >= 2, "only one worker got any work"
    engine.dispose()
    assert time.perf_counter() - started < 60


@pytest.mark.slow
def test_sqlite_workers_never_share(sqlite_url: str, tmp_path: Path, model_dir: Path,
                                    services: TriageServices) -> None:
    engine = engine_for(sqlite_url, tmp_path)
    _mixed_burst(engine, 40)
    outputs = _run_workers(sqlite_url, model_dir, tmp_path, 2)
    _assert_each_triaged_once(engine, outputs, 40)
    engine.dispose()


def test_sqlite_shards_split_the_pending_messages(sqlite_engine: Engine,
                                                  services: TriageServices) -> None:
    """serve --workers N on SQLite: worker k reads only ids with id % N == k, so two
    workers never classify the same message (only one of them could claim it)."""
    _mixed_burst(sqlite_engine, 6)
    assert drain(engine=sqlite_engine, services=services, clock=lambda: NOW, shard=(0, 2)) == 3
    with Session(sqlite_engine) as session:
        done = {m.id for m in session.exec(select(Message)).all() if m.status == "triaged"}
    assert done and all(pk % 2 == 0 for pk in done)
    assert drain(engine=sqlite_engine, services=services, clock=lambda: NOW, shard=(1, 2)) == 3
    with Session(sqlite_engine) as session:
        assert count_stats(session=session).pending == 0
