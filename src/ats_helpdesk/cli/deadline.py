"""``ats-helpdesk deadline``: apply one deadline rule, or a JSON-lines file of them.

Thin: options -> ``rules.decide_from_fields`` -> text or JSON. Kept free of heavy
imports (no settings, no pydantic) so 10,000 ``--jsonl`` lines take well under the
2 seconds issue 2 allows (see bench/bench_deadline.py).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import IO

import click

# Mirrors rules.RULES; kept literal so --help does not import the rules.
RULE_NAMES = ("objection", "extension", "adjustment", "appeal", "ast-review")
DATE_FIELDS = (
    "outcome_received", "form_received", "submission_deadline", "requested",
    "programme_start", "panel_meeting", "decision_received",
)  # fmt: skip


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


def _calendar():  # -> workdays.Calendar
    """Bank holidays plus the closure days of the content folder in use."""
    from ats_helpdesk.content import find_content
    from ats_helpdesk.workdays import load_calendar

    # ATS_CONTENT_DIR is read here, at the edge, without building the full Settings.
    configured = os.environ.get("ATS_CONTENT_DIR")
    content = find_content(Path(configured) if configured else None)
    return load_calendar(content)


def _with_date_options(command):  # type: ignore[no-untyped-def]
    for name in reversed(DATE_FIELDS):
        command = click.option(
            _option(name),
            name,
            metavar="DATE",
            default=None,
            help=f"{name.replace('_', ' ').capitalize()}: YYYY-MM-DD or ISO date-time.",
        )(command)
    return command


@click.command(name="deadline")
@click.argument("rule", required=False, metavar="RULE")
@_with_date_options
@click.option(
    "--unforeseen-event",
    "unforeseen_event",
    is_flag=True,
    default=False,
    help="Extension: the same unforeseen event prevented an earlier request.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option(
    "--jsonl",
    "jsonl",
    metavar="FILE",
    default=None,
    help="Answer a JSON-lines file of cases ('-' for stdin), one line out per line in.",
)
def deadline(rule: str | None, as_json: bool, jsonl: str | None, **fields: object) -> None:
    """Apply deadline RULE (objection, extension, adjustment, appeal, ast-review).

    \b
    Examples:
      ats-helpdesk deadline objection --outcome-received 2025-04-14 --form-received 2025-04-29
      ats-helpdesk deadline extension --submission-deadline 2025-06-30 \\
          --requested 2025-06-27 --unforeseen-event --json
      ats-helpdesk deadline --jsonl cases.jsonl
    """
    from ats_helpdesk.rules import FieldError, decide_from_fields

    if jsonl is not None:
        if rule is not None or as_json or any(v for v in fields.values()):
            raise click.UsageError("--jsonl takes no RULE or field options")
        failures = _answer_lines(jsonl)
        if failures:
            sys.exit(2)
        return
    if rule is None:
        raise click.UsageError(f"missing RULE (one of {', '.join(RULE_NAMES)}) or --jsonl FILE")
    values = {k: v for k, v in fields.items() if v not in (None, False)}
    try:
        decision = decide_from_fields(rule, values, calendar=_calendar())
    except FieldError as error:
        where = "RULE" if error.field == "rule" else _option(error.field)
        raise click.BadParameter(str(error), param_hint=where) from None
    if as_json:
        click.echo(json.dumps(decision.as_json(), indent=2))
        return
    click.echo(f"{decision.rule.replace('_', '-')} ({decision.clause})")
    for name, value in decision.as_json().items():
        if name not in ("rule", "clause", "explanation"):
            shown = {True: "yes", False: "no", None: "-"}.get(value, value)  # type: ignore[arg-type]
            click.echo(f"  {name}: {shown}")
    click.echo(decision.explanation)


def _answer_lines(path: str) -> int:
    """Answer every line; a bad line gets an ``error`` field (and a note on stderr).
    Returns how many lines failed."""
    from ats_helpdesk.rules import FieldError, decide_from_fields

    calendar = _calendar()
    failures = 0
    out: list[str] = []
    try:
        stream: IO[str] = sys.stdin if path == "-" else open(path, encoding="utf-8-sig")  # noqa: SIM115
    except OSError as error:
        raise click.BadParameter(str(error), param_hint="--jsonl") from None
    with stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            ident: object = None
            try:
                try:
                    record = json.loads(line)
                except ValueError as error:
                    raise FieldError("line", f"not a JSON object ({error})") from None
                if not isinstance(record, dict):
                    raise FieldError("line", "not a JSON object")
                ident = record.pop("id", None)
                if "rule" not in record:
                    raise FieldError("rule", "missing")
                rule = record.pop("rule")
                answer = {
                    "id": ident,
                    **decide_from_fields(rule, record, calendar=calendar).as_json(),
                }
            except FieldError as error:
                failures += 1
                message = f"line {number}: field {error.field!r}: {error}"
                if error.field == "line":
                    message = f"line {number}: {error}"
                click.echo(message, err=True)
                answer = {"id": ident, "line": number, "field": error.field, "error": message}
            out.append(json.dumps(answer))
            if len(out) >= 1000:
                sys.stdout.write("\n".join(out) + "\n")
                out.clear()
    if out:
        sys.stdout.write("\n".join(out) + "\n")
    sys.stdout.flush()
    return failures
