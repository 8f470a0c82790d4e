"""The schema: the Alembic chain builds exactly the models' tables, on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import Engine, inspect, text
from sqlmodel import Session, SQLModel, select

from ats_helpdesk.cli import main
from ats_helpdesk.config import Settings
from ats_helpdesk.store.db import current_revision, head_revision, make_engine, session_scope
from ats_helpdesk.store.models import Case, Message, User

TABLES = {
    "message", "case", "case_event", "attachment", "outbound", "member", "user",
    "answer_log", "answer_feedback", "imap_state", "auto_reply_count",
}


def test_upgrade_creates_every_table_at_head(engine: Engine) -> None:
    assert set(inspect(engine).get_table_names()) >= TABLES
    assert current_revision(engine=engine) == head_revision(engine=engine)


def test_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_queue_columns_are_indexed(engine: Engine) -> None:
    indexed = {tuple(ix["column_names"]) for ix in inspect(engine).get_indexes("case")}
    for leading in ("status", "intent", "assignee_id", "needs_review", "due_date"):
        assert any(cols[0] == leading for cols in indexed), leading


def _message(message_id: str, **extra: object) -> Message:
    return Message(
        message_id=message_id, source="cli", received_at=datetime.now(UTC), raw=b"x",
        size=1, sha256="0" * 64, **extra,
    )


def test_message_id_is_unique(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.add(_message("<a@example.org>"))
    with pytest.raises(sa.exc.IntegrityError), session_scope(engine) as session:
        session.add(_message("<a@example.org>"))


def test_times_come_back_aware_utc(engine: Engine) -> None:
    sent = datetime(2025, 3, 31, 23, 30, tzinfo=timezone(timedelta(hours=1)))
    with session_scope(engine) as session:
        session.add(_message("<t@example.org>", sent_at=sent))
    with Session(engine) as session:
        row = session.exec(select(Message)).one()
    assert row.sent_at == sent
    assert row.sent_at.tzinfo is not None and row.sent_at.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    with pytest.raises(sa.exc.StatementError), session_scope(engine) as session:
        session.add(_message("<n@example.org>", sent_at=datetime(2025, 1, 1)))


def test_reserved_word_tables_work(engine: Engine) -> None:
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        user = User(email="a@set.test", password_hash="x", created_at=now)
        session.add(user)
        session.flush()
        session.add(
            Case(intent="objection", assignee_id=user.id, created_at=now, updated_at=now,
                 due_date=date(2021, 1, 6), dates={"window_closes": "2021-01-06"})
        )
    with Session(engine) as session:
        case = session.exec(select(Case)).one()
    assert case.dates == {"window_closes": "2021-01-06"} and case.due_date == date(2021, 1, 6)


def test_default_store_is_sqlite_in_wal_mode_under_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", _env_file=None)
    engine = make_engine(settings)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    engine.dispose()
    assert (tmp_path / "data" / "ats.db").exists()


def test_db_upgrade_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATS_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("ATS_DATABASE_URL", raising=False)
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    engine = make_engine(Settings(data_dir=tmp_path / "var", _env_file=None))
    assert f"database at revision {head_revision(engine=engine)}" in result.output
    assert set(inspect(engine).get_table_names()) >= TABLES
    # running it again is a no-op, not an error
    assert CliRunner().invoke(main, ["db", "upgrade"]).exit_code == 0
    engine.dispose()
