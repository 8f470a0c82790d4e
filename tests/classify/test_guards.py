"""detect_automatic and is_noreply_address: loop protection (RFC 3834, 3464, 2369, 2919)."""

from __future__ import annotations

import pytest

from ats_helpdesk.mail.guards import detect_automatic, is_noreply_address

PERSON = "Jo Bloggs <jo@example.ac.uk>"


@pytest.mark.parametrize(
    ("headers", "subject", "from_addr", "body", "reason"),
    [
        ({"Auto-Submitted": "auto-replied"}, "Re: ATS", PERSON, "", "auto-submitted"),
        ({"auto-submitted": "auto-generated; owner-email=x@y"}, "x", PERSON, "", "auto-submitted"),
        ({"Auto-Submitted": "No"}, "Appeal", PERSON, "I want to appeal", None),
        ({"X-Autoreply": "yes"}, "Re: ATS", PERSON, "", "auto-reply"),
        ({"X-Autorespond": "anything"}, "Re: ATS", PERSON, "", "auto-reply"),
        ({"X-Auto-Response-Suppress": "All"}, "Re: ATS", PERSON, "", "auto-response-suppress"),
        ({"X-Auto-Response-Suppress": "None"}, "Re: ATS", PERSON, "", None),
        ({"Precedence": "bulk"}, "Newsletter", PERSON, "", "bulk"),
        ({"Precedence": "junk"}, "Offer", PERSON, "", "bulk"),
        ({"Precedence": "list"}, "Digest", PERSON, "", "list"),
        ({"Precedence": "auto_reply"}, "Re: x", PERSON, "", "auto-reply"),
        ({"List-Id": "<fe-news.example.org>"}, "News", PERSON, "", "list"),
        ({"List-Unsubscribe": "<mailto:u@example.org>"}, "News", PERSON, "", "list"),
        (
            {"Content-Type": 'multipart/report; report-type="delivery-status"; boundary="b"'},
            "Your message",
            PERSON,
            "",
            "bounce",
        ),
        ({}, "Undelivered Mail Returned to Sender", "MAILER-DAEMON@mx.example.org", "", "bounce"),
        ({}, "Delivery Status Notification (Failure)", "postmaster@example.org", "", "bounce"),
        (
            {},
            "Delivery Status Notification (Failure)",
            "mail@example.org",
            "Your message could not be delivered. 550 5.1.1 user unknown",
            "bounce",
        ),
        ({}, "Automatic reply: ATS extension", PERSON, "I am away", "auto-reply"),
        ({}, "Out of Office: Re: appeal", PERSON, "", "auto-reply"),
        ({}, "Out of office", PERSON, "", "auto-reply"),
        ({}, "Abwesenheitsnotiz: ATS", PERSON, "", "auto-reply"),
        ({}, "Réponse automatique : ATS", PERSON, "", "auto-reply"),
        ({}, "Auto: Re: your request", PERSON, "", "auto-reply"),
        # People, not machines
        ({}, "Out of office for six weeks - can I have an extension?", PERSON, "", None),
        ({}, "Re: Undelivered portfolio?", PERSON, "Did my upload arrive?", None),
        ({}, "I want to appeal", PERSON, "I was out of office when the result came", None),
        ({"Precedence": "normal"}, "Question", PERSON, "", None),
    ],
)
def test_detect_automatic(
    headers: dict[str, str], subject: str, from_addr: str, body: str, reason: str | None
) -> None:
    assert detect_automatic(headers, subject=subject, from_addr=from_addr, body=body) == reason


@pytest.mark.parametrize(
    ("addr", "expected"),
    [
        ("noreply@example.org", True),
        ("No Reply <no-reply@example.org>", True),
        ("do-not-reply@college.ac.uk", True),
        ("donotreply@college.ac.uk", True),
        ("MAILER-DAEMON@mx.example.org", True),
        ("bounces+12345@lists.example.org", True),
        ("jo.bloggs@example.ac.uk", False),
        ("Reply Team <replies@example.org>", False),
        ("", False),
        ("not an address", False),
    ],
)
def test_is_noreply_address(addr: str, expected: bool) -> None:
    assert is_noreply_address(addr) is expected
