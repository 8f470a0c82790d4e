"""``ats-helpdesk user ...``: staff accounts for the web app (add, list, disable, enable).

Thin: parse options, call ``store.accounts``, print. The password comes from a
hidden prompt (asked twice) or, for scripts, from the first line of stdin with
``--password-stdin``; it is never an argument, so it stays out of shell history
and the process list.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click

from ats_helpdesk.config import Settings


def _session(settings: Settings):  # type: ignore[no-untyped-def]
    from sqlmodel import Session

    from ats_helpdesk.store.db import make_engine

    return Session(make_engine(settings))


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


@click.group(name="user")
def user() -> None:
    """Manage staff accounts for the web app."""


@user.command(name="add")
@click.argument("email")
@click.option("--role", type=click.Choice(["agent", "admin"]), default="agent", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin's first line.")
def add(email: str, role: str, password_stdin: bool) -> None:
    """Add an account for EMAIL (password from a prompt, or --password-stdin)."""
    from ats_helpdesk.store.accounts import AccountError, check_password, create_user
    from ats_helpdesk.web.security import hash_password

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        check_password(password)
        with _session(Settings()) as session:
            account = create_user(
                session=session,
                email=email,
                password_hash=hash_password(password),
                role=role,
                now=datetime.now(UTC),
            )
    except AccountError as error:
        _fail(str(error))
        return
    click.echo(f"added {account.email} ({account.role})")


@user.command(name="list")
def list_() -> None:
    """List accounts: e-mail, role, active."""
    from ats_helpdesk.store.accounts import list_users

    with _session(Settings()) as session:
        accounts = list_users(session=session)
    for account in accounts:
        state = "active" if account.active else "disabled"
        click.echo(f"{account.email}\t{account.role}\t{state}")
    if not accounts:
        click.echo("no accounts yet: ats-helpdesk user add EMAIL --role admin", err=True)


def _set_active(email: str, active: bool) -> None:
    from ats_helpdesk.store.accounts import AccountError, set_active

    try:
        with _session(Settings()) as session:
            account = set_active(session=session, email=email, active=active)
    except AccountError as error:
        _fail(str(error))
        return
    click.echo(f"{'enabled' if active else 'disabled'} {account.email}")


@user.command(name="disable")
@click.argument("email")
def disable(email: str) -> None:
    """Disable EMAIL's account (signs it out at once; its history is kept)."""
    _set_active(email, False)


@user.command(name="enable")
@click.argument("email")
def enable(email: str) -> None:
    """Enable EMAIL's account again."""
    _set_active(email, True)
