"""extract_new_text: the member's own words, without history, signatures, disclaimers."""

from __future__ import annotations

import pytest

from ats_helpdesk.mail.quotes import extract_new_text

GMAIL_REPLY = """Hi,

I'd like to request an extension until the end of May please.

Best
Anita

On Mon, 17 Feb 2025 at 10:00, SET ATS <ats@etfoundation.co.uk> wrote:
> Dear participant,
> The submission deadline for cohort 8 is 31 March 2025. You may appeal.
"""

GMAIL_WRAPPED = """I want to appeal.

On Mon, 17 Feb 2025 at 10:00, SET Professional Status Team <
membership@etfoundation.co.uk> wrote:

> We are sorry to tell you ATS has not been awarded.
"""

OUTLOOK_REPLY = """Hello, I object to the support I received from my mentor.

Vikram Sethi
Curriculum Manager - ESOL

From: Lisa Chambers <lisa.chambers@etfoundation.co.uk>
Sent: 17 October 2025 15:20
To: Vikram Sethi
Subject: Outcome of resubmission

Dear Vikram, we cannot award ATS. You may request an extension.
"""

ORIGINAL_MESSAGE = """Can I have an extension please?

-----Original Message-----
From: SET <membership@etfoundation.co.uk>
Sent: Monday, March 3, 2025 9:00 AM
Subject: Appeal outcome

Your appeal was not upheld.
"""

FORWARD_SEE_BELOW = """Please see below.

Thanks
Jo

---------- Forwarded message ---------
From: Sam Smith <sam@example.ac.uk>
Date: Fri, 18 Jul 2025 at 16:45
Subject: ATS result
To: Jo <jo@example.ac.uk>

I want to appeal against the decision not to award ATS.

Sam
"""

FORWARD_EMPTY = """---------- Forwarded message ---------
From: Sam Smith <sam@example.ac.uk>
Date: Fri, 18 Jul 2025 at 16:45
Subject: Extension

I need an extension because my laptop died.
"""

OUTLOOK_FW_FYI = """FYI

________________________________
From: Priya Patel <p.patel@example.org>
Sent: 03 March 2025 10:00
To: ATS
Subject: dyslexia

I am dyslexic and would like extra time at my viva.
"""

FORWARD_BELOW_WITH_NOTE = """Good afternoon,

Please find below the access recommendations for Dr Price, who has asked us to share them.

---------- Forwarded message ---------
From: Access Adviser
Date: 20 Jan 2025
Subject: Access plan

Recommendations: rest break every 30 minutes; remote attendance where possible.

Kind regards
Disability Service
"""

DISCLAIMER = """Hi there

My submission is due on 14/4/2025. Could I have a bit longer?

Thanks very much
Chris

Chris Bamford
Deputy Quality Manager | Riverside College
This message is intended for the named recipient only. Riverside College monitors email.
"""

DASH_SIGNATURE = (
    "Please send me the objection form.\n-- \n"  # RFC 3676 4.3: dash dash space
    """Dr Jane Doe
Head of Maths, Example College
01234 567890
"""
)

SENT_FROM = """can i appeal my result?

Sent from my iPhone"""

KIND_REGARDS_ONE_LINE = """I would like a reasonable adjustment for my viva: I use a wheelchair.

Kind regards, Gareth Pryce, Lecturer in Engineering
"""

INLINE_QUOTES = """> When is your submission deadline?
It is 31 March, and I need an extension.
> Which cohort?
Cohort 8.
"""

THANKS_IN_TEXT = """Thanks for your reply. I still want to appeal, please send the form.

Thanks,
Liz
"""

PS_AFTER_CLOSING = """Can you tell me the fee?

Thanks
Jo

PS I also want to object to the lack of mentor support I had, can you send me the form for that?
"""

HYPHEN_LIST = """I need these adjustments:
- extra time at the viva
- a ground floor room

Regards
Sam
"""

BEST_TIME = """Could you ring me about my extension?

Best time to call is after 4
"""

THANKS_NAME = """Please send the objection form.

Thanks Jo
Jo Bloggs
"""

CASES = [
    (GMAIL_REPLY, ["extension until the end of May"], ["Dear participant", "Anita", "appeal"]),
    (GMAIL_WRAPPED, ["I want to appeal."], ["not been awarded", "wrote"]),
    (OUTLOOK_REPLY, ["I object to the support"], ["cannot award", "Lisa", "Curriculum Manager"]),
    (ORIGINAL_MESSAGE, ["extension please"], ["not upheld", "Original Message"]),
    (FORWARD_SEE_BELOW, ["I want to appeal against the decision"], ["Please see below", "From:"]),
    (FORWARD_EMPTY, ["my laptop died"], ["Forwarded", "From:"]),
    (OUTLOOK_FW_FYI, ["I am dyslexic"], ["FYI", "Sent:"]),
    (FORWARD_BELOW_WITH_NOTE, ["access recommendations", "rest break"], ["Disability Service"]),
    (DISCLAIMER, ["Could I have a bit longer?"], ["Chris", "intended", "monitors", "Deputy"]),
    (DASH_SIGNATURE, ["objection form"], ["Jane", "01234"]),
    (SENT_FROM, ["can i appeal my result?"], ["iPhone"]),
    (KIND_REGARDS_ONE_LINE, ["I use a wheelchair."], ["Kind regards", "Lecturer"]),
    (INLINE_QUOTES, ["It is 31 March, and I need an extension.", "Cohort 8."], ["Which cohort"]),
    (THANKS_IN_TEXT, ["Thanks for your reply. I still want to appeal"], ["Liz"]),
    (PS_AFTER_CLOSING, ["the fee?", "PS I also want to object"], []),
    (BEST_TIME, ["my extension?", "Best time to call is after 4"], []),
    (THANKS_NAME, ["objection form"], ["Thanks Jo", "Bloggs"]),
    (HYPHEN_LIST, ["- extra time at the viva", "- a ground floor room"], ["Regards", "Sam"]),
]


@pytest.mark.parametrize(
    ("body", "kept", "dropped"), CASES, ids=[str(i) for i in range(len(CASES))]
)
def test_extract_new_text(body: str, kept: list[str], dropped: list[str]) -> None:
    new = extract_new_text(body)
    for text in kept:
        assert text in new, f"{text!r} missing from {new!r}"
    for text in dropped:
        assert text not in new, f"{text!r} still in {new!r}"


def test_crlf_and_plain_text_unchanged() -> None:
    assert extract_new_text("Hello\r\nWhen is the deadline?\r\n") == "Hello\nWhen is the deadline?"
    assert extract_new_text("") == ""
    assert extract_new_text("   \n  ") == ""


def test_reply_with_nothing_new_is_empty() -> None:
    assert extract_new_text("On Mon, 3 Feb 2025, SET wrote:\n> Your result is attached.") == (
        "Your result is attached."
    )


def test_quoted_only_history_of_non_english_client() -> None:
    body = "Ich möchte Einspruch einlegen.\n\nAm 03.02.2025 um 10:00 schrieb SET <a@b.org>:\n> Text"
    assert extract_new_text(body) == "Ich möchte Einspruch einlegen."
