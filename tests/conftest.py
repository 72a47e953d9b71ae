"""Shared fixtures: settings, fixture pages, and PDFs rendered once per test process."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from leaflets import Settings, load_settings, read_page
from leaflets.pdf import write_pdf

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIXTURE_CONTENT = FIXTURES / "content"
BASE_URL = "https://rxhive.zynapte.com"

# The checkers are part of the test contract: a missing one is an error, never a skip.
for tool in ("pdftotext", "pdffonts", "pdfinfo", "pdftoppm"):
    if shutil.which(tool) is None:
        raise RuntimeError(f"{tool} (poppler-utils) is required by the tests; run .ci/run")


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_settings(ROOT / "leaflets.toml")


@pytest.fixture(scope="session")
def fixture_settings() -> Settings:
    return Settings(base_url=BASE_URL, content_dir=FIXTURE_CONTENT)


@pytest.fixture(scope="session")
def rendered(tmp_path_factory, settings):
    """Render a page once per session: rendered(path, size) → Path of the PDF."""
    cache: dict[tuple[Path, str], Path] = {}
    out = tmp_path_factory.mktemp("pdfs")

    def render(page: Path, size: str = "standard", cfg: Settings | None = None) -> Path:
        key = (page, size)
        if key not in cache:
            s = (cfg or settings).replace(size=size)
            leaflet = read_page(page, s)
            target = out / f"{page.stem}.{size}.pdf"
            write_pdf(leaflet, target, s)
            cache[key] = target
        return cache[key]

    return render


def pdftotext(path: Path, *args: str) -> str:
    return subprocess.run(
        ["pdftotext", *args, "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def squash(text: str) -> str:
    """Compare text blind to whitespace and hyphens (pdftotext joins words split at a hyphen)."""
    return re.sub(r"[\s\-‐‑]+", "", text).casefold()
