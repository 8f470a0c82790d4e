"""``ats-helpdesk eval ...``: measurement commands, one module each."""

from __future__ import annotations

import importlib

import click

# subcommand -> "module:attribute" under ats_helpdesk.cli
EVALUATIONS: dict[str, str] = {
    "faq": "eval_faq:eval_faq",
    "intents": "eval_intents:eval_intents",
}


class _LazyEvalGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(EVALUATIONS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = EVALUATIONS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        module = importlib.import_module(f"ats_helpdesk.cli.{module_name}")
        return getattr(module, attr)


@click.group(name="eval", cls=_LazyEvalGroup)
def evaluate() -> None:
    """Measure the answerer and the intent classifier on the labelled sets."""
