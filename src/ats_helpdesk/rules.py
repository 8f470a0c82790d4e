"""Deadline rules: dates in, a :class:`Decision` out.

Sits after fact extraction in the flow (facts -> **rules** -> reply). Every rule of
the "Deadline rules" table in DOMAIN.md is a pure function taking keyword-only
arguments named as the fields, plus ``calendar=`` (a ``workdays.Calendar``); date
arguments may be dates or date-times (date-times become Europe/London dates
first). Nothing here reads the clock, the environment or files.

Counting convention (DOMAIN.md): "N working days after D" rolls a non-working D
forward to day 0 (``Calendar.add_working_days``); "N weeks/months before/after D"
are calendar periods, months clamped to the month's end; "by X" is inclusive.

Triage calls rules from extracted facts through :data:`INTENT_RULES`:

==========================  ============  ==========================  ====================
case intent                 rule          facts it needs              the message date is
==========================  ============  ==========================  ====================
``objection``               objection     ``outcome_received``        ``form_received``
``extension_request``       extension     ``submission_deadline``     ``requested``
                                          (``unforeseen_event``: a
                                          claimed ground, default no)
``reasonable_adjustment``   adjustment    ``programme_start``         ``requested``
``appeal``                  appeal        ``panel_meeting``           (not used)
``appeal`` (AST review)     ast_review    ``decision_received``       ``requested``
==========================  ============  ==========================  ====================

:func:`decide_for_intent` picks the first rule of the intent whose facts are all
present, fills the message-date role when the facts did not give it, and returns
``None`` when no rule can be decided (staff then count by hand).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from ats_helpdesk.dates import add_months, parse_date_value
from ats_helpdesk.rule_wording import MONTHS, skipped_days, spell
from ats_helpdesk.workdays import Calendar, london_date

__all__ = [
    "CLAUSES", "INTENT_RULES", "MONTHS", "RULES", "Decision", "FieldError", "RuleSpec",
    "add_months", "adjustment", "appeal", "ast_review", "certificate", "decide_for_intent",
    "decide_from_fields", "extension", "objection", "rule_spec", "skipped_days", "spell",
    "technical_issues", "viva_result",
]  # fmt: skip

DateLike = date | datetime

CLAUSES = {
    "objection": "QTLS and ATS support policy (2024) 9.1",
    "extension": "ATS terms and conditions (2020) 5.5 and 5.6",
    "adjustment": "QTLS and ATS support policy (2024) 3.1.1",
    "appeal": "ATS terms and conditions (2020) 6.8",
    "ast_review": "AST booklet (2006) Annex D paragraphs 2 and 5",
    "technical_issues": "ATS terms and conditions (2020) 5.2.1",
    "viva_result": "ATS terms and conditions (2020) 6.2",
    "certificate": "ATS terms and conditions (2020) 6.3",
}


@dataclass(frozen=True)
class Decision:
    """What a rule decided: the dates it computed, whether the member was in time
    (``None`` where the rule has no such question or the date was not given), the
    clause it rests on and one sentence staff can paste into a reply."""

    rule: str
    dates: dict[str, date | None] = field(hash=False)
    in_time: bool | None
    clause: str
    explanation: str

    def as_json(self) -> dict[str, object]:
        """Flat JSON-ready fields, dates as ``YYYY-MM-DD`` (the ``--jsonl`` output)."""
        out: dict[str, object] = {"rule": self.rule}
        for name, value in self.dates.items():
            out[name] = value.isoformat() if value is not None else None
        out["in_time"] = self.in_time
        out["clause"] = self.clause
        out["explanation"] = self.explanation
        return out


# --- the rules of the DOMAIN table ----------------------------------------------------
def objection(
    *, outcome_received: DateLike, form_received: DateLike | None = None, calendar: Calendar
) -> Decision:
    """Policy 9.1: the form is due within 10 working days of the support outcome;
    ETF responds within 10 working days of receiving the form."""
    outcome = london_date(outcome_received)
    closes = calendar.add_working_days(outcome, 10)
    span = skipped_days(calendar, outcome, closes)
    if form_received is None:
        sentence = (
            f"You received the support outcome on {spell(outcome)}, so an objection form "
            f"must reach us within 10 working days, by {spell(closes)}{span}."
        )
        return _decision(
            "objection",
            {"window_closes": closes, "in_time": None, "response_due": None},
            None,
            sentence,
        )
    form = london_date(form_received)
    due = calendar.add_working_days(form, 10)
    in_time = form <= closes
    if in_time:
        sentence = (
            f"Your form reached us on {spell(form)}, within the 10 working days after "
            f"{spell(outcome)}, which end on {spell(closes)}{span}; we will respond in "
            f"writing by {spell(due)}{skipped_days(calendar, form, due)}."
        )
    else:
        sentence = (
            f"Your form reached us on {spell(form)}; the 10 working days after "
            f"{spell(outcome)} ended on {spell(closes)}{span}."
        )
    return _decision(
        "objection",
        {"window_closes": closes, "in_time": in_time, "response_due": due},
        in_time,
        sentence,
    )


def extension(
    *,
    submission_deadline: DateLike,
    requested: DateLike | None = None,
    unforeseen_event: bool = False,
    calendar: Calendar,
) -> Decision:
    """Terms 5.6: ask no later than six weeks before the deadline, or up to five
    working days after it when the same unforeseen event prevented an earlier
    request; terms 5.5: an extension ends at most three months after the deadline.

    ``late_request_by`` is always computed and reported; it decides ``in_time`` only
    when ``unforeseen_event`` is claimed."""
    deadline = london_date(submission_deadline)
    request_by = deadline - timedelta(weeks=6)
    late_by = calendar.add_working_days(deadline, 5)
    latest = add_months(deadline, 3)
    dates = {
        "request_by": request_by,
        "late_request_by": late_by,
        "latest_extended_deadline": latest,
    }
    six = f"six weeks before your submission deadline of {spell(deadline)}"
    late = f"{spell(late_by)}, five working days after the deadline"
    late += skipped_days(calendar, deadline, late_by)
    tail = f"; an extension can run to {spell(latest)} at the latest."
    if requested is None:
        sentence = (
            f"A request must reach us by {spell(request_by)}, {six}, or by {late} "
            f"where an unforeseen event prevented an earlier request{tail}"
        )
        return _decision("extension", dates, None, sentence)
    asked = london_date(requested)
    if asked <= request_by:
        in_time = True
        sentence = f"Your request of {spell(asked)} was made by {spell(request_by)}, {six}{tail}"
    elif unforeseen_event and asked <= late_by:
        in_time = True
        sentence = (
            f"Your request of {spell(asked)} came after {spell(request_by)} ({six}), "
            f"but as an unforeseen event prevented an earlier request it is in time "
            f"up to {late}{tail}"
        )
    elif unforeseen_event:
        in_time = False
        sentence = (
            f"Your request of {spell(asked)} came after {spell(request_by)} ({six}) "
            f"and after {late}, the limit when an unforeseen event prevented an "
            f"earlier request."
        )
    else:
        in_time = False
        sentence = (
            f"Your request of {spell(asked)} came after {spell(request_by)}, {six}; a "
            f"later request is possible only up to {late}, where an unforeseen event "
            f"prevented an earlier one."
        )
    return _decision("extension", {**dates, "in_time": in_time}, in_time, sentence)


def adjustment(
    *, programme_start: DateLike, requested: DateLike | None = None, calendar: Calendar
) -> Decision:
    """Policy 3.1.1: requests for reasonable adjustments at least one month before
    the programme is due to start."""
    start = london_date(programme_start)
    request_by = add_months(start, -1)
    month = f"one month before your programme starts on {spell(start)}"
    if requested is None:
        sentence = (
            f"Requests for reasonable adjustments should reach us by {spell(request_by)}, {month}."
        )
        return _decision("adjustment", {"request_by": request_by}, None, sentence)
    asked = london_date(requested)
    in_time = asked <= request_by
    word = "by" if in_time else "after"
    sentence = f"Your request of {spell(asked)} was made {word} {spell(request_by)}, {month}."
    return _decision(
        "adjustment", {"request_by": request_by, "in_time": in_time}, in_time, sentence
    )


def appeal(*, panel_meeting: DateLike, calendar: Calendar) -> Decision:
    """Terms 6.8: the member is told the outcome within three working days of the panel."""
    met = london_date(panel_meeting)
    due = calendar.add_working_days(met, 3)
    sentence = (
        f"The appeal panel meets on {spell(met)}, and you will be told its outcome "
        f"within three working days, by {spell(due)}{skipped_days(calendar, met, due)}."
    )
    return _decision("appeal", {"outcome_due": due}, None, sentence)


def ast_review(
    *, decision_received: DateLike, requested: DateLike | None = None, calendar: Calendar
) -> Decision:
    """AST booklet Annex D 2 and 5: apply within 40 working days of receiving the
    assessor's decision; the Review Officer decides within 40 working days of
    receiving the application."""
    received = london_date(decision_received)
    request_by = calendar.add_working_days(received, 40)
    span = skipped_days(calendar, received, request_by)
    if requested is None:
        sentence = (
            f"You received the assessor's decision on {spell(received)}, so an "
            f"application for review must reach the Review Co-ordinator within 40 "
            f"working days, by {spell(request_by)}{span}."
        )
        return _decision(
            "ast_review",
            {"request_by": request_by, "in_time": None, "decision_due": None},
            None,
            sentence,
        )
    asked = london_date(requested)
    due = calendar.add_working_days(asked, 40)
    in_time = asked <= request_by
    if in_time:
        sentence = (
            f"Your application for review reached us on {spell(asked)}, within the 40 "
            f"working days after {spell(received)}, which end on {spell(request_by)}"
            f"{span}; the Review Officer will decide by {spell(due)}"
            f"{skipped_days(calendar, asked, due)}."
        )
    else:
        sentence = (
            f"Your application for review reached us on {spell(asked)}; the 40 working "
            f"days after {spell(received)} ended on {spell(request_by)}{span}."
        )
    return _decision(
        "ast_review",
        {"request_by": request_by, "in_time": in_time, "decision_due": due},
        in_time,
        sentence,
    )


def technical_issues(
    *, submission_deadline: DateLike, identified: DateLike | None = None, calendar: Calendar
) -> Decision:
    """Terms 5.2.1: technical issues are a ground for extension only when identified
    *more than* five working days before the deadline, i.e. on or before
    ``identified_by`` = the sixth working day before it (a non-working deadline counts
    from the working day before it)."""
    deadline = london_date(submission_deadline)
    identified_by = calendar.add_working_days(deadline, -6)
    rule = f"more than five working days before your submission deadline of {spell(deadline)}"
    span = skipped_days(calendar, identified_by, deadline)
    if identified is None:
        sentence = (
            f"Technical issues count as a ground only if identified by {spell(identified_by)}, "
            f"{rule}{span}."
        )
        return _decision("technical_issues", {"identified_by": identified_by}, None, sentence)
    seen = london_date(identified)
    in_time = seen <= identified_by
    word = "by" if in_time else "after"
    sentence = (
        f"The technical issues were identified on {spell(seen)}, {word} "
        f"{spell(identified_by)}, the last day {rule}{span}."
    )
    return _decision(
        "technical_issues", {"identified_by": identified_by, "in_time": in_time}, in_time, sentence
    )


def viva_result(*, viva: DateLike, calendar: Calendar | None = None) -> Decision:
    """Terms 6.2: the result is emailed within four weeks of the viva."""
    held = london_date(viva)
    due = held + timedelta(weeks=4)
    sentence = f"Your viva was on {spell(held)}, so your result will be emailed by {spell(due)}."
    return _decision("viva_result", {"result_due": due}, None, sentence)


def certificate(*, awarded: DateLike, calendar: Calendar | None = None) -> Decision:
    """Terms 6.3: electronic certificate within two weeks of the award, hard copy
    within three months."""
    day = london_date(awarded)
    electronic, hard_copy = day + timedelta(weeks=2), add_months(day, 3)
    sentence = (
        f"You were awarded ATS on {spell(day)}, so your electronic certificate will "
        f"be emailed by {spell(electronic)} and the hard copy posted by "
        f"{spell(hard_copy)}."
    )
    return _decision(
        "certificate", {"electronic_due": electronic, "hard_copy_due": hard_copy}, None, sentence
    )


def _decision(
    rule: str, values: Mapping[str, object], in_time: bool | None, sentence: str
) -> Decision:
    dates = {k: v for k, v in values.items() if k != "in_time"}
    return Decision(rule, dates, in_time, CLAUSES[rule], sentence)  # type: ignore[arg-type]


# --- what each rule takes: one table for the CLI and for triage ----------------------
@dataclass(frozen=True)
class RuleSpec:
    """A rule's function and its fields (the CLI's ``--jsonl`` keys and options)."""

    name: str
    decide: Callable[..., Decision]
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()  # boolean fields, default False
    outputs: tuple[str, ...] = ()
    message_date_role: str | None = None  # filled from the message date in triage

    @property
    def fields(self) -> tuple[str, ...]:
        return self.required + self.optional + self.flags


# The five rules the CLI exposes. `requested` is required for extension and
# adjustment (the issue gives their `in_time` unconditionally) and optional for
# objection/ast_review, whose `in_time` is null without it.
RULES: dict[str, RuleSpec] = {
    "objection": RuleSpec(
        "objection",
        objection,
        ("outcome_received",),
        ("form_received",),
        outputs=("window_closes", "in_time", "response_due"),
        message_date_role="form_received",
    ),
    "extension": RuleSpec(
        "extension",
        extension,
        ("submission_deadline", "requested"),
        (),
        ("unforeseen_event",),
        outputs=("request_by", "late_request_by", "latest_extended_deadline", "in_time"),
        message_date_role="requested",
    ),
    "adjustment": RuleSpec(
        "adjustment",
        adjustment,
        ("programme_start", "requested"),
        outputs=("request_by", "in_time"),
        message_date_role="requested",
    ),
    "appeal": RuleSpec("appeal", appeal, ("panel_meeting",), outputs=("outcome_due",)),
    "ast_review": RuleSpec(
        "ast_review",
        ast_review,
        ("decision_received",),
        ("requested",),
        outputs=("request_by", "in_time", "decision_due"),
        message_date_role="requested",
    ),
}

# Case intent -> the rules that may decide it, tried in order (see module docstring).
INTENT_RULES: dict[str, tuple[RuleSpec, ...]] = {
    "objection": (RULES["objection"],),
    "extension_request": (RULES["extension"],),
    "reasonable_adjustment": (RULES["adjustment"],),
    "appeal": (RULES["appeal"], RULES["ast_review"]),
}


def decide_for_intent(
    intent: str,
    *,
    facts: Mapping[str, DateLike | bool | None],
    message_date: DateLike | None,
    calendar: Calendar,
) -> Decision | None:
    """Apply the first rule of ``intent`` whose needed facts are present.

    ``facts`` maps fact roles (``outcome_received``, ``submission_deadline``, ...,
    ``unforeseen_event``) to values; the rule's message-date role (e.g. an
    objection's ``form_received``) defaults to ``message_date``. Returns ``None``
    for intents without a rule or when a needed fact is missing."""
    for spec in INTENT_RULES.get(intent, ()):
        values = {k: facts[k] for k in spec.fields if facts.get(k) is not None}
        role = spec.message_date_role
        if role and role not in values and message_date is not None:
            values[role] = message_date
        if all(k in values for k in spec.required):
            return spec.decide(**values, calendar=calendar)
    return None


class FieldError(ValueError):
    """A rule's input is wrong; ``field`` names the offending field (or ``rule``)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


def rule_spec(name: str) -> RuleSpec:
    """The rule called ``name`` (``ast_review`` or ``ast-review``), else :class:`FieldError`."""
    spec = RULES.get(name.replace("-", "_")) if isinstance(name, str) else None
    if spec is None:
        known = ", ".join(RULES)
        raise FieldError("rule", f"unknown rule {name!r}; expected one of {known}")
    return spec


def decide_from_fields(rule: str, values: Mapping[str, object], *, calendar: Calendar) -> Decision:
    """Validate raw field values (text dates, JSON booleans) and apply the rule.

    Unknown fields, missing required fields, unparseable dates (``2025-02-31``)
    and non-boolean flags raise :class:`FieldError` naming the field. ``None``
    counts as absent."""
    spec = rule_spec(rule)
    for key in values:
        if key not in spec.fields:
            raise FieldError(
                key, f"unknown field for rule {spec.name} (its fields: {', '.join(spec.fields)})"
            )
    kwargs: dict[str, object] = {}
    for key in spec.required + spec.optional:
        raw = values.get(key)
        if raw is None:
            if key in spec.required:
                raise FieldError(key, f"missing (rule {spec.name} needs {key!r})")
            continue
        if not isinstance(raw, str):
            raise FieldError(key, f"expected a date as text, got {raw!r}")
        try:
            kwargs[key] = parse_date_value(raw)
        except ValueError as error:
            raise FieldError(key, str(error)) from None
    for key in spec.flags:
        raw = values.get(key)
        if raw is None:
            continue
        if not isinstance(raw, bool):
            raise FieldError(key, f"expected true or false, got {raw!r}")
        kwargs[key] = raw
    try:
        return spec.decide(**kwargs, calendar=calendar)
    except (OverflowError, ValueError) as error:  # e.g. 9999-12-31 + 3 working days
        raise FieldError(
            spec.required[0], f"a date is out of the supported range ({error})"
        ) from None
