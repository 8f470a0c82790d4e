"""Outbound: replies rendered from templates, sent through a real SMTP relay (aiosmtpd),
retried with backoff when the relay is away, failed (and kept) on a permanent refusal."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine
from sqlmodel import Session, select

from ats_helpdesk.config import Settings
from ats_helpdesk.content import Content
from ats_helpdesk.mail.outbound import ReplyRenderer, build_reply, send_due_replies
from ats_helpdesk.store.db import session_scope
from ats_helpdesk.store.models import Outbound
from ats_helpdesk.store.replies import queue_reply
from support.net import free_port

from .conftest import NOW


class Relay:
    """A relay that records what it is given, or refuses every recipient."""

    def __init__(self, refuse: bool = False) -> None:
        self.refuse = refuse
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: list[str]) -> str:
        if self.refuse:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((envelope.mail_from, envelope.rcpt_tos, envelope.original_content))
        return "250 OK"


@pytest.fixture
def relay() -> Iterator[tuple[Relay, int]]:
    handler = Relay()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


def _settings(tmp_path: Path, port: int | None) -> Settings:
    return Settings(data_dir=tmp_path, relay_host="127.0.0.1" if port else None,
                    relay_port=port or 25, from_address="membership@set.test", _env_file=None)


def _queue(engine: Engine, settings: Settings, content: Content) -> int:
    reply = build_reply(
        settings=settings, renderer=ReplyRenderer(content.templates), template="staff_reply",
        context={"reference": "ATS-000007", "member_name": "Ann <script>", "body": "Dear & co",
                 "original_subject": "Help", "agent_name": "", "from_address": "m@set.test"},
        to_addr="ann@example.org", in_reply_to="<m1@example.org>", references=["<m0@x>"],
        now=NOW,
    )
    with session_scope(engine) as session:
        return queue_reply(session=session, to_addr=reply.to_addr, subject=reply.subject,
                           raw=reply.raw, rfc_message_id=reply.rfc_message_id,
                           kind="staff_reply", now=NOW).id


def _reply(engine: Engine, pk: int) -> Outbound:
    with Session(engine) as session:
        return session.get(Outbound, pk)


def test_reply_headers_and_parts(sqlite_engine: Engine, tmp_path: Path,
                                 content: Content) -> None:
    pk = _queue(sqlite_engine, _settings(tmp_path, None), content)
    sent = message_from_bytes(_reply(sqlite_engine, pk).raw, policy=policy.default)
    assert sent["Subject"] == "Re: Help [ATS-000007]"
    assert sent["In-Reply-To"] == "<m1@example.org>"
    assert sent["References"] == "<m0@x> <m1@example.org>"  # RFC 5322 3.6.4
    assert sent["Auto-Submitted"] == "auto-replied" and sent["Message-ID"].endswith("@set.test>")
    plain = sent.get_body(("plain",)).get_content()
    html = sent.get_body(("html",)).get_content()
    assert "Dear Ann <script>," in plain  # text part: as written
    assert "Ann &lt;script&gt;" in html and "Dear &amp; co" in html  # HTML part: escaped
    assert "<script>" not in html


def test_sent_through_the_relay(engine: Engine, tmp_path: Path, content: Content,
                                relay: tuple[Relay, int]) -> None:
    handler, port = relay
    settings = _settings(tmp_path, port)
    pk = _queue(engine, settings, content)
    assert send_due_replies(engine=engine, settings=settings, now=NOW) == 1
    ((mail_from, rcpt, raw),) = handler.received
    assert (mail_from, rcpt) == ("membership@set.test", ["ann@example.org"])
    row = _reply(engine, pk)
    assert raw == row.raw and (row.status, row.attempts) == ("sent", 1)
    assert send_due_replies(engine=engine, settings=settings, now=NOW) == 0  # not twice


def test_the_whole_queue_goes_in_one_call_over_one_connection(
        sqlite_engine: Engine, tmp_path: Path, content: Content,
        relay: tuple[Relay, int]) -> None:
    """The sender must keep up with the intake: not one small batch per wake-up."""
    handler, port = relay
    settings = _settings(tmp_path, port)
    ids = [_queue(sqlite_engine, settings, content) for _ in range(7)]
    assert send_due_replies(engine=sqlite_engine, settings=settings, now=NOW, batch=3) == 7
    assert len(handler.received) == 7
    assert {_reply(sqlite_engine, pk).status for pk in ids} == {"sent"}
    assert send_due_replies(engine=sqlite_engine, settings=settings, now=NOW, batch=3) == 0


def test_a_sender_that_dies_leaves_at_most_the_reply_in_flight_leased(
        sqlite_engine: Engine, tmp_path: Path, content: Content) -> None:
    settings = _settings(tmp_path, None)
    ids = [_queue(sqlite_engine, settings, content) for _ in range(6)]
    handed: list[int] = []

    def transport(reply: Outbound) -> None:
        if len(handed) == 3:
            raise KeyboardInterrupt  # the process dies mid-send (not an SMTP error)
        handed.append(reply.id)

    with pytest.raises(KeyboardInterrupt):
        send_due_replies(engine=sqlite_engine, settings=settings, now=NOW, transport=transport)
    rows = [_reply(sqlite_engine, pk) for pk in ids]
    assert [r.status for r in rows] == ["sent"] * 3 + ["queued"] * 3
    leased = [r.id for r in rows if r.status == "queued" and r.next_attempt_at > NOW]
    assert leased == [ids[3]]  # only the one in flight waits for its lease to run out
    later = NOW + timedelta(minutes=6)
    assert send_due_replies(engine=sqlite_engine, settings=settings, now=later,
                            transport=lambda reply: None) == 3


def test_relay_down_retries_with_backoff_never_drops(sqlite_engine: Engine, tmp_path: Path,
                                                     content: Content,
                                                     relay: tuple[Relay, int]) -> None:
    handler, port = relay
    down = _settings(tmp_path, free_port())  # nothing listens there
    pk = _queue(sqlite_engine, down, content)
    assert send_due_replies(engine=sqlite_engine, settings=down, now=NOW) == 0
    row = _reply(sqlite_engine, pk)
    assert (row.status, row.attempts) == ("queued", 1) and row.last_error
    assert row.next_attempt_at == NOW + timedelta(seconds=30)
    # not due yet, even with the relay back
    up = _settings(tmp_path, port)
    assert send_due_replies(engine=sqlite_engine, settings=up, now=NOW) == 0
    later = NOW + timedelta(seconds=31)
    assert send_due_replies(engine=sqlite_engine, settings=up, now=later) == 1
    assert _reply(sqlite_engine, pk).status == "sent" and len(handler.received) == 1


def test_no_relay_configured_keeps_replies_queued(sqlite_engine: Engine, tmp_path: Path,
                                                  content: Content) -> None:
    settings = _settings(tmp_path, None)
    pk = _queue(sqlite_engine, settings, content)
    assert send_due_replies(engine=sqlite_engine, settings=settings, now=NOW) == 0
    assert (_reply(sqlite_engine, pk).status, _reply(sqlite_engine, pk).attempts) == ("queued", 0)


def test_permanent_refusal_fails_the_reply_and_keeps_it(sqlite_engine: Engine, tmp_path: Path,
                                                        content: Content) -> None:
    controller = Controller(Relay(refuse=True), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        settings = _settings(tmp_path, controller.port)
        pk = _queue(sqlite_engine, settings, content)
        assert send_due_replies(engine=sqlite_engine, settings=settings, now=NOW) == 0
    finally:
        controller.stop()
    row = _reply(sqlite_engine, pk)
    assert row.status == "failed" and "550" in row.last_error and row.raw
    with Session(sqlite_engine) as session:
        assert len(session.exec(select(Outbound)).all()) == 1
