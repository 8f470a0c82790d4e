"""``ats-helpdesk eval faq FILE``: precision, coverage, abstention, reliability of answers."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click


def _print_report(name: str, data: dict[str, Any]) -> None:
    def pct(value: float | None) -> str:
        return "n/a" if value is None else f"{value * 100:.1f}%"

    click.echo(
        f"{name}: {data['questions']} questions ({data['answerable']} answerable, "
        f"{data['unanswerable']} unanswerable), threshold {data['threshold']:.3f}"
    )
    click.echo(
        f"  precision of answers given   {pct(data['precision'])} ({data['answered']} given)"
    )
    click.echo(f"  coverage of answerable       {pct(data['coverage'])}")
    click.echo(f"  abstention on unanswerable   {pct(data['abstention'])}")
    click.echo("  reliability (confidence bin: n, mean confidence, top match right)")
    for row in data["reliability"]:
        mean = "-" if row["mean_confidence"] is None else f"{row['mean_confidence']:.2f}"
        click.echo(f"    {row['bin']}: {row['n']:4d}  {mean:>5}  {pct(row['top_match_right'])}")
    click.echo("  curve (threshold: precision / coverage / abstention / answered)")
    for row in data["curve"]:
        click.echo(
            f"    {row['threshold']:.2f}: {pct(row['precision']):>6} / {pct(row['coverage']):>6}"
            f" / {pct(row['abstention']):>6} / {row['answered']}"
        )
    for wrong in data["wrong_answers"]:
        click.echo(
            f"  wrong: {wrong['id']} answered {wrong['faq_id']} (expected {wrong['expect']}, "
            f"confidence {wrong['confidence']:.2f})"
        )


@click.command(name="faq")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--split",
    type=click.Choice(["tune", "test", "all"]),
    default=None,
    help="Which labelled split to report (default: test when the file has splits, else all).",
)
@click.option("--threshold", type=float, default=None, help="Override the tuned threshold.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--refit",
    is_flag=True,
    help="Refit the calibration and threshold on the tune split and save them (docs/answerer.md).",
)
def eval_faq(
    file: Path, split: str | None, threshold: float | None, as_json: bool, refit: bool
) -> None:
    """Measure the FAQ answerer on the labelled questions in FILE (YAML list or JSON lines)."""
    from ats_helpdesk import faq_eval
    from ats_helpdesk.answer import Answerer
    from ats_helpdesk.calibration import CalibrationError, load_calibration, neutral_calibration
    from ats_helpdesk.config import Settings
    from ats_helpdesk.content import ContentNotFound, find_content
    from ats_helpdesk.knowledge import KnowledgeError, load_knowledge

    try:
        questions = faq_eval.load_labelled(file)
    except faq_eval.LabelledSetError as error:
        raise click.UsageError(str(error)) from error
    settings = Settings()
    try:
        knowledge = load_knowledge(find_content(settings.content_dir).knowledge)
    except (KnowledgeError, ContentNotFound) as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    try:
        calibration = load_calibration()
    except CalibrationError as error:
        if not refit:
            click.echo(f"error: {error}", err=True)
            sys.exit(2)
        calibration = neutral_calibration()  # --refit replaces it
    answerer = Answerer(knowledge, calibration, threshold)
    unknown = faq_eval.unknown_labels(questions, answerer)
    if unknown:
        click.echo("labels naming no knowledge-base entry:\n  " + "\n  ".join(unknown), err=True)
        sys.exit(2)
    if refit:
        tune = [q for q in questions if q.split == "tune"]
        if not tune:
            raise click.UsageError(f"{file} has no questions with split: tune to refit on")
        calibration = faq_eval.refit(answerer, tune, fitted_on=f"{file.name} split=tune")
        calibration.save()
        click.echo(f"refitted on {len(tune)} tune questions; threshold {calibration.threshold:.3f}")
        answerer = Answerer(answerer.knowledge, calibration, threshold)
    has_splits = any(q.split for q in questions)
    chosen = split or ("test" if has_splits else "all")
    selected = [q for q in questions if chosen == "all" or q.split == chosen]
    outcomes = faq_eval.run(answerer, selected)
    data = faq_eval.report(outcomes, answerer.threshold)
    data["split"] = chosen
    if as_json:
        click.echo(json.dumps(data, indent=2))
    else:
        _print_report(f"{file.name} [{chosen}]", data)
