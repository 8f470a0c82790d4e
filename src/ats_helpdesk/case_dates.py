"""Case dates: from a message's facts (else the member's cohort) to the rule's decision.

Where it sits: ``triage.py`` calls ``decide_case_dates`` when it opens a case, and
again when a member's reply on a case that was missing a date brings one. It asks
``rules.decide_for_intent`` with the facts found in the message; when those lack a
needed date it adds what the member's cohort knows (``knowledge/cohorts.yaml``,
members from ``ats-helpdesk members import``); when there is still no decision for
an intent that has a rule, the case is marked as needing the date.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from ats_helpdesk.cohorts import Cohort
from ats_helpdesk.rules import INTENT_RULES, Decision, decide_for_intent
from ats_helpdesk.store.cases import CaseDates
from ats_helpdesk.workdays import Calendar, london_date

# The date staff work to, per rule: the queue sorts on it (``case.due_date``).
# For extensions and adjustments that is the member's own date (the portfolio is due,
# the programme starts): the request's "ask by" date has usually passed when the
# request arrives, and sorting on it would show every late request as long overdue.
MAIN_FACT = {
    "extension": "submission_deadline",
    "adjustment": "programme_start",
}
MAIN_DATE = {
    "objection": ("response_due", "window_closes"),
    "extension": ("request_by", "late_request_by", "latest_extended_deadline"),
    "adjustment": ("request_by",),
    "appeal": ("outcome_due",),
    "ast_review": ("decision_due", "request_by"),
}


def facts_as_dict(facts: object) -> dict[str, Any]:
    """Whatever ``facts.extract_facts`` returned, as a plain dict (dataclass or pydantic)."""
    if facts is None:
        return {}
    if isinstance(facts, Mapping):
        return dict(facts)
    if hasattr(facts, "to_json"):  # facts.Facts: dates as a list of {date, role, text}
        out = dict(facts.to_json())
        roles: dict[str, date] = {}
        for found in getattr(facts, "dates", ()):
            roles.setdefault(found.role, found.date)  # the first date of each role
        out["roles"] = roles
        return out
    if hasattr(facts, "model_dump"):
        return dict(facts.model_dump())
    if dataclasses.is_dataclass(facts) and not isinstance(facts, type):
        return {f.name: getattr(facts, f.name) for f in dataclasses.fields(facts)}
    return {}


def rule_facts(facts: Mapping[str, Any]) -> dict[str, date | datetime | bool]:
    """The fact roles the rules take (dates and the unforeseen-event flag), found at the
    top level or under a ``dates``/``roles`` mapping."""
    wanted = {name for specs in INTENT_RULES.values() for spec in specs for name in spec.fields}
    found: dict[str, date | datetime | bool] = {}
    for source in (facts, facts.get("roles"), facts.get("dates")):
        if not isinstance(source, Mapping):
            continue
        for name in wanted:
            value = source.get(name)
            if isinstance(value, date | bool) and name not in found:
                found[name] = value
    return found


def jsonable(value: Any) -> Any:
    """Facts as JSON for the case row (dates as ISO strings, tuples as lists)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(facts_as_dict(value))
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def main_date(decision: Decision, facts: Mapping[str, Any] | None = None) -> date | None:
    """The date staff must act by: see ``MAIN_FACT`` and ``MAIN_DATE``."""
    fact = (facts or {}).get(MAIN_FACT.get(decision.rule, ""))
    if isinstance(fact, datetime):
        return london_date(fact)
    if isinstance(fact, date):
        return fact
    for name in MAIN_DATE.get(decision.rule, ()):
        value = decision.dates.get(name)
        if value is not None:
            return value
    dated = [d for d in decision.dates.values() if d is not None]
    return min(dated) if dated else None


def decide_case_dates(
    *,
    intent: str,
    facts: Mapping[str, Any],
    message_date: date | datetime | None,
    cohort: Cohort | None,
    calendar: Calendar,
) -> tuple[CaseDates, str | None]:
    """The case's dates and where they came from ("message", "cohort" or None)."""
    if intent not in INTENT_RULES:
        return CaseDates(), None
    known = rule_facts(facts)
    source = "message"
    decision = decide_for_intent(intent, facts=known, message_date=message_date, calendar=calendar)
    if decision is None and cohort is not None:
        known = {**cohort.rule_facts(), **known}
        decision = decide_for_intent(
            intent, facts=known, message_date=message_date, calendar=calendar
        )
        source = "cohort"
    if decision is None:
        return CaseDates(needs_date=True), None
    return (
        CaseDates(
            rule=decision.rule,
            dates=dict(decision.dates),
            due_date=main_date(decision, known),
            in_time=decision.in_time,
            clause=decision.clause,
            explanation=decision.explanation,
        ),
        source,
    )
