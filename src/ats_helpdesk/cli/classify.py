"""``ats-helpdesk classify``: intent and facts of messages (a JSONL batch or one .eml).

``--jsonl FILE`` (``-`` for stdin) reads lines ``{"id", "from", "date", "subject",
"body"}`` (``headers`` optional) and prints one JSON line each, in order:
``{"id", "intent", "confidence", "needs_review", "scores", "facts"}``. A bad line
gets ``{"id", "line", "error"}`` and the rest are still answered; the exit status
is then 2. ``MESSAGE.eml`` prints a summary, or the same JSON with ``--json``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from ats_helpdesk.classify_mail import MailIn

_BATCH = 512


@click.command()
@click.argument("message", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--jsonl",
    "jsonl",
    type=click.File("r", encoding="utf-8"),
    help="Classify every line of this JSONL file ('-' for stdin).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the .eml result as JSON.")
def classify(message: Path | None, jsonl: click.utils.LazyFile | None, as_json: bool) -> None:
    """Classify MESSAGE.eml, or each line of --jsonl FILE."""
    if (message is None) == (jsonl is None):
        click.echo("error: give either MESSAGE.eml or --jsonl FILE", err=True)
        raise SystemExit(2)
    from ats_helpdesk.classify import IntentModel
    from ats_helpdesk.content import find_content

    content_dir, data_dir = content_and_data_dirs()
    try:
        model = IntentModel.load_or_train(find_content(content_dir), data_dir / "models")
    except ValueError as error:
        click.echo(f"error: intents/: {error}", err=True)
        raise SystemExit(2) from None
    if jsonl is not None:
        bad = _classify_jsonl(model, jsonl)
        if bad:
            click.echo(f"{bad} line(s) could not be classified (see their 'error')", err=True)
            raise SystemExit(2)
        return
    assert message is not None
    _classify_eml(model, message, as_json)


def content_and_data_dirs() -> tuple[Path | None, Path]:
    """``Settings().content_dir`` and ``.data_dir``, read without importing pydantic.

    Why: ``classify --jsonl`` on a few hundred lines is mostly start-up, and
    ``ats_helpdesk.config`` (pydantic-settings) is ~0.2 s of a ~0.5 s run. These two
    are the only settings the command reads; a test checks they equal ``Settings()``'s
    for the same environment (names case-insensitive, as pydantic-settings reads them).
    """
    env = {name.upper(): value for name, value in os.environ.items()}
    content = env.get("ATS_CONTENT_DIR")
    data = env.get("ATS_DATA_DIR")
    return (Path(content) if content else None, Path(data) if data else Path("var"))


def _classify_jsonl(model: object, stream: object) -> int:
    from ats_helpdesk.classify_mail import classify_mails

    bad = 0
    batch: list[tuple[int, MailIn]] = []
    out = sys.stdout

    def flush() -> None:
        results = classify_mails(model, [mail for _, mail in batch])  # type: ignore[arg-type]
        for result in results:
            out.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
        batch.clear()

    for number, line in enumerate(stream, start=1):  # type: ignore[call-overload]
        if not line.strip():
            continue
        try:
            batch.append((number, _mail_from_line(line)))
        except ValueError as error:
            flush()
            bad += 1
            out.write(json.dumps({"id": _id_of(line), "line": number, "error": str(error)}) + "\n")
            continue
        if len(batch) >= _BATCH:
            flush()
    flush()
    out.flush()
    return bad


def _mail_from_line(line: str) -> MailIn:
    from ats_helpdesk.classify_mail import MailIn, parse_mail_date

    try:
        item = json.loads(line)
    except json.JSONDecodeError as error:
        raise ValueError(f"not valid JSON: {error}") from None
    if not isinstance(item, dict):
        raise ValueError("a line must be a JSON object")
    for name in ("subject", "body", "from", "date"):
        if item.get(name) is not None and not isinstance(item[name], str):
            raise ValueError(f"field '{name}': must be a string")
    if not isinstance(item.get("body"), str):
        raise ValueError("field 'body': missing")
    headers = item.get("headers") or {}
    if not isinstance(headers, dict):
        raise ValueError("field 'headers': must be an object")
    sent_at = None
    if item.get("date"):
        try:
            sent_at = parse_mail_date(item["date"])
        except ValueError as error:
            raise ValueError(f"field 'date': {error}") from None
    return MailIn(
        id=item.get("id"),
        subject=item.get("subject") or "",
        body=item["body"],
        from_addr=item.get("from") or "",
        sent_at=sent_at,
        headers={str(k): str(v) for k, v in headers.items()},
    )


def _id_of(line: str) -> object:
    try:
        item = json.loads(line)
    except ValueError:
        return None
    return item.get("id") if isinstance(item, dict) else None


def _classify_eml(model: object, path: Path, as_json: bool) -> None:
    from ats_helpdesk.classify_mail import MailIn, classify_mails
    from ats_helpdesk.mail.parse import parse_message

    try:
        raw = path.read_bytes()
    except OSError as error:
        click.echo(f"error: {path}: {error.strerror}", err=True)
        raise SystemExit(2) from None
    parsed = parse_message(raw)
    mail = MailIn(
        id=parsed.message_id or path.name,
        subject=parsed.subject,
        body=parsed.text,
        from_addr=parsed.from_addr,
        sent_at=parsed.date,
        headers=dict(parsed.headers),
    )
    result = classify_mails(model, [mail])[0]  # type: ignore[arg-type]
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return
    c = result.classification
    review = "  (needs review)" if c.needs_review else ""
    click.echo(f"{path.name}: {c.intent} {c.confidence:.2f}{review}")
    for key, value in result.facts.to_json().items():
        if value:
            click.echo(f"  {key}: {json.dumps(value, ensure_ascii=False)}")
