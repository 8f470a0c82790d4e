"""Store, connections: the engine, sessions and schema upgrades.

Where it sits: every edge (CLI, SMTP intake, IMAP poller, worker, web app) builds one
engine from ``Settings`` with ``make_engine`` and passes it in; nothing here is a
global. SQLite (the embedded default, ``DATA_DIR/ats.db``) runs in WAL mode with
``synchronous=FULL`` so a commit is on disk before the SMTP intake answers 250;
PostgreSQL is used when ``ATS_DATABASE_URL`` names it.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session

from ats_helpdesk.config import Settings

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000


def make_engine(settings: Settings, *, url: str | None = None, **kwargs: Any) -> Engine:
    """The engine for ``url`` (default: the settings' URL), SQLite tuned for durability."""
    target = make_url(url or settings.sqlalchemy_url)
    if target.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(target, **kwargs)
    if target.database and target.database != ":memory:":
        Path(target.database).parent.mkdir(parents=True, exist_ok=True)
    connect_args = kwargs.pop("connect_args", {})
    # The pool's connections are used from several threads (the SMTP handler's
    # executor, the worker); each is only ever used by one thread at a time.
    connect_args.setdefault("check_same_thread", False)
    connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
    engine = create_engine(target, connect_args=connect_args, **kwargs)
    event.listen(engine, "connect", _configure_sqlite)
    return engine


def _configure_sqlite(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # WAL: readers (the staff app) never block the writer (intake); FULL: the
        # commit is fsynced before we acknowledge a message (issue 5, "durably").
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


class _SqliteWriteLock:
    """A thread lock plus an ``flock`` on a file beside the database (one per engine)."""

    def __init__(self, path: Path | None) -> None:
        self.thread_lock = threading.Lock()
        self.path = path
        self.fd: int | None = None

    def __enter__(self) -> None:
        self.thread_lock.acquire()
        if self.path is not None:
            if self.fd is None:
                self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        self.thread_lock.release()


_WRITE_LOCKS: dict[int, _SqliteWriteLock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


def write_lock(engine: Engine) -> AbstractContextManager[Any]:
    """Serialise SQLite write transactions of the intake and the triage worker.

    SQLite allows one writer; a writer that finds the database locked sleeps in
    steps of up to 100 ms before it tries again, which caps throughput. Writers
    that go through here queue on a lock instead and are woken at once: a thread
    lock within the process and ``flock`` on ``<db>.writelock`` across processes
    (``serve`` runs the worker in its own process). Anything else still works,
    kept apart by SQLite's own lock. PostgreSQL needs nothing of the kind.
    """
    if engine.dialect.name != "sqlite":
        return nullcontext()
    database = engine.url.database
    path = Path(f"{database}.writelock") if database and database != ":memory:" else None
    with _WRITE_LOCKS_GUARD:
        return _WRITE_LOCKS.setdefault(id(engine), _SqliteWriteLock(path))


def is_postgresql(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits when the block ends normally and rolls back on an error."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(engine: Engine) -> Any:
    """An Alembic config for this package's migrations, bound to ``engine``."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # "%" must be doubled for configparser (URLs carry %-escapes, e.g. options=)
    url = engine.url.render_as_string(hide_password=False).replace("%", "%%")
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["engine"] = engine
    return config


def upgrade_database(*, engine: Engine, revision: str = "head") -> str | None:
    """Bring the schema up to ``revision``; returns the revision now current."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    command.upgrade(alembic_config(engine), revision)
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def current_revision(*, engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(*, engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
