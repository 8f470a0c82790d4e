"""Fixtures for the classifier area: the real trained model, and tiny content dirs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from ats_helpdesk.classify import IntentModel
from ats_helpdesk.content import Content


@pytest.fixture(scope="session")
def real_models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def real_model(content: Content, real_models_dir: Path) -> IntentModel:
    """The model trained on the repo's intents/train (once per test session, in-process)."""
    return IntentModel.load_or_train(content, real_models_dir)


def _emails(intent: str, count: int, start: int = 0) -> list[dict[str, str]]:
    words = {
        "faq": "how much does ATS cost and when are results published",
        "appeal": "I want to appeal the decision not to award me ATS",
        "other": "please update my address and change my direct debit",
    }[intent]
    return [
        {"id": f"{intent}-{i}", "subject": f"{intent} {i}", "body": f"{words}. Note {i} thing{i}."}
        for i in range(start, start + count)
    ]


@pytest.fixture
def small_content(tmp_path: Path, content: Content) -> Content:
    """A content dir with a tiny intents/ (three intents) and the real knowledge/templates."""
    root = tmp_path / "content"
    for folder in ("knowledge", "templates"):
        (root / folder).mkdir(parents=True)
    for intent in ("faq", "appeal", "other"):
        for split, count, start in (("train", 12, 0), ("test", 4, 100)):
            folder = root / "intents" / split / intent
            folder.mkdir(parents=True)
            text = yaml.safe_dump(_emails(intent, count, start), sort_keys=False)
            (folder / "batch01.yaml").write_text(text, encoding="utf-8")
    return Content(root)


@pytest.fixture
def copy_intents(tmp_path: Path, content: Content):
    """Copy the real intents/ to a tmp content dir (for the CLI check tests)."""

    def _copy() -> Content:
        root = tmp_path / "realcopy"
        for folder in ("knowledge", "templates"):
            (root / folder).mkdir(parents=True)
        shutil.copytree(content.intents, root / "intents")
        return Content(root)

    return _copy
