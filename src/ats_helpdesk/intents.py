"""The labelled example emails in ``intents/``: loading and validation.

``intents/train/<intent>/*.yaml`` and ``intents/test/<intent>/*.yaml`` each hold
a YAML list of ``{id, subject, from?, date?, headers?, body, note?}``; the
folder name is the label. Staff and content writers edit these files; the
classifier (``classify``) trains on ``train``, ``eval intents`` measures on
``test``, and ``intents check`` runs :func:`check_examples` so that a bad file is
reported by file, item and field instead of surfacing as a training failure.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "CASE_INTENTS",
    "INTENTS",
    "SPLITS",
    "Example",
    "ExampleError",
    "check_examples",
    "iter_example_files",
    "load_examples",
]

INTENTS: tuple[str, ...] = (
    "faq",
    "extension_request",
    "reasonable_adjustment",
    "objection",
    "appeal",
    "other",
)
# The intents that open a case with a deadline rule: a missed one is the costliest error.
CASE_INTENTS: frozenset[str] = frozenset(
    {"extension_request", "reasonable_adjustment", "objection", "appeal"}
)
SPLITS: tuple[str, ...] = ("train", "test")

_REQUIRED = {"id": str, "subject": str, "body": str}
_OPTIONAL = {"from": str, "date": str, "headers": dict, "note": str}


@dataclass(frozen=True)
class Example:
    """One labelled email."""

    id: str
    intent: str
    split: str
    subject: str
    body: str
    source: str  # "intents/train/faq/batch01.yaml" (for error messages and reports)
    from_addr: str = ""
    date: str = ""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ExampleError:
    """A problem in an intents file, named by file, item and field."""

    source: str
    item: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}: {self.item}" if self.item else self.source
        return (
            f"{where}: field '{self.field}': {self.message}"
            if self.field
            else f"{where}: {self.message}"
        )


def iter_example_files(intents_dir: Path, split: str | None = None) -> list[Path]:
    """Every ``<split>/<folder>/*.yaml`` file, sorted (the order training sees)."""
    splits = [split] if split else list(SPLITS)
    files: list[Path] = []
    for name in splits:
        root = intents_dir / name
        if root.is_dir():
            files.extend(sorted(p for p in root.glob("*/*.y*ml") if p.suffix in (".yaml", ".yml")))
    return files


def load_examples(intents_dir: Path, split: str) -> list[Example]:
    """The examples of one split; raises ``ValueError`` naming the first bad file/field."""
    examples, errors = _read_split(intents_dir, split)
    if errors:
        raise ValueError(str(errors[0]))
    return examples


def check_examples(
    intents_dir: Path, *, min_train: int = 100, min_test: int = 40
) -> tuple[dict[str, dict[str, int]], list[ExampleError]]:
    """Counts per split and intent, and every problem found (empty when all is well)."""
    errors: list[ExampleError] = []
    by_split: dict[str, list[Example]] = {}
    for split in SPLITS:
        examples, split_errors = _read_split(intents_dir, split)
        by_split[split] = examples
        errors.extend(split_errors)
    counts = {s: dict(Counter(e.intent for e in exs)) for s, exs in by_split.items()}
    errors.extend(_duplicate_ids(by_split["train"] + by_split["test"]))
    errors.extend(_duplicate_texts(by_split["train"], by_split["test"]))
    for split, minimum in (("train", min_train), ("test", min_test)):
        for intent in INTENTS:
            have = counts[split].get(intent, 0)
            if have < minimum:
                errors.append(
                    ExampleError(
                        f"intents/{split}/{intent}",
                        "",
                        "",
                        f"{have} examples, at least {minimum} needed",
                    )
                )
    return counts, errors


def text_fingerprint(subject: str, body: str) -> str:
    """Same text whatever the spacing and case: used to keep train and test apart."""
    text = re.sub(r"\W+", " ", f"{subject}\n{body}".lower()).strip()
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read_split(intents_dir: Path, split: str) -> tuple[list[Example], list[ExampleError]]:
    examples: list[Example] = []
    errors: list[ExampleError] = []
    root = intents_dir / split
    if root.is_dir():
        for folder in sorted(p for p in root.iterdir() if p.is_dir()):
            if folder.name not in INTENTS:
                errors.append(
                    ExampleError(
                        _rel(folder, intents_dir),
                        "",
                        "",
                        f"unknown intent folder; expected one of {', '.join(INTENTS)}",
                    )
                )
    for path in iter_example_files(intents_dir, split):
        intent = path.parent.name
        if intent not in INTENTS:
            continue
        file_examples, file_errors = _read_file(path, intent, split, _rel(path, intents_dir))
        examples.extend(file_examples)
        errors.extend(file_errors)
    return examples, errors


def _rel(path: Path, intents_dir: Path) -> str:
    return f"intents/{path.relative_to(intents_dir).as_posix()}"


def _read_file(
    path: Path, intent: str, split: str, source: str
) -> tuple[list[Example], list[ExampleError]]:
    import yaml  # here, not at the top: `classify` only hashes these files (~15 ms of start-up)

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        return [], [ExampleError(source, "", "", f"not valid YAML: {error}".replace("\n", " "))]
    if data is None:
        return [], []
    if not isinstance(data, list):
        return [], [ExampleError(source, "", "", "must be a YAML list of emails")]
    examples: list[Example] = []
    errors: list[ExampleError] = []
    for number, item in enumerate(data, start=1):
        example, item_errors = _read_item(item, number, intent, split, source)
        errors.extend(item_errors)
        if example is not None:
            examples.append(example)
    return examples, errors


def _read_item(
    item: object, number: int, intent: str, split: str, source: str
) -> tuple[Example | None, list[ExampleError]]:
    if not isinstance(item, dict):
        return None, [ExampleError(source, f"item {number}", "", "must be a mapping")]
    label = f"item {number}" + (f" (id {item['id']})" if isinstance(item.get("id"), str) else "")
    errors = [
        ExampleError(
            source,
            label,
            str(key),
            "unknown field; allowed: " + ", ".join([*_REQUIRED, *_OPTIONAL]),
        )
        for key in item
        if key not in _REQUIRED and key not in _OPTIONAL
    ]
    for key, kind in _REQUIRED.items():
        value = item.get(key)
        if not isinstance(value, kind) or (key != "subject" and not value.strip()):
            errors.append(ExampleError(source, label, key, "missing or not a non-empty text"))
    for key, kind in _OPTIONAL.items():
        if key in item and not isinstance(item[key], kind):
            errors.append(ExampleError(source, label, key, f"must be a {kind.__name__}"))
    headers = item.get("headers") or {}
    if isinstance(headers, dict) and not all(isinstance(v, str | int) for v in headers.values()):
        errors.append(ExampleError(source, label, "headers", "values must be text"))
    if errors:
        return None, errors
    return Example(
        id=item["id"],
        intent=intent,
        split=split,
        subject=item["subject"],
        body=item["body"],
        source=source,
        from_addr=item.get("from", ""),
        date=item.get("date", ""),
        headers={str(k): str(v) for k, v in headers.items()},
    ), []


def _duplicate_ids(examples: Iterable[Example]) -> list[ExampleError]:
    seen: dict[str, Example] = {}
    errors: list[ExampleError] = []
    for example in examples:
        first = seen.setdefault(example.id, example)
        if first is not example:
            errors.append(
                ExampleError(
                    example.source,
                    f"id {example.id}",
                    "id",
                    f"duplicate id, also in {first.source}",
                )
            )
    return errors


def _duplicate_texts(train: list[Example], test: list[Example]) -> list[ExampleError]:
    """Test text must not appear in train (that would inflate the test figures)."""
    train_prints = {text_fingerprint("", e.body): e for e in train}
    errors: list[ExampleError] = []
    for example in test:
        twin = train_prints.get(text_fingerprint("", example.body))
        if twin is not None:
            errors.append(
                ExampleError(
                    example.source,
                    f"id {example.id}",
                    "body",
                    f"same text as training example {twin.id} ({twin.source})",
                )
            )
    return errors
