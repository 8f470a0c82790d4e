"""Finds the content folders: ``knowledge/``, ``intents/`` and ``templates/``.

Staff edit these without touching code. A checkout uses the repo's own copy;
an installed wheel uses the copy shipped inside the package; ``ATS_CONTENT_DIR``
points at another copy (e.g. one under version control on a shared drive).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_REPO_ROOT = _PACKAGE_DIR.parent.parent
_SHIPPED = _PACKAGE_DIR / "_content"

FOLDERS = ("knowledge", "intents", "templates")


class ContentNotFound(RuntimeError):
    """No folder holding knowledge/, intents/ and templates/ was found."""


@dataclass(frozen=True)
class Content:
    root: Path

    @property
    def knowledge(self) -> Path:
        return self.root / "knowledge"

    @property
    def intents(self) -> Path:
        return self.root / "intents"

    @property
    def templates(self) -> Path:
        return self.root / "templates"


def find_content(content_dir: Path | None = None) -> Content:
    """The content root: the setting if given, else the repo, else the wheel's copy."""
    candidates = [content_dir] if content_dir is not None else [_REPO_ROOT, _SHIPPED]
    for root in candidates:
        if root is not None and all((root / name).is_dir() for name in FOLDERS):
            return Content(root.resolve())
    tried = ", ".join(str(c) for c in candidates)
    raise ContentNotFound(f"no content folder with {', '.join(FOLDERS)} found (tried {tried})")
