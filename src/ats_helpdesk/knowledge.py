"""Loads and validates the knowledge base in ``knowledge/``, loudly.

Where it sits: content (plain YAML files staff edit) -> **knowledge** -> answer
(retrieval). One YAML file per entry in ``knowledge/entries/<id>.yaml``; the
documents entries may cite are the keys of ``knowledge/sources.yaml``. The other
files in ``knowledge/`` (``cohorts.yaml``, ``closure-days.yaml``) are not entries.

Every problem names the file and the field, so that staff can fix the content
without reading code. :func:`load_knowledge` raises :class:`KnowledgeError`
holding all problems at once; :func:`check_knowledge` returns them (``kb check``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

logger = logging.getLogger(__name__)

ENTRIES_DIR = "entries"
SOURCES_FILE = "sources.yaml"
MIN_PHRASINGS = 5
# Issue 3: "answer ... at most about 120 words". Over this is an error.
MAX_ANSWER_WORDS = 120
# Two phrasings of different entries this similar (rapidfuzz ratio, 0-100, on
# normalised text) would make retrieval ambiguous: one of them is mislabelled.
COLLISION_RATIO = 92.0
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FAQ_ID_PATTERN = re.compile(r"^ats-faq-\d{2}$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the knowledge base, located by file and field."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"


class KnowledgeError(ValueError):
    """The knowledge base is invalid; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "\n".join(f"  {p}" for p in problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"{len(problems)} problem(s) in the knowledge base:\n{shown}{more}")


class SourceRef(BaseModel):
    """Where an answer comes from: a document key and a clause or question number."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    doc: str = Field(min_length=1)
    ref: str = Field(min_length=1)

    @field_validator("ref", mode="before")
    @classmethod
    def _ref_as_text(cls, value: Any) -> Any:
        # YAML reads a bare clause number such as 2.1 as a float.
        return str(value) if isinstance(value, int | float) else value


class Superseded(SourceRef):
    """An older figure this entry replaces, and why (the newer document stands)."""

    note: str = Field(min_length=1)


class Entry(BaseModel):
    """One knowledge-base entry: a question, ways members ask it, and the answer."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str
    question: str = Field(min_length=1)
    phrasings: tuple[str, ...] = Field(min_length=MIN_PHRASINGS)
    answer: str | None
    sources: tuple[SourceRef, ...] = Field(min_length=1)
    as_of: date
    supersedes: tuple[Superseded, ...] = ()
    tags: tuple[str, ...] = ()
    handover: bool = False
    # Questions on this entry's topic that its answer does not give (a fee, a time limit,
    # online or not...): the answerer hands these over instead of answering with it.
    not_answered: tuple[str, ...] = ()

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not ID_PATTERN.match(value):
            raise ValueError("must be lowercase words joined by hyphens, e.g. ats-faq-07")
        if value.startswith("ats-faq-") and not FAQ_ID_PATTERN.match(value):
            raise ValueError("FAQ ids are ats-faq-NN (two digits, the FAQ question number)")
        return value

    @field_validator("phrasings", "not_answered")
    @classmethod
    def _no_blank_items(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        item = "phrasing" if info.field_name == "phrasings" else "question"
        for i, text in enumerate(value):
            if not text.strip():
                raise ValueError(f"{item} {i + 1} is blank")
        return value

    @field_validator("answer")
    @classmethod
    def _answer_length(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if not value.strip():
            raise ValueError("is blank (use null with handover: true when there is no answer)")
        words = len(value.split())
        if words > MAX_ANSWER_WORDS:
            raise ValueError(f"has {words} words; at most {MAX_ANSWER_WORDS}")
        return value


@dataclass(frozen=True)
class Source:
    """A source document from ``sources.yaml``."""

    key: str
    title: str
    date: date | None


@dataclass(frozen=True)
class KnowledgeBase:
    """The validated knowledge base: entries in id order and the documents they cite."""

    entries: tuple[Entry, ...]
    sources: dict[str, Source]

    def by_id(self, entry_id: str) -> Entry:
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        raise KeyError(entry_id)

    def cite(self, ref: SourceRef) -> str:
        """A readable citation, e.g. ``ATS Terms and Conditions (cohorts 5 and 6) (2020), 2.1``."""
        source = self.sources.get(ref.doc)
        if source is None:
            return f"{ref.doc}, {ref.ref}"
        year = f" ({source.date.year})" if source.date else ""
        return f"{source.title}{year}, {ref.ref}"


class _StrictLoader(yaml.SafeLoader):
    """``yaml.safe_load``, but a key given twice in one mapping is an error.

    PyYAML keeps the last of two equal keys silently: a second ``phrasings:`` or
    ``not_answered:`` block pasted into an entry would drop the first without a word.
    """

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in getattr(node, "value", []):
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # "<<: *base" merges another mapping; PyYAML resolves it below
            key = self.construct_object(key_node, deep=deep)
            try:
                repeated = key in seen
                seen.add(key)
            except TypeError:
                continue  # an unhashable key: PyYAML's own check below reports it
            if repeated:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} is given twice", key_node.start_mark
                )
        return super().construct_mapping(node, deep=deep)  # type: ignore[arg-type]


def _read_yaml(path: Path, problems: list[Problem], root: Path) -> Any:
    name = _display(path, root)
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)  # a SafeLoader
    except UnicodeDecodeError:
        problems.append(Problem(name, "(file)", "is not UTF-8 text"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(file)"
        problems.append(Problem(name, where, f"is not valid YAML: {error}"))
    return None


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def _load_sources(knowledge_dir: Path, problems: list[Problem]) -> dict[str, Source]:
    path = knowledge_dir / SOURCES_FILE
    name = _display(path, knowledge_dir)
    if not path.is_file():
        problems.append(Problem(name, "(file)", "is missing; entries cannot cite any document"))
        return {}
    data = _read_yaml(path, problems, knowledge_dir)
    if data is None:
        return {}
    if not isinstance(data, dict):
        problems.append(Problem(name, "(file)", "must be a mapping of document key -> details"))
        return {}
    sources: dict[str, Source] = {}
    for key, details in data.items():
        if not isinstance(details, dict) or not isinstance(details.get("title"), str):
            problems.append(Problem(name, f"{key}.title", "each document needs a title"))
            continue
        raw_date = details.get("date")
        sources[str(key)] = Source(
            key=str(key),
            title=details["title"],
            date=raw_date if isinstance(raw_date, date) else None,
        )
    return sources


def _field_name(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts[-1:] = [f"{parts[-1]}[{part}]"] if parts else [f"[{part}]"]
        else:
            parts.append(str(part))
    return ".".join(parts) or "(entry)"


def _parse_entry(path: Path, data: Any, name: str, problems: list[Problem]) -> Entry | None:
    if not isinstance(data, dict):
        problems.append(Problem(name, "(file)", "must be a YAML mapping with the entry's fields"))
        return None
    try:
        entry = Entry.model_validate(data)
    except ValidationError as error:
        for item in error.errors():
            message = item["msg"].removeprefix("Value error, ")
            if item["type"] == "extra_forbidden":
                message = "is not a field of an entry (typo?)"
            problems.append(Problem(name, _field_name(item["loc"]), message))
        return None
    if entry.id != path.stem:
        problems.append(Problem(name, "id", f"is {entry.id!r} but the file is named {path.name}"))
    return entry


def _check_entry(entry: Entry, name: str, sources: dict[str, Source]) -> list[Problem]:
    problems: list[Problem] = []
    if entry.answer is None and not entry.handover:
        problems.append(Problem(name, "answer", "may be null only with handover: true"))
    if entry.handover and entry.not_answered:
        problems.append(
            Problem(
                name,
                "not_answered",
                "a hand-over entry answers nothing; list questions it should catch as phrasings",
            )
        )
    cited = [("sources", s) for s in entry.sources] + [("supersedes", s) for s in entry.supersedes]
    counts: dict[str, int] = {}
    for field, ref in cited:
        index = counts.get(field, 0)
        counts[field] = index + 1
        if sources and ref.doc not in sources:
            known = ", ".join(sorted(sources))
            problems.append(
                Problem(
                    name, f"{field}[{index}].doc", f"unknown document {ref.doc!r} (known: {known})"
                )
            )
    return problems


def _entry_files(knowledge_dir: Path, problems: list[Problem]) -> list[Path]:
    entries_dir = knowledge_dir / ENTRIES_DIR
    if not entries_dir.is_dir():
        problems.append(Problem(_display(entries_dir, knowledge_dir), "(folder)", "is missing"))
        return []
    files = sorted(entries_dir.glob("*.yaml")) + sorted(entries_dir.glob("*.yml"))
    if not files:
        problems.append(Problem(_display(entries_dir, knowledge_dir), "(folder)", "has no entries"))
    return files


def _read_all(
    knowledge_dir: Path,
) -> tuple[list[tuple[str, Entry]], dict[str, Source], list[Problem]]:
    problems: list[Problem] = []
    sources = _load_sources(knowledge_dir, problems)
    parsed: list[tuple[str, Entry]] = []
    for path in _entry_files(knowledge_dir, problems):
        name = _display(path, knowledge_dir)
        data = _read_yaml(path, problems, knowledge_dir)
        if data is None and not any(p.file == name for p in problems):
            problems.append(Problem(name, "(file)", "is empty"))
            continue
        entry = _parse_entry(path, data, name, problems) if data is not None else None
        if entry is not None:
            problems.extend(_check_entry(entry, name, sources))
            parsed.append((name, entry))
    seen: dict[str, str] = {}
    for name, entry in parsed:
        if entry.id in seen:
            problems.append(
                Problem(name, "id", f"duplicate id {entry.id!r} (also in {seen[entry.id]})")
            )
        else:
            seen[entry.id] = name
    return parsed, sources, problems


def normalise_phrase(text: str) -> str:
    """Lowercase words only: how phrasings are compared for collisions."""
    return " ".join(re.findall(r"[a-z0-9£]+", text.lower()))


def find_collisions(parsed: list[tuple[str, Entry]]) -> list[Problem]:
    """Phrasings (or questions) of different entries that are near-identical."""
    texts: list[str] = []
    owners: list[tuple[str, str, str]] = []  # (file, entry id, field)
    for name, entry in parsed:
        texts.append(normalise_phrase(entry.question))
        owners.append((name, entry.id, "question"))
        for i, phrasing in enumerate(entry.phrasings):
            texts.append(normalise_phrase(phrasing))
            owners.append((name, entry.id, f"phrasings[{i}]"))
    problems: list[Problem] = []
    for i, j, score in _near_copies(texts, texts):
        if i < j and owners[i][1] != owners[j][1]:
            other_file, _, other_field = owners[j]
            problems.append(
                Problem(
                    owners[i][0],
                    owners[i][2],
                    f"{texts[i]!r} is {score:.0f}% like {other_file} {other_field} "
                    f"{texts[j]!r}; reword one so retrieval can tell them apart",
                )
            )
    return problems


def _near_copies(left: list[str], right: list[str]) -> list[tuple[int, int, float]]:
    """``(i, j, ratio)`` for texts of ``left`` and ``right`` at least COLLISION_RATIO alike."""
    from rapidfuzz import fuzz, process

    if not left or not right:
        return []
    scores = process.cdist(left, right, scorer=fuzz.ratio, score_cutoff=COLLISION_RATIO, workers=-1)
    return [(int(i), int(j), float(scores[i, j])) for i, j in zip(*scores.nonzero(), strict=True)]


def find_contradictions(parsed: list[tuple[str, Entry]]) -> list[Problem]:
    """``not_answered`` questions near-identical to some entry's question or phrasing.

    The answerer hands over a question nearer a ``not_answered`` one than any
    phrasing (near_miss.py), whichever entry lists it; a near-copy of a phrasing
    would make the knowledge base say both that it answers a question and that it
    does not. Hand-over entries answer nothing, so their phrasings may be repeated;
    and "how do i get qts" is no copy of "how do i get qtls" (DOMAIN.md: the schemes
    are confused, not the same), so texts naming different schemes never clash.
    """
    from ats_helpdesk.question_text import acronyms, normalise_text

    asked: list[str] = []
    owners: list[tuple[str, str]] = []  # (file, field)
    missed: list[str] = []
    where: list[tuple[str, str]] = []
    for name, entry in parsed:
        if entry.handover:
            continue
        for i, text in enumerate((entry.question, *entry.phrasings)):
            asked.append(normalise_phrase(text))
            owners.append((name, "question" if i == 0 else f"phrasings[{i - 1}]"))
        for i, text in enumerate(entry.not_answered):
            missed.append(normalise_phrase(text))
            where.append((name, f"not_answered[{i}]"))
    problems: list[Problem] = []
    for i, j, score in _near_copies(missed, asked):
        other_file, other_field = owners[j]
        if acronyms(normalise_text(missed[i])) != acronyms(normalise_text(asked[j])):
            continue
        problems.append(
            Problem(
                where[i][0],
                where[i][1],
                f"{missed[i]!r} is {score:.0f}% like {other_file} {other_field} "
                f"{asked[j]!r}; a question cannot be both answered and not answered",
            )
        )
    return problems


def check_knowledge(knowledge_dir: Path) -> tuple[KnowledgeBase | None, list[Problem]]:
    """Every problem in the knowledge base (schema, ids, sources, length, collisions, ...)."""
    parsed, sources, problems = _read_all(knowledge_dir)
    problems.extend(find_collisions(parsed))
    problems.extend(find_contradictions(parsed))
    if problems:
        return None, problems
    return _build(parsed, sources), []


def load_knowledge(knowledge_dir: Path) -> KnowledgeBase:
    """The validated knowledge base; :class:`KnowledgeError` lists every problem.

    Loading skips the (quadratic) collision check, which ``kb check`` runs in CI.
    """
    parsed, sources, problems = _read_all(knowledge_dir)
    if problems:
        raise KnowledgeError(problems)
    knowledge = _build(parsed, sources)
    logger.info("loaded %d knowledge entries from %s", len(knowledge.entries), knowledge_dir)
    return knowledge


def _build(parsed: list[tuple[str, Entry]], sources: dict[str, Source]) -> KnowledgeBase:
    entries = tuple(sorted((entry for _, entry in parsed), key=lambda e: e.id))
    return KnowledgeBase(entries=entries, sources=sources)
