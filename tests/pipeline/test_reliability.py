"""Reliability: a SIGKILL mid-burst loses nothing that got 250, re-delivery adds nothing,
and CPython's own email test corpus goes through SMTP intake and triage without an error."""

from __future__ import annotations

import os
import smtplib
import subprocess
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from ats_helpdesk.intake import accept_message
from ats_helpdesk.store.models import Message
from ats_helpdesk.triage import TriageServices
from ats_helpdesk.worker import drain
from support.net import free_port

from .conftest import INBOX, NOW, build_mail, engine_for
from .test_cli import CLI, _wait_port
from .test_parse import CORPUS

BURST = 1000
KILL_AFTER = BURST // 2
CLIENTS = 4


def _start_smtpd(tmp_path: Path, url: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "ATS_DATA_DIR": str(tmp_path / "var"), "ATS_DATABASE_URL": url,
           "ATS_INBOX": INBOX}
    proc = subprocess.Popen([*CLI, "smtpd", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _wait_port(port, proc)
    return proc


def _send_all(port: int, mails: list[tuple[str, bytes]], acked: list[str],
              on_ack: threading.Event | None = None) -> None:
    """Send ``mails`` over CLIENTS connections; record the Message-IDs answered 250."""
    lock = threading.Lock()

    def client(chunk: list[tuple[str, bytes]]) -> None:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
                smtp.ehlo()
                for message_id, raw in chunk:
                    smtp.mail("member@example.org")
                    smtp.rcpt("ats@set.test")
                    code, _ = smtp.data(raw)
                    if code == 250:
                        with lock:
                            acked.append(message_id)
                            if on_ack is not None and len(acked) >= KILL_AFTER:
                                on_ack.set()
        except (OSError, smtplib.SMTPException):
            return  # the server was killed: what was not acknowledged is not ours

    threads = [threading.Thread(target=client, args=(mails[n::CLIENTS],))
               for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)


def _stored_ids(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(Message.message_id)).all())


@pytest.mark.slow
def test_sigkill_mid_burst_loses_nothing_acknowledged(database_url: str,
                                                      tmp_path: Path) -> None:
    mails = [(f"<burst{n}@example.org>",
              build_mail(f"Question {n}", f"Message number {n} of the burst.",
                         message_id=f"<burst{n}@example.org>")) for n in range(BURST)]
    port = free_port()
    proc = _start_smtpd(tmp_path, database_url, port)
    acked: list[str] = []
    half = threading.Event()
    killer = threading.Thread(target=lambda: (half.wait(60), proc.kill()))
    killer.start()
    _send_all(port, mails, acked, on_ack=half)
    killer.join()
    proc.wait(10)
    assert proc.returncode == -9  # really SIGKILLed
    engine = engine_for(database_url, tmp_path)
    stored = set(_stored_ids(engine))
    assert KILL_AFTER <= len(acked) < BURST, "the kill did not land mid-burst"
    assert set(acked) <= stored  # nothing that got 250 is lost
    # the sender retries everything; each message ends up stored exactly once
    proc = _start_smtpd(tmp_path, database_url, port)
    try:
        again: list[str] = []
        _send_all(port, mails, again)
        assert len(again) == BURST
    finally:
        proc.terminate()
        proc.wait(10)
    ids = _stored_ids(engine)
    assert len(ids) == BURST and set(ids) == {mid for mid, _ in mails}
    engine.dispose()


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"CPython email test corpus not at {CORPUS}")
def test_cpython_corpus_through_smtp_and_triage(sqlite_engine: Engine, tmp_path: Path,
                                                services: TriageServices) -> None:
    from datetime import UTC, datetime

    from ats_helpdesk.config import Settings
    from ats_helpdesk.mail.smtp import make_controller

    settings = Settings(data_dir=tmp_path, inbox=INBOX, _env_file=None)
    controller = make_controller(engine=sqlite_engine, settings=settings,
                                 clock=lambda: datetime.now(UTC), port=free_port())
    controller.start()
    files = sorted(p for p in CORPUS.iterdir() if p.is_file())
    # SMTP carries lines of at most 998 characters (RFC 5321 4.5.3.1.6); the corpus's
    # binary files (images, audio) go through the same intake function directly.
    raws = {p.name: p.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
            for p in files}
    by_smtp = {n for n, raw in raws.items() if max(map(len, raw.split(b"\r\n"))) <= 998}
    assert len(by_smtp) > 30
    try:
        with smtplib.SMTP("127.0.0.1", controller.port) as smtp:
            smtp.ehlo()
            for name in sorted(by_smtp):
                smtp.mail("corpus@example.org")
                smtp.rcpt("ats@set.test")
                assert smtp.data(raws[name])[0] == 250, name
    finally:
        controller.stop()
    for name in sorted(set(raws) - by_smtp):
        accept_message(engine=sqlite_engine, raw=raws[name], source="cli", received_at=NOW)
    drain(engine=sqlite_engine, services=services, clock=lambda: NOW)
    with Session(sqlite_engine) as session:
        statuses = dict(session.exec(select(Message.status, func.count())
                                     .group_by(Message.status)).all())
        errors = session.exec(select(Message.error).where(Message.status == "failed")).all()
    assert errors == [] and set(statuses) == {"triaged"}
    assert statuses["triaged"] >= len(files) - 10  # files sharing a Message-ID are one message
