"""SMTP intake through the real aiosmtpd server, driven by smtplib: exact reply codes."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from ats_helpdesk.config import Settings
from ats_helpdesk.mail.smtp import make_controller
from ats_helpdesk.store.models import Message
from support.net import free_port

from .conftest import INBOX, build_mail

LIMIT = 64 * 1024


@pytest.fixture
def smtp_port(engine: Engine, tmp_path: Path) -> Iterator[int]:
    settings = Settings(data_dir=tmp_path, inbox=INBOX, max_message_bytes=LIMIT, _env_file=None)
    controller = make_controller(engine=engine, settings=settings,
                                 clock=lambda: datetime.now(UTC), port=free_port())
    controller.start()
    yield controller.port
    controller.stop()


def _messages(engine: Engine) -> list[Message]:
    with Session(engine) as session:
        return list(session.exec(select(Message).order_by(Message.id)).all())


def test_accepted_message_is_stored_verbatim_before_250(smtp_port: int, engine: Engine) -> None:
    raw = build_mail("Question", "How much does ATS cost?", message_id="<q1@example.org>")
    with smtplib.SMTP("127.0.0.1", smtp_port) as client:
        client.ehlo()
        assert client.mail("ann@example.org") == (250, b"OK")
        assert client.rcpt("ATS@set.test")[0] == 250
        code, reply = client.data(raw)
    assert (code, reply) == (250, b"2.0.0 Message accepted for delivery")
    (stored,) = _messages(engine)  # committed by the time 250 was read
    assert stored.raw == raw
    assert (stored.message_id, stored.source, stored.status) == ("<q1@example.org>", "smtp",
                                                                 "pending")
    assert stored.envelope_from == "ann@example.org" and stored.envelope_to == ["ATS@set.test"]


def test_foreign_recipient_gets_550(smtp_port: int, engine: Engine) -> None:
    with smtplib.SMTP("127.0.0.1", smtp_port) as client:
        client.ehlo()
        client.mail("ann@example.org")
        assert client.rcpt("someone@elsewhere.test") == (
            550, b"5.1.1 Bad destination mailbox address")
        client.rset()
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            client.sendmail("ann@example.org", ["x@set.test"], build_mail("s", "b"))
    assert refused.value.recipients["x@set.test"][0] == 550
    assert _messages(engine) == []


def test_oversized_message_gets_552(smtp_port: int, engine: Engine) -> None:
    big = build_mail("big", ("x" * 70 + "\n") * (LIMIT // 71 + 100), message_id="<big@x.org>")
    with smtplib.SMTP("127.0.0.1", smtp_port) as client:
        client.ehlo()
        # the declared SIZE is refused at MAIL FROM (RFC 1870 6.1)
        assert client.mail("ann@example.org", [f"SIZE={len(big)}"])[0] == 552
        client.rset()
        client.mail("ann@example.org")
        client.rcpt("ats@set.test")
        assert client.data(big) == (552, b"Error: Too much mail data")
    assert _messages(engine) == []


def test_same_message_delivered_twice_is_stored_once(smtp_port: int, engine: Engine) -> None:
    raw = build_mail("Twice", "hello", message_id="<twice@example.org>")
    for _ in range(2):
        with smtplib.SMTP("127.0.0.1", smtp_port) as client:
            assert client.sendmail("ann@example.org", ["ats@set.test"], raw) == {}
    assert len(_messages(engine)) == 1


def test_store_unavailable_gives_451_not_250(tmp_path: Path) -> None:
    from ats_helpdesk.store.db import make_engine

    broken = make_engine(Settings(data_dir=tmp_path, _env_file=None),
                         url=f"sqlite:///{tmp_path}/never-upgraded.db")  # no tables
    settings = Settings(data_dir=tmp_path, inbox=INBOX, _env_file=None)
    controller = make_controller(engine=broken, settings=settings,
                                 clock=lambda: datetime.now(UTC), port=free_port())
    controller.start()
    try:
        with smtplib.SMTP("127.0.0.1", controller.port) as client:
            client.ehlo()
            client.mail("ann@example.org")
            client.rcpt("ats@set.test")
            assert client.data(build_mail("s", "b"))[0] == 451
    finally:
        controller.stop()
        broken.dispose()
