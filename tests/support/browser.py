"""Real headless Chromium for the page tests: Debian's binary, driven by playwright.

The flags are the ones seen working on these machines (shared/notes): without the
background-networking ones Chromium keeps trying to reach Google through a closed
network.
"""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# the README names this folder: reviewers look at the pages here after a test run
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
AXE = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
