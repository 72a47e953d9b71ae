"""Debian's Chromium for the browser tests, and axe-core's serious violations on a page."""

from __future__ import annotations

from pathlib import Path

import axe_playwright_python
from conftest import require

AXE = Path(axe_playwright_python.__file__).parent / "axe.min.js"

#: Debian's Chromium with its network chatter off: it has no network here, and needs none.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def launch(playwright):
    """Launch Debian's Chromium (a missing one fails the test, naming the package)."""
    return playwright.chromium.launch(executable_path=require("chromium"), args=CHROMIUM_ARGS)


def serious_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']}: {v['help']}" for v in result["violations"] if v.get("impact") in ("serious", "critical")
    ]
