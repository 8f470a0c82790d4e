"""``ats-helpdesk intents check``: validate the labelled emails in ``intents/``."""

from __future__ import annotations

import click


@click.group()
def intents() -> None:
    """The labelled example emails in intents/ (train and test splits)."""


@intents.command()
@click.option(
    "--min-train", default=100, show_default=True, help="Examples each intent needs in train."
)
@click.option(
    "--min-test", default=40, show_default=True, help="Examples each intent needs in test."
)
def check(min_train: int, min_test: int) -> None:
    """Schema, unique ids, known intent folders, minimum counts, no test text in train."""
    from ats_helpdesk.config import Settings
    from ats_helpdesk.content import find_content
    from ats_helpdesk.intents import INTENTS, check_examples

    content = find_content(Settings().content_dir)
    counts, errors = check_examples(content.intents, min_train=min_train, min_test=min_test)
    click.echo(f"{'intent':24} {'train':>6} {'test':>6}")
    for intent in INTENTS:
        click.echo(
            f"{intent:24} {counts['train'].get(intent, 0):6d} {counts['test'].get(intent, 0):6d}"
        )
    for error in errors:
        click.echo(f"error: {error}", err=True)
    if errors:
        click.echo(f"{len(errors)} problem(s) in {content.intents}", err=True)
        raise SystemExit(2)
    click.echo("ok")
