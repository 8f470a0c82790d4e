"""Facts in a member's message: dates and their roles, grounds, needs, numbers.

Sits after classification and before the deadline rules: a case needs the
dates a rule counts from (``submission_deadline``, ``outcome_received``,
``programme_start``, ``panel_meeting``, ``decision_received``, ...), the
extension ground (terms 5.2.1-5.2.5), the adjustment need (policy 3.1.1, s.7)
and the membership number to find the member. Dates come from
``facts_dates.find_dates``; a date's role is read from the words around it in
its sentence; a date with no such words is ``unknown`` (staff decide).

Membership numbers: SET membership numbers are taken to be 6 to 8 digits
(optionally written with a "SET" prefix, e.g. "SET-1234567"), recognised only
after a cue such as "membership number", "member no.", "SET no." or
"SET ID", so that phone numbers and dates are never mistaken for one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from ats_helpdesk.facts_dates import find_dates
from ats_helpdesk.mail.guards import detect_automatic
from ats_helpdesk.workdays import london_date

__all__ = ["DATE_ROLES", "DatedFact", "Facts", "extract_facts"]

DATE_ROLES = (
    "submission_deadline",
    "outcome_received",
    "decision_received",
    "programme_start",
    "viva",
    "panel_meeting",
    "event_date",
    "unknown",
)

_W = r"[^.\n?!]{0,60}?"  # words between a cue and its date, within one sentence
# Checked in order; the first cue found in the date's sentence before it (then after it) wins.
_ROLE_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "panel_meeting",
        re.compile(
            r"\bpanel\b" + _W + r"\b(?:meet|meeting|met|sit|hearing|convene)"
            r"|\b(?:meet|meeting|hearing)\w*" + _W + r"\bpanel\b",
            re.I,
        ),
    ),
    ("viva", re.compile(r"\bviva\b|\bprofessional\s+discussion\b", re.I)),
    (
        "decision_received",
        re.compile(
            r"\b(?:assessor'?s?|ast)\b"
            + _W
            + r"\bdecision\b|\bdecision\b"
            + _W
            + r"\b(?:assessor|certif)\w*",
            re.I,
        ),
    ),
    (
        "outcome_received",
        re.compile(
            r"\b(?:outcome|result|results|decision|not\s+(?:been\s+)?awarded|referred|unsuccessful"
            r"|feedback\s+(?:letter|report)|told\s+I\s+(?:had|have)\s+not|heard\s+I)\b",
            re.I,
        ),
    ),
    (
        "submission_deadline",
        re.compile(
            r"\b(?:deadline|due|submit\w*|submission|hand\s+in|hand-in|cut-?off|extend\w*\s+(?:to|until)"
            r"|extension\s+(?:to|until)|complete\s+(?:it|the\s+portfolio)\s+by)\b",
            re.I,
        ),
    ),
    (
        "programme_start",
        re.compile(
            r"\b(?:start\w*|begin\w*|began|commenc\w*|induction|cohort\s+\d+\s+(?:starts|begins)"
            r"|first\s+webinar|introductory\s+webinar)\b",
            re.I,
        ),
    ),
    (
        "event_date",
        re.compile(
            r"\b(?:died|passed\s+away|funeral|accident|operation|surgery|admitted|hospital\w*"
            r"|diagnos\w*|fire|flood\w*|crash\w*|broke|stolen|burgl\w*|happened|stroke|heart\s+attack"
            r"|made\s+redundant|redundancy|signed\s+off|inspection|ofsted|laptop|computer)\b",
            re.I,
        ),
    ),
)

_MEMBERSHIP = re.compile(
    r"\b(?:set\s+)?(?:membership|member|set)\s*(?:number|no\.?|num\.?|#|id|ref(?:erence)?)\s*"
    r"(?:is|:|=|-)?\s*(?:set[-\s]?)?(?P<number>\d{6,8})\b"
    r"|\bSET[-\s]?(?P<prefixed>\d{6,8})\b",
    re.I,
)

# Terms 5.2: the grounds an extension may be granted on. Checked in this order,
# so a bereavement that also mentions illness is a bereavement.
_GROUNDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "bereavement",
        re.compile(
            r"\b(?:(?:mum|mother|dad|father|husband|wife|partner|son|daughter|brother|sister|gran\w*"
            r"|nan|grandad|grandpa|uncle|aunt\w*|cousin|friend|he|she|who)\s+(?:has\s+|had\s+|sadly\s+)?"
            r"died|passed\s+away|bereave\w*|funeral|death\s+of|lost\s+my\s+(?:mum|mother|dad|father"
            r"|husband|wife|partner|son|daughter|brother|sister|gran\w*|nan|baby)|grie(?:f|ving))\b",
        ),
    ),
    (
        "illness",
        re.compile(
            r"\b(?:ill|illness|unwell|sick|sickness|hospital\w*|surgery|operation|diagnos\w*|covid"
            r"|flu|pneumonia|cancer|chemo\w*|signed\s+off|fit\s+note|sick\s+note|medical|injur\w*"
            r"|broken\s+(?:arm|leg|wrist|ankle)|stroke|heart\s+attack|long\s+covid|treatment)\b",
        ),
    ),
    (
        "technical",
        re.compile(
            r"\b(?:laptop|computer|pc|hard\s+drive|drive\s+failed|crash\w*|corrupt\w*|technical"
            r"|software|upload\w*|not\s+saving|losing\s+what|lost\s+(?:my\s+)?(?:work|files|data)"
            r"|e-?portfolio\s+(?:is\s+)?(?:down|not\s+working|keeps)|it\s+(?:issue|problem|fault)s?"
            r"|server|system\s+(?:error|failure)|hacked|ransomware|cyber)\b",
        ),
    ),
    (
        "employment",
        re.compile(
            r"\b(?:new\s+(?:job|role|post|employer)|redundan\w*|restructur\w*|changed\s+jobs?"
            r"|change\s+of\s+(?:job|employer|role)|lost\s+my\s+job|contract\s+(?:ended|ending)"
            r"|promot\w*|made\s+redundant|started\s+(?:a\s+)?(?:new\s+)?(?:job|role|post)"
            r"|workload|timetable\s+change)\b",
        ),
    ),
    (
        "disruption",
        re.compile(
            r"\b(?:flood\w*|fire|storm|ofsted|inspection|strike|moving\s+house|house\s+move|burgl\w*"
            r"|carer|caring\s+for|family\s+emergency|evacuat\w*|power\s+cut|pandemic|lockdown"
            r"|closed|closure|relocat\w*)\b",
        ),
    ),
)

# Policy 3.1.1 and s.7: what the adjustment is for.
_NEEDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "specific_learning_difficulty",
        re.compile(
            r"\b(?:dyslexi\w*|dyspraxi\w*|dyscalculi\w*|dysgraphi\w*|spld|specific\s+learning"
            r"\s+difficult\w*|processing\s+(?:speed|difficult\w*))\b",
        ),
    ),
    (
        "visual",
        re.compile(
            r"\b(?:blind|visual(?:ly)?\s+impair\w*|partially\s+sighted|sight\s+(?:loss|impair\w*)"
            r"|low\s+vision|screen\s+reader|jaws|nvda|large\s+print|magnif\w*|glaucoma|macular)\b",
        ),
    ),
    (
        "hearing",
        re.compile(
            r"\b(?:deaf\w*|hard\s+of\s+hearing|hearing\s+(?:loss|impair\w*|aids?)|bsl|british\s+sign"
            r"|sign\s+language|captions?|subtitles?|lip[-\s]?read\w*|cochlear|tinnitus)\b",
        ),
    ),
    (
        "mobility",
        re.compile(
            r"\b(?:wheelchair|mobility|crutches|walking\s+(?:stick|frame|aid)|step[-\s]free|stairs"
            r"|lift\s+access|ground[-\s]floor|arthritis|ms\b|multiple\s+sclerosis|can(?:not|'t)\s+walk"
            r"|accessible\s+(?:toilet|parking|room))\b",
        ),
    ),
    (
        "mental_health",
        re.compile(
            r"\b(?:anxiety|anxious|depress\w*|mental\s+health|ptsd|panic\s+attacks?|bipolar|ocd"
            r"|stress(?:-related)?\s+(?:disorder|condition)|counsell\w*|eating\s+disorder)\b",
        ),
    ),
)


@dataclass(frozen=True)
class DatedFact:
    date: date
    role: str
    text: str  # the words as written ("next Friday", "14/4/2025")


@dataclass(frozen=True)
class Facts:
    dates: tuple[DatedFact, ...] = ()
    membership_number: str | None = None
    extension_ground: str | None = None
    adjustment_need: str | None = None
    automatic: str | None = None
    # role -> the first date with that role ("unknown" left out): the names are the
    # rules' keyword arguments (outcome_received, submission_deadline, ...), so
    # case_dates.rule_facts finds them under "roles".
    roles: dict[str, date] = field(default_factory=dict)

    def date_for(self, role: str) -> date | None:
        """The first date with this role, if the text gave one."""
        return self.roles.get(role)

    def to_json(self) -> dict[str, object]:
        return {
            "dates": [
                {"date": d.date.isoformat(), "role": d.role, "text": d.text} for d in self.dates
            ],
            "membership_number": self.membership_number,
            "extension_ground": self.extension_ground,
            "adjustment_need": self.adjustment_need,
            "automatic": self.automatic,
            "roles": {role: value.isoformat() for role, value in self.roles.items()},
        }


def extract_facts(
    subject: str,
    text: str,
    sent_at: datetime | None,
    *,
    intent: str | None = None,
    headers: Mapping[str, str] | None = None,
    from_addr: str = "",
    whole_body: str | None = None,
) -> Facts:
    """Facts from the subject and the member's new text (``mail.quotes.extract_new_text``).

    ``whole_body`` (the body before quotes and signature were cut) is searched for the
    membership number when the new text has none: members put it in their signature.

    ``sent_at`` is the message's Date (relative dates resolve against its London
    day). With ``intent``, an extension request without a recognised ground gets
    ``"other"`` (and likewise an adjustment need). With ``headers``, ``automatic``
    is the loop guard's reason (``mail.guards.detect_automatic``).
    """
    full = f"{subject}\n{text}"
    sent_on = london_date(sent_at) if sent_at is not None else None
    found_dates = find_dates(full, sent_on)
    previous_ends = [0, *(f.end for f in found_dates)][: len(found_dates)]
    dates = tuple(
        DatedFact(found.value, _role_of(full, found.start, found.end, after_prev), found.text)
        for found, after_prev in zip(found_dates, previous_ends, strict=True)
    )
    lower = full.lower()  # the ground and need patterns are lower-case (faster than re.I)
    ground = _first_label(_GROUNDS, lower)
    need = _first_label(_NEEDS, lower)
    if intent == "extension_request" and ground is None:
        ground = "other"
    if intent == "reasonable_adjustment" and need is None:
        need = "other"
    automatic = None
    if headers is not None:
        automatic = detect_automatic(headers, subject=subject, from_addr=from_addr, body=text)
    roles: dict[str, date] = {}
    for dated in dates:
        if dated.role != "unknown":
            roles.setdefault(dated.role, dated.date)
    number = _membership_number(full)
    if number is None and whole_body:
        number = _membership_number(whole_body)
    return Facts(dates, number, ground, need, automatic, roles)


def _role_of(text: str, start: int, end: int, previous_end: int) -> str:
    """The role named by the nearest cue in the date's sentence, before it, then after it."""
    sentence_start = max(previous_end, *(text.rfind(c, 0, start) + 1 for c in ".\n?!;"))
    ends = [i for i in (text.find(c, end) for c in ".\n?!;") if i >= 0]
    before = text[max(sentence_start, start - 120) : start]
    after = text[end : min(min(ends) if ends else len(text), end + 80)]
    for window in (before, after):
        best: tuple[int, str] | None = None
        for role, pattern in _ROLE_CUES:
            for match in pattern.finditer(window):
                # Nearest cue to the date wins within a window; ties go to the earlier role.
                distance = len(window) - match.end() if window is before else match.start()
                if best is None or distance < best[0]:
                    best = (distance, role)
        if best is not None:
            return best[1]
    return "unknown"


def _membership_number(text: str) -> str | None:
    match = _MEMBERSHIP.search(text)
    if match is None:
        return None
    return match["number"] or match["prefixed"]


def _first_label(cues: tuple[tuple[str, re.Pattern[str]], ...], text: str) -> str | None:
    return next((label for label, pattern in cues if pattern.search(text)), None)
