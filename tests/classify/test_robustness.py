"""Arbitrary text never crashes the text stages (bad input never crashes a service)."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from ats_helpdesk.facts import extract_facts
from ats_helpdesk.mail.guards import detect_automatic
from ats_helpdesk.mail.quotes import extract_new_text

_PIECES = st.sampled_from(
    [
        "> quoted",
        "On Mon, 3 Feb 2025, X wrote:",
        "From: a@b",
        "Sent: today",
        "To: c",
        "Subject: s",
        "-----Original Message-----",
        "---------- Forwarded message ---------",
        "-- ",
        "Thanks,",
        "Kind regards",
        "see below",
        "3/4/2025",
        "31/02/2025",
        "next Friday",
        "2 weeks ago",
        "\r\n",
        "membership number 1234567",
        "İstanbul",
        "\u00a0",
        "\u200b",
        "",
        "appeal",
        "Dr Jo Bloggs",
    ]
)
_TEXT = st.lists(st.one_of(_PIECES, st.text(max_size=40)), max_size=30).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(body=_TEXT)
def test_extract_new_text_never_raises_and_only_keeps_body_words(body: str) -> None:
    new = extract_new_text(body)
    assert isinstance(new, str)
    assert len(new) <= len(body) + 2 or "\n\n" in new  # a forward may add a paragraph break


@settings(max_examples=300, deadline=None)
@given(subject=st.text(max_size=60), text=_TEXT, offset=st.integers(-20000, 20000))
def test_facts_and_guards_never_raise(subject: str, text: str, offset: int) -> None:
    # around the BST change of 30 March 2025, +/- 2 years
    sent = datetime.fromtimestamp(1743294600 + offset * 3600, tz=UTC)
    facts = extract_facts(subject, text, sent, intent="extension_request", headers={"X": text[:20]})
    assert facts.extension_ground is not None
    facts.to_json()
    detect_automatic({"Auto-Submitted": text[:10]}, subject=subject, from_addr=text[:30], body=text)
