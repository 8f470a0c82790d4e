"""Cohort dates (``knowledge/cohorts.yaml``): what a rule uses when a member quotes none.

Where it sits: ``triage.py`` looks the sender up among the imported members, then
the member's cohort here, to fill ``programme_start`` (reasonable adjustment,
policy 3.1.1) and ``submission_deadline`` (extension, terms 5.6). Staff edit the
file; a bad value is reported with the cohort and field, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import yaml

from ats_helpdesk.dates import parse_date_value

COHORTS_FILE = "cohorts.yaml"


class CohortFileError(ValueError):
    """The cohorts file is malformed (the message names the item and field)."""


@dataclass(frozen=True)
class Cohort:
    cohort: int
    start: date | None
    submission_deadline: date | None

    def rule_facts(self) -> dict[str, date]:
        """Fact roles this cohort can supply to the rules (only the known dates)."""
        out = {}
        if self.start is not None:
            out["programme_start"] = self.start
        if self.submission_deadline is not None:
            out["submission_deadline"] = self.submission_deadline
        return out


def _date_field(item: dict[str, object], name: str, where: str) -> date | None:
    value = item.get(name)
    if value is None or isinstance(value, date):
        return value
    try:
        parsed = parse_date_value(str(value))
    except ValueError as error:
        raise CohortFileError(f"{where}: {name}: {error}") from error
    return parsed.date() if isinstance(parsed, datetime) else parsed


def load_cohorts(knowledge_dir: Path) -> dict[int, Cohort]:
    """Cohorts by number; an absent file means no cohort data (every case asks)."""
    path = knowledge_dir / COHORTS_FILE
    if not path.is_file():
        return {}
    items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(items, list):
        raise CohortFileError(f"{path}: expected a list of cohorts")
    out: dict[int, Cohort] = {}
    for index, item in enumerate(items, start=1):
        where = f"{path.name} item {index}"
        if not isinstance(item, dict) or not isinstance(item.get("cohort"), int):
            raise CohortFileError(f"{where}: cohort: expected an integer cohort number")
        number = item["cohort"]
        out[number] = Cohort(
            number,
            _date_field(item, "start", where),
            _date_field(item, "submission_deadline", where),
        )
    return out
