"""Start-up: build the triage services (model, answerer, calendar, templates) once.

Where it sits: at the edge. ``serve``, ``triage`` and the worker processes call
``load_services(settings)``; the result is passed into ``triage.triage_message``.
Stages written by other modules (facts, guards) are used when present, so that a
missing one degrades triage (no dates, no auto-reply detection) instead of failing.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from ats_helpdesk.cohorts import load_cohorts
from ats_helpdesk.config import Settings
from ats_helpdesk.content import Content, find_content
from ats_helpdesk.mail.outbound import ReplyRenderer
from ats_helpdesk.reading import TriageServices
from ats_helpdesk.workdays import load_calendar

logger = logging.getLogger(__name__)


def _optional(module: str, name: str) -> Any:
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        logger.warning("%s.%s is not available; triage runs without it", module, name)
        return None


def _load_answerer(content: Content, settings: Settings) -> Any:
    """The FAQ answerer, or None when it cannot load: mail is then still stored and
    triaged (questions become cases for staff), and the error is logged loudly."""
    from ats_helpdesk.answer import Answerer

    try:
        return Answerer.from_content(content, threshold=settings.faq_threshold)
    except Exception:
        logger.exception("the FAQ answerer failed to load; questions will go to staff")
        return None


def load_services(settings: Settings, content: Content | None = None) -> TriageServices:
    from ats_helpdesk.classify import IntentModel

    content = content or find_content(settings.content_dir)
    return TriageServices(
        settings=settings,
        renderer=ReplyRenderer(content.templates),
        calendar=load_calendar(content),
        classifier=IntentModel.load_or_train(content, settings.data_dir / "models"),
        answerer=_load_answerer(content, settings),
        cohorts=load_cohorts(content.knowledge),
        extract_facts=_optional("ats_helpdesk.facts", "extract_facts"),
        detect_automatic=_optional("ats_helpdesk.mail.guards", "detect_automatic"),
    )
