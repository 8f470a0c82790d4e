"""Parsing: any bytes become a ParsedMail; charsets, HTML, attachments, defects."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import pytest

from ats_helpdesk.mail.parse import parse_message

CORPUS = Path(sysconfig.get_paths()["stdlib"]) / "test" / "test_email" / "data"


def test_plain_message_headers_and_text() -> None:
    raw = (
        b"From: =?utf-8?q?Si=C3=A2n_Jones?= <Sian@Example.ORG>\r\n"
        b"To: ats@set.test, Other <o@x.org>\r\nCc: c@x.org\r\n"
        b"Subject: Re: my =?utf-8?b?Y2FzZQ==?=\r\n"
        b"Message-ID: <abc@example.org>\r\nIn-Reply-To: <p1@x>\r\n"
        b"References: <p0@x>\r\n <p1@x>\r\nDate: Mon, 31 Mar 2025 23:30:00 +0000\r\n\r\n"
        b"Please can I have more time for my portfolio?\r\n\r\n"
        b"On Mon, 1 Jan 2025, SET wrote:\r\n> old text\r\n"
    )
    parsed = parse_message(raw)
    assert (parsed.from_name, parsed.from_addr) == ("Siân Jones", "sian@example.org")
    assert parsed.to == ("ats@set.test", "o@x.org") and parsed.cc == ("c@x.org",)
    assert parsed.subject == "Re: my case"
    assert (parsed.message_id, parsed.in_reply_to) == ("<abc@example.org>", "<p1@x>")
    assert parsed.references == ("<p0@x>", "<p1@x>")
    assert parsed.date is not None and parsed.date.isoformat() == "2025-03-31T23:30:00+00:00"
    assert "old text" in parsed.text and "old text" not in parsed.new_text
    assert parsed.new_text.startswith("Please can I have more time")
    assert parsed.header_map["message-id"] == "<abc@example.org>"


def test_undeclared_8bit_charset_is_guessed_and_recorded() -> None:
    raw = b"From: a@b.org\r\nSubject: caf\xe9\r\n\r\nJ'ai pay\xe9 \xa3760 d\xe9j\xe0.\r\n"
    parsed = parse_message(raw)
    assert "£760" in parsed.text and "payé" in parsed.text
    assert any("charset guessed as cp1252" in d for d in parsed.defects)


def test_unknown_declared_charset_does_not_crash() -> None:
    raw = (b"From: a@b.org\r\nSubject: x\r\nContent-Type: text/plain; charset=x-no-such\r\n\r\n"
           b"plain words\r\n")
    parsed = parse_message(raw)
    assert parsed.text.strip() == "plain words"
    assert "unknown charset 'x-no-such'" in parsed.defects


def test_html_only_message_becomes_text_and_keeps_html() -> None:
    raw = (b"From: a@b.org\r\nSubject: h\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
           b"<html><style>p{color:red}</style><body><p>I need an <b>extension</b>.</p>"
           b"<script>alert(1)</script><p>Thanks</p></body></html>\r\n")
    parsed = parse_message(raw)
    assert parsed.text == "I need an extension.\n\nThanks"
    assert parsed.html is not None and "<script>" in parsed.html  # kept for staff, sanitised there


def test_attachments_with_hash_and_body_from_alternative() -> None:
    raw = (
        b"From: a@b.org\r\nSubject: form\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        b'--b1\r\nContent-Type: multipart/alternative; boundary="b2"\r\n\r\n'
        b"--b2\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee attached form.\r\n"
        b"--b2\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>See attached form.</p>\r\n"
        b"--b2--\r\n"
        b"--b1\r\nContent-Type: application/pdf\r\n"
        b'Content-Disposition: attachment; filename="objection form.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b1--\r\n"
    )
    parsed = parse_message(raw)
    assert parsed.text.strip() == "See attached form."
    (attachment,) = parsed.attachments
    assert (attachment.filename, attachment.content_type, attachment.data) == (
        "objection form.pdf", "application/pdf", b"%PDF-1.4\n")
    assert attachment.size == 9 and len(attachment.sha256) == 64


@pytest.mark.parametrize("raw", [
    b"", b"\x00\xff\xfe garbage", b"Subject: only headers",
    b"From: <<<@>>>\r\nDate: yesterday\r\n\r\nx",
    b"Content-Type: multipart/mixed; boundary=\"never\"\r\n\r\nno parts at all",
    b"Subject: =?bogus?q?x?=\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64",
])
def test_malformed_input_never_raises(raw: bytes) -> None:
    parsed = parse_message(raw)
    assert isinstance(parsed.text, str) and isinstance(parsed.defects, tuple)


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"CPython email test corpus not at {CORPUS}")
def test_cpython_email_corpus_parses_without_an_exception() -> None:
    files = sorted(p for p in CORPUS.iterdir() if p.is_file())
    assert len(files) > 30
    for path in files:
        parsed = parse_message(path.read_bytes())
        assert isinstance(parsed.text, str), path.name
