"""How the answerer reads a whole email: furniture dropped, lines rejoined, question found."""

from __future__ import annotations

from ats_helpdesk.question_text import asks_something, has_subject, member_text, split_sentences

EMAIL = """Subject: RE: ATS brochure

Hi Sarah,
Thanks for sending the brochure. One thing I couldn't see clearly - what is the total fee
now and how much do I pay up front when I accept a place?

Kind regards
Mel Jones | Lecturer in Engineering
This email and any attachments are confidential.
"""


def test_email_loses_greeting_sign_off_and_signature_and_rejoins_wrapped_lines() -> None:
    sentences = split_sentences(member_text(EMAIL))
    assert sentences == [
        "ATS brochure",
        "Thanks for sending the brochure.",
        "One thing I couldn't see clearly - what is the total fee now and how much do I pay "
        "up front when I accept a place?",
    ]


def test_question_under_the_sign_off_is_kept() -> None:
    text = "Hello,\nCan I pay by invoice?\nThanks,\nAnn\nPS can my college pay instead?"
    assert "can my college pay instead?" in member_text(text)


def test_one_liner_is_unchanged() -> None:
    for text in ("hi, how much is ats?", "Thanks, what's the deadline", "Regards"):
        assert member_text(text) == text


def test_all_furniture_gives_the_text_back() -> None:
    text = "Hi there,\nHello!"
    assert member_text(text) == text


def test_asking_sentences() -> None:
    assert asks_something("Is there a form?")
    assert asks_something("Please could you let me know what I need to do to apply")
    assert asks_something("My manager would like to know the exact cost")
    assert not asks_something("I teach hairdressing 16 hours a week.")
    assert not asks_something("I've had QTLS since 2015.")


def test_subject_line() -> None:
    assert has_subject("Subject: cost of ATS\n\nHello")
    assert not has_subject("Subject:\n\nHello")
    assert not has_subject("cost of ATS")
