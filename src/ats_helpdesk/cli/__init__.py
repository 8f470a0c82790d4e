"""The ``ats-helpdesk`` command line: thin commands over the stages.

Commands are loaded lazily by name, so that ``deadline`` does not pay for
importing scikit-learn or FastAPI; each command lives in its own module here.
"""

from __future__ import annotations

import importlib

import click

# command name -> "module:attribute" under ats_helpdesk.cli
COMMANDS: dict[str, str] = {
    "db": "db:db",
    "triage": "triage:triage",
    "serve": "serve:serve",
    "smtpd": "smtpd:smtpd",
    "imap-poll": "imap_poll:imap_poll",
    "stats": "stats:stats",
    "members": "members:members",
    "eval": "evaluate:evaluate",
    "classify": "classify:classify",
    "train": "train:train",
    "intents": "intents:intents",
    "kb": "kb:kb",
    "ask": "ask:ask",
    "deadline": "deadline:deadline",
    "workdays": "workdays:workdays",
    "user": "user:user",
    "web": "web:web",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        module = importlib.import_module(f"{__name__}.{module_name}")
        return getattr(module, attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ats-helpdesk")
def main() -> None:
    """SET membership inbox helpdesk for Advanced Teacher Status (ATS)."""
