"""``ats-helpdesk ask``: answer one question, or a JSON-lines file of them, from the KB."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import IO, Any

import click

JSONL_FIELDS = ("answered", "faq_id", "answer", "confidence", "sources", "suggestions", "reason")


def _answer_lines(answerer: Any, stream: IO[str]) -> Iterator[dict[str, Any]]:
    """One output object per non-blank input line; a bad line gets an ``error`` field."""
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            yield {"id": None, "line": number, "error": f"line {number}: not JSON: {error.msg}"}
            continue
        if not isinstance(item, dict):
            yield {"id": None, "line": number, "error": f"line {number}: must be an object"}
            continue
        item_id = item.get("id")
        question = item.get("q")
        if not isinstance(question, str):
            yield {"id": item_id, "line": number, "error": f"line {number}: field 'q' must be text"}
            continue
        result = answerer.ask(question).model_dump()
        yield {"id": item_id, **{field: result[field] for field in JSONL_FIELDS}}


@click.command(name="ask")
@click.argument("question", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option(
    "--jsonl",
    "jsonl",
    type=click.File("r", encoding="utf-8", errors="replace"),
    default=None,
    help='Answer every line {"id", "q"} of FILE ("-" for stdin); print one JSON line each.',
)
@click.option("--threshold", type=float, default=None, help="Override the tuned threshold.")
def ask(
    question: str | None, as_json: bool, jsonl: IO[str] | None, threshold: float | None
) -> None:
    """Answer QUESTION (a widget question, or an email's subject and body) or hand over."""
    if (question is None) == (jsonl is None):
        raise click.UsageError('give either QUESTION or --jsonl FILE (e.g. ask "how much is ATS?")')
    from ats_helpdesk.answer import Answerer
    from ats_helpdesk.calibration import CalibrationError
    from ats_helpdesk.config import Settings
    from ats_helpdesk.content import ContentNotFound, find_content
    from ats_helpdesk.knowledge import KnowledgeError

    settings = Settings()
    try:
        answerer = Answerer.from_content(
            find_content(settings.content_dir),
            threshold=threshold if threshold is not None else settings.faq_threshold,
        )
    except (KnowledgeError, ContentNotFound, CalibrationError) as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    if jsonl is not None:
        bad = 0
        for row in _answer_lines(answerer, jsonl):
            bad += "error" in row
            click.echo(json.dumps(row, ensure_ascii=False))
        if bad:
            click.echo(f"{bad} line(s) could not be read (see their 'error')", err=True)
        return
    result = answerer.ask(question or "")
    if as_json:
        click.echo(json.dumps(result.model_dump(), ensure_ascii=False, indent=2))
        return
    if result.answered:
        click.echo(result.answer)
        click.echo(f"\n[{result.faq_id}, confidence {result.confidence:.2f}]")
        for source in result.sources:
            click.echo(f"  source: {source}")
        if result.reason:
            click.echo(f"  note: {result.reason}")
        return
    click.echo(f"No confident answer: {result.reason}")
    for suggestion in result.suggestions:
        click.echo(f"  maybe: {suggestion.question} [{suggestion.faq_id}]")
