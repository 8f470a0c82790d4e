"""``ats-helpdesk workdays``: ask the working-day calendar directly (staff checks)."""

from __future__ import annotations

from datetime import date

import click

from ats_helpdesk.cli.deadline import _calendar


def _date(value: str, hint: str) -> date:
    from ats_helpdesk.dates import parse_date_value
    from ats_helpdesk.workdays import london_date

    try:
        return london_date(parse_date_value(value))
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint=hint) from None


@click.group(name="workdays")
def workdays() -> None:
    """Working days in England and Wales (bank holidays and closure days skipped)."""


@workdays.command(name="add")
@click.argument("day", metavar="DATE")
@click.argument("n", type=int)
def add(day: str, n: int) -> None:
    """The N-th working day after DATE (a non-working DATE counts from the next working day)."""
    try:
        click.echo(_calendar().add_working_days(_date(day, "DATE"), n).isoformat())
    except (OverflowError, ValueError) as error:  # past year 9999
        raise click.BadParameter(f"out of the supported range ({error})", param_hint="N") from None


@workdays.command(name="between")
@click.argument("start", metavar="A")
@click.argument("end", metavar="B")
def between(start: str, end: str) -> None:
    """How many working days after A the date B is (the inverse of `add`)."""
    click.echo(str(_calendar().working_days_between(_date(start, "A"), _date(end, "B"))))


@workdays.command(name="holidays")
@click.argument("year", type=click.IntRange(1900, 2200))
def holidays(year: int) -> None:
    """Bank holidays in England and Wales and closure days in YEAR."""
    for day, name in _calendar().holidays(year).items():
        click.echo(f"{day.isoformat()}  {day:%a}  {name}")
