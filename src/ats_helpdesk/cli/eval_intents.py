"""``ats-helpdesk eval intents``: the intent model on the test split of ``intents/``,
or on a labelled JSONL file (``--file``), classified as ``classify --jsonl`` does."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click


@click.command(name="intents")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--misses/--no-misses", default=True, help="List the misclassified examples.")
@click.option(
    "--file",
    "labelled",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Measure on this JSONL file (classify --jsonl lines plus an 'intent' label) "
    "instead of intents/test.",
)
def eval_intents(as_json: bool, misses: bool, labelled: Path | None) -> None:
    """Per-intent precision/recall/F1, macro-F1 and the confusion matrix on intents/test."""
    from ats_helpdesk.classify import IntentModel
    from ats_helpdesk.config import Settings
    from ats_helpdesk.content import find_content
    from ats_helpdesk.intent_eval import evaluate_intents, load_labelled_jsonl
    from ats_helpdesk.intents import load_examples

    settings = Settings()
    content = find_content(settings.content_dir)
    try:
        if labelled is not None:
            examples = load_labelled_jsonl(labelled)
        else:
            examples = load_examples(content.intents, "test")
        model = IntentModel.load_or_train(content, settings.data_dir / "models")
    except ValueError as error:  # a bad intents file: `intents check` lists them all
        click.echo(f"error: {error}", err=True)
        raise SystemExit(2) from None
    if not examples:
        where = labelled if labelled is not None else content.intents / "test"
        click.echo(f"error: no labelled examples in {where}", err=True)
        raise SystemExit(2)
    started = time.perf_counter()
    report = evaluate_intents(model, examples)
    seconds = time.perf_counter() - started
    if as_json:
        click.echo(json.dumps({**report.to_dict(), "model_key": model.key[:16]}, indent=2))
        return
    where = labelled.name if labelled is not None else "intents/test"
    click.echo(f"model {model.key[:16]}  {report.total} emails ({where}) in {seconds:.2f}s")
    click.echo(f"{'intent':24} {'prec':>6} {'recall':>6} {'f1':>6} {'n':>4}")
    for s in report.scores:
        click.echo(f"{s.intent:24} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} {s.support:4d}")
    click.echo(
        f"macro-F1 {report.macro_f1:.3f}  accuracy {report.accuracy:.3f}  "
        f"min case recall {report.min_case_recall:.3f}  review {report.review_rate:.1%}"
    )
    short = [label[:6] for label in report.labels]
    click.echo("confusion (rows expected, columns predicted):")
    click.echo(" " * 24 + " ".join(f"{s:>6}" for s in short))
    for label, row in zip(report.labels, report.confusion, strict=True):
        click.echo(f"{label:24}" + " ".join(f"{v:6d}" for v in row))
    if misses and report.misses:
        click.echo("misclassified:")
        for m in report.misses:
            flag = " (review)" if m.needs_review else ""
            click.echo(
                f"  {m.id}: {m.expected} -> {m.predicted} {m.confidence:.2f}{flag}  {m.source}"
            )
