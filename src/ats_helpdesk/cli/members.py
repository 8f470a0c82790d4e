"""``ats-helpdesk members import FILE.csv``: load members (email, name, number, cohort)."""

from __future__ import annotations

import csv
from pathlib import Path

import click

from ats_helpdesk.config import Settings

COLUMNS = ("email", "name", "membership_number", "cohort")


class MemberFileError(ValueError):
    """A bad row: the message names the line and the field."""


@click.group()
def members() -> None:
    """Members: who writes in, their membership number and cohort."""


def read_members(path: Path) -> list:
    from ats_helpdesk.store.members import MemberRow

    rows = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in ("email",) if c not in (reader.fieldnames or [])]
        if missing:
            raise MemberFileError(f"{path}: line 1: missing column {missing[0]!r} "
                                  f"(columns: {', '.join(COLUMNS)})")
        seen: set[str] = set()
        for row in reader:
            line = reader.line_num
            email = (row.get("email") or "").strip().lower()
            if "@" not in email or " " in email or email.startswith("@") or email.endswith("@"):
                raise MemberFileError(f"{path}: line {line}: email: {email!r} is not an address")
            if email in seen:
                raise MemberFileError(f"{path}: line {line}: email: {email!r} appears twice")
            seen.add(email)
            cohort_text = (row.get("cohort") or "").strip()
            if cohort_text and not cohort_text.isdigit():
                raise MemberFileError(f"{path}: line {line}: cohort: {cohort_text!r} is not a "
                                      "cohort number")
            rows.append(MemberRow(
                email=email, name=(row.get("name") or "").strip(),
                membership_number=(row.get("membership_number") or "").strip() or None,
                cohort=int(cohort_text) if cohort_text else None,
            ))
    return rows


@members.command(name="import")
@click.argument("file", type=click.Path(path_type=Path))
def import_members(file: Path) -> None:
    """Add or update members from FILE.csv (columns: email, name, membership_number, cohort)."""
    from ats_helpdesk.store.db import make_engine, session_scope, upgrade_database
    from ats_helpdesk.store.members import upsert_members

    try:
        if not file.is_file():
            raise MemberFileError(f"{file}: no such file")
        rows = read_members(file)
    except (MemberFileError, UnicodeDecodeError, csv.Error) as error:
        click.echo(f"error: {error}", err=True)
        raise SystemExit(2) from None
    engine = make_engine(Settings())
    try:
        upgrade_database(engine=engine)
        with session_scope(engine) as session:
            added, updated = upsert_members(session=session, rows=rows)
    finally:
        engine.dispose()
    click.echo(f"{added} members added, {updated} updated")
