"""``ats-helpdesk train``: train the intent model from ``intents/train`` and save it."""

from __future__ import annotations

import time

import click


@click.command()
def train() -> None:
    """Train the intent model (skipped when a model for the same data is saved)."""
    from ats_helpdesk.classify import IntentModel, model_path, training_key
    from ats_helpdesk.config import Settings
    from ats_helpdesk.content import find_content

    settings = Settings()
    content = find_content(settings.content_dir)
    models_dir = settings.data_dir / "models"
    key = training_key(content, models_dir)
    saved = model_path(models_dir, key)
    already = saved.is_file()
    started = time.perf_counter()
    try:
        IntentModel.load_or_train(content, models_dir)
    except ValueError as error:
        click.echo(f"error: {error}", err=True)
        raise SystemExit(2) from None
    seconds = time.perf_counter() - started
    state = "up to date" if already else f"trained in {seconds:.1f}s"
    click.echo(f"intent model {key[:16]}: {state} -> {saved}")
