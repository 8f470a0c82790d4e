"""One message in, its intent and facts out: what ``classify`` (the CLI) prints.

Sits on top of ``classify`` (the model), ``facts`` and ``mail.guards``: the loop
guard runs first, and a message a machine wrote (out-of-office, bounce,
RFC 3834 ``Auto-Submitted``) is ``other`` whatever its words say, so that an
auto-reply quoting a member's appeal never opens an appeal case.
"""

from __future__ import annotations

import email.utils
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ats_helpdesk.classify import Classification, IntentModel, normalise_new_text
from ats_helpdesk.dates import DateValueError, parse_date_value
from ats_helpdesk.facts import Facts, extract_facts
from ats_helpdesk.mail.guards import detect_automatic
from ats_helpdesk.mail.quotes import extract_new_text

__all__ = ["MailIn", "MailResult", "classify_mails", "parse_mail_date"]

# Guard reasons that settle the intent: nobody wrote these (RFC 3834 section 2).
_MACHINE_REASONS = frozenset({"auto-submitted", "auto-reply", "bounce"})


@dataclass(frozen=True)
class MailIn:
    id: object
    subject: str
    body: str
    from_addr: str = ""
    sent_at: datetime | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MailResult:
    id: object
    classification: Classification
    facts: Facts

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "intent": self.classification.intent,
            "confidence": self.classification.confidence,
            "needs_review": self.classification.needs_review,
            "scores": self.classification.scores,
            "facts": self.facts.to_json(),
        }


def parse_mail_date(value: str) -> datetime:
    """An RFC 5322 Date header value (or an ISO date-time); ``ValueError`` if neither."""
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed is not None:
        return parsed
    try:
        iso = parse_date_value(value)
    except DateValueError:
        raise ValueError(
            f"{value!r} is not an email Date (e.g. 'Mon, 3 Feb 2025 09:15:27 +0000')"
        ) from None
    return iso if isinstance(iso, datetime) else datetime(iso.year, iso.month, iso.day)


def classify_mails(model: IntentModel, mails: Sequence[MailIn]) -> list[MailResult]:
    """Intent (guards first, then the model, in one batch) and facts of each message."""
    new_texts = [extract_new_text(m.body) for m in mails]
    classifications = model.classify_normalised(
        [normalise_new_text(m.subject, text) for m, text in zip(mails, new_texts, strict=True)]
    )
    results: list[MailResult] = []
    for mail, new_text, classification in zip(mails, new_texts, classifications, strict=True):
        automatic = detect_automatic(
            mail.headers, subject=mail.subject, from_addr=mail.from_addr, body=mail.body
        )
        if automatic in _MACHINE_REASONS:
            classification = Classification("other", 1.0, False, classification.scores)
        facts = extract_facts(
            mail.subject,
            new_text,
            mail.sent_at,
            intent=classification.intent,
            headers=mail.headers,
            from_addr=mail.from_addr,
            whole_body=mail.body,
        )
        results.append(MailResult(mail.id, classification, facts))
    return results
