"""Triage, first half: what can be read from a message without the database.

Where it sits: ``triage.py`` (and the worker, before it takes the store's write
lock) calls ``read_message``: parse (``mail/parse``), the automatic-mail guards
(``mail/guards``), the intent (``classify``), the knowledge base's answer for a
confident ``faq`` (``answer``) and the facts (``facts``). ``TriageServices`` holds
the loaded models and settings, built once at the edge (``services.py``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from ats_helpdesk.case_dates import facts_as_dict
from ats_helpdesk.cohorts import Cohort
from ats_helpdesk.config import Settings
from ats_helpdesk.mail.outbound import ReplyRenderer
from ats_helpdesk.mail.parse import ParsedMail, parse_message
from ats_helpdesk.workdays import Calendar

logger = logging.getLogger(__name__)


class Classifier(Protocol):
    def classify(self, subject: str, body: str) -> Any: ...


class AnswerSource(Protocol):
    def ask(self, text: str) -> Any: ...


class FactsExtractor(Protocol):
    def __call__(
        self,
        subject: str,
        text: str,
        sent_at: datetime | None,
        *,
        intent: str | None = None,
        whole_body: str | None = None,
    ) -> Any: ...


@dataclass(frozen=True)
class TriageServices:
    """Everything triage needs, built once at the edge (``services.load_services``)."""

    settings: Settings
    renderer: ReplyRenderer
    calendar: Calendar
    classifier: Classifier
    answerer: AnswerSource | None
    cohorts: dict[int, Cohort]
    extract_facts: FactsExtractor | None = None
    detect_automatic: Any = None  # mail.guards.detect_automatic when present


@dataclass(frozen=True)
class Reading:
    """What can be worked out from the message alone, with no database: its parse,
    whether it is automatic, its intent, the knowledge base's answer (for a confident
    ``faq``) and its facts. The worker computes it before taking the store's write
    lock, so the lock is held only for the short database part (``worker.py``)."""

    parsed: ParsedMail
    automatic: str
    classification: Any = None
    answer: Any = None  # answer.AskResult, for a confident faq
    question: str = ""
    facts: dict[str, Any] = field(default_factory=dict)
    # list or bulk mail, or X-Auto-Response-Suppress: a person may have written it, so
    # it is triaged like any mail (a case for staff), but never answered automatically
    no_auto_reply: str = ""


# Written by a machine (RFC 3834 auto-replies, bounces): stored and ignored. Other guard
# reasons (list, bulk, auto-response-suppress) only forbid an automatic reply.
MACHINE_REASONS = ("auto-submitted", "auto-reply", "bounce")


def is_machine_reason(reason: str) -> bool:
    return reason.startswith(MACHINE_REASONS)


def read_message(*, raw: bytes, envelope_from: str | None, services: TriageServices) -> Reading:
    parsed = parse_message(raw)
    automatic = detect_automatic_mail(services, parsed, envelope_from)
    if automatic and is_machine_reason(automatic):
        return Reading(parsed, automatic)
    no_auto_reply, automatic = automatic, ""
    classification = services.classifier.classify(parsed.subject, parsed.new_text)
    answer, question = None, ""
    if (
        classification.intent == "faq"
        and not classification.needs_review
        and services.answerer is not None
    ):
        question = f"{parsed.subject}\n\n{parsed.new_text}".strip()
        answer = services.answerer.ask(question)
    return Reading(
        parsed, automatic, classification, answer, question,
        read_facts(parsed, services, classification.intent), no_auto_reply,
    )


def detect_automatic_mail(
    services: TriageServices, parsed: ParsedMail, envelope_from: str | None
) -> str:
    """Why the message is automatic (RFC 3834: never answered), or "" when a person wrote it."""
    if envelope_from == "":
        return "bounce (null return path)"  # RFC 5321 4.5.5
    if services.detect_automatic is None:
        return ""
    return (
        services.detect_automatic(
            parsed.header_map, subject=parsed.subject, from_addr=parsed.from_addr, body=parsed.text
        )
        or ""
    )


def read_facts(
    parsed: ParsedMail, services: TriageServices, intent: str | None = None
) -> dict[str, Any]:
    """The message's facts (``facts.extract_facts``) as a plain dict; {} if unavailable."""
    if services.extract_facts is None:
        return {}
    try:
        facts = services.extract_facts(parsed.subject, parsed.new_text, parsed.date,
                                       intent=intent, whole_body=parsed.text)
    except Exception:  # a facts bug must not stop the case opening; staff see no dates
        logger.exception("extract_facts failed")
        return {}
    return facts_as_dict(facts)
