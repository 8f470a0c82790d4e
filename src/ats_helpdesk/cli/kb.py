"""``ats-helpdesk kb check``: validate the knowledge base (CI runs it)."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.group(name="kb")
def kb() -> None:
    """Knowledge base commands."""


@click.command(name="check")
@click.option(
    "--knowledge-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to check (default: knowledge/ of the content folder).",
)
def check(knowledge_dir: Path | None) -> None:
    """Check schema, duplicate ids, colliding phrasings, sources and answer length.

    Every problem names the file and the field; exit status 2 when there is any.
    """
    from ats_helpdesk.config import Settings
    from ats_helpdesk.content import ContentNotFound, find_content
    from ats_helpdesk.knowledge import check_knowledge

    if knowledge_dir is None:
        try:
            knowledge_dir = find_content(Settings().content_dir).knowledge
        except ContentNotFound as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(2)
    if not knowledge_dir.is_dir():
        click.echo(f"error: {knowledge_dir} is not a folder", err=True)
        sys.exit(2)
    knowledge, problems = check_knowledge(knowledge_dir)
    if problems or knowledge is None:
        for problem in problems:
            click.echo(f"error: {problem}", err=True)
        click.echo(f"{len(problems)} problem(s) in {knowledge_dir}", err=True)
        sys.exit(2)
    entries = knowledge.entries
    handover = sum(e.handover for e in entries)
    phrasings = sum(len(e.phrasings) for e in entries)
    faq = sum(e.id.startswith("ats-faq-") for e in entries)
    click.echo(
        f"ok: {len(entries)} entries ({faq} FAQ, {handover} hand-over), {phrasings} phrasings, "
        f"{len(knowledge.sources)} source documents in {knowledge_dir}"
    )


kb.add_command(check)
