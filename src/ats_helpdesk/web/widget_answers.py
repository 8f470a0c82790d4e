"""Web edge, the widget's answers: one Answerer per process, each ask logged for the dashboard.

Why a process-wide cache: building the answerer (the knowledge base's TF-IDF
matrices) takes ~0.5 s, asking it ~1 ms; it must never be built per request. An app
builds it at most once (lazily, or in the background when the app starts), and
apps in one process that read the same knowledge files with the same threshold
share it (the tests build dozens of apps). The key includes every knowledge file's
size and modification time and the calibration file's, so an edited knowledge base
is never answered from a stale index in a new app.

Every widget ask is an ``answer_log`` row (channel ``widget``): the staff
dashboard counts answered / handed over and the "was this helpful?" votes
(``answer_feedback``) per channel. The visitor gets the row's id signed
(itsdangerous), so a vote can only be cast on an answer this service gave, and ids
cannot be walked. Rows from concurrent asks are committed together
(``AnswerLogWriter``), each ask still waiting for its own row.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from datetime import datetime
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Engine, select
from sqlmodel import Session

from ats_helpdesk.answer import Answerer, AskResult
from ats_helpdesk.content import Content
from ats_helpdesk.store.db import session_scope, write_lock
from ats_helpdesk.store.models import AnswerFeedback, AnswerLog

logger = logging.getLogger(__name__)

CHANNEL = "widget"
FEEDBACK_MAX_AGE = 7 * 24 * 3600  # a vote on an answer older than a week is refused
LOG_TIMEOUT = 10.0  # seconds an ask waits for its log row; then it answers without an id

_CACHE: dict[tuple[object, ...], Answerer] = {}
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 4


def _fingerprint(content: Content, threshold: float | None) -> tuple[object, ...]:
    import ats_helpdesk.answer as answer_module

    files: list[Path] = sorted(p for p in content.knowledge.rglob("*") if p.is_file())
    calibration = Path(answer_module.__file__).with_name("answer_calibration.json")
    if calibration.exists():
        files.append(calibration)
    stats = tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files)
    return (str(content.root.resolve()), threshold, stats)


def shared_answerer(content: Content, threshold: float | None) -> Answerer:
    """The answerer for these knowledge files and threshold, built once per process."""
    key = _fingerprint(content, threshold)
    with _CACHE_LOCK:
        answerer = _CACHE.get(key)
        if answerer is None:
            answerer = Answerer.from_content(content, threshold=threshold)
            while len(_CACHE) >= _CACHE_SIZE:  # e.g. an older version of the files
                del _CACHE[next(iter(_CACHE))]
            _CACHE[key] = answerer
        return answerer


class AnswerUnavailable(RuntimeError):
    """The knowledge base or its calibration could not be loaded (logged with details)."""


class WidgetAnswers:
    """The app's answerer (loaded once) and the answer log with its feedback."""

    def __init__(
        self,
        *,
        content: Content,
        threshold: float | None,
        engine: Engine,
        secret: str,
        clock: Callable[[], datetime],
    ) -> None:
        self.content = content
        self.threshold = threshold
        self.engine = engine
        self.clock = clock
        self.signer = URLSafeTimedSerializer(secret, salt="ats-widget-answer")
        self._answerer: Answerer | None = None
        self.log_writer = AnswerLogWriter(engine)
        self._lock = threading.Lock()

    def answerer(self) -> Answerer:
        if self._answerer is None:
            with self._lock:
                if self._answerer is None:
                    try:
                        self._answerer = shared_answerer(self.content, self.threshold)
                    except Exception as error:  # KnowledgeError, CalibrationError, ...
                        logger.exception("the widget's answerer failed to load")
                        raise AnswerUnavailable(str(error)) from error
        return self._answerer

    def warm(self) -> None:
        """Build the answerer now (the app's start-up runs this in the background)."""
        with contextlib.suppress(AnswerUnavailable):  # logged; requests get 503 until fixed
            self.answerer()

    def ask(self, question: str) -> tuple[AskResult, str | None]:
        """The answerer's result and the signed id of its log row (None if logging failed:
        the visitor still gets the answer; only the vote is lost)."""
        result = self.answerer().ask(question)
        return result, self._log(question, result)

    def _log(self, question: str, result: AskResult) -> str | None:
        row = AnswerLog(
            channel=CHANNEL,
            question=question.replace("\x00", "")[:4000],  # PostgreSQL text has no NUL
            faq_id=result.faq_id,
            confidence=float(result.confidence),
            answered=bool(result.answered),
            created_at=self.clock(),
        )
        try:
            row_id = self.log_writer.submit(row).result(timeout=LOG_TIMEOUT)
        except Exception:
            logger.exception("could not log a widget answer")
            return None
        return self.signer.dumps(row_id) if row_id is not None else None

    def answer_log_id(self, token: str) -> int | None:
        """The log row a signed answer id names; None if forged, altered or too old."""
        try:
            value = self.signer.loads(token, max_age=FEEDBACK_MAX_AGE)
        except (BadSignature, ValueError, TypeError):
            return None
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def record_feedback(self, answer_log_id: int, helpful: bool) -> bool:
        """One vote per answer (a second click changes it); False if the answer is gone."""
        with write_lock(self.engine), session_scope(self.engine) as session:
            if session.get(AnswerLog, answer_log_id) is None:
                return False
            existing = _existing_vote(session, answer_log_id)
            if existing is None:
                session.add(
                    AnswerFeedback(
                        answer_log_id=answer_log_id, helpful=helpful, created_at=self.clock()
                    )
                )
            else:
                existing.helpful = helpful
                existing.created_at = self.clock()
                session.add(existing)
        return True


def _existing_vote(session: Session, answer_log_id: int) -> AnswerFeedback | None:
    return session.execute(
        select(AnswerFeedback).where(AnswerFeedback.answer_log_id == answer_log_id).limit(1)
    ).scalar_one_or_none()


class AnswerLogWriter:
    """Commits answer-log rows from concurrent asks several to a transaction.

    Each ask still waits for its own row to be committed (it needs the row's id for
    the vote), but asks arriving while one commit is under way share the next one:
    one fsync (and, on SQLite, one turn of the single writer) for the batch instead of
    one each, as the SMTP intake's ``GroupCommitter`` does. A batch that fails is
    retried row by row, so one bad row cannot lose the others. The thread starts on
    the first row and ends after ``idle`` seconds without any.
    """

    def __init__(self, engine: Engine, *, max_batch: int = 64, idle: float = 30.0) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self.idle = idle
        self._queue: queue.Queue[tuple[AnswerLog, Future[int | None]]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, row: AnswerLog) -> Future[int | None]:
        future: Future[int | None] = Future()
        self._queue.put((row, future))
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="widget-answer-log", daemon=True
                )
                self._thread.start()
        return future

    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=self.idle)
            except queue.Empty:
                with self._lock:  # a row submitted meanwhile starts a new thread
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._commit(batch)

    def _commit(self, batch: list[tuple[AnswerLog, Future[int | None]]]) -> None:
        try:
            with write_lock(self.engine), session_scope(self.engine) as session:
                for row, _ in batch:
                    session.add(row)
                session.flush()
                ids = [row.id for row, _ in batch]
        except Exception:
            if len(batch) > 1:
                for item in batch:
                    self._commit([item])
                return
            logger.exception("could not log a widget answer")
            batch[0][1].set_result(None)
            return
        for (_, future), row_id in zip(batch, ids, strict=True):
            future.set_result(row_id)
