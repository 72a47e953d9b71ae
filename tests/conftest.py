"""Shared fixtures: settings, fixture pages, and PDFs rendered once per test process."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from leaflets import Settings, load_settings, read_page
from leaflets.errors import MissingSystemPackageError
from leaflets.pdf import write_pdf

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIXTURE_CONTENT = FIXTURES / "content"
BASE_URL = "https://rxhive.zynapte.com"

# The checkers are part of the test contract: a missing one fails the test that needs it, with one
# line naming its Debian package, and never skips. tests/system-packages.txt is the one list.
PACKAGES: dict[str, str] = {}  # command → Debian package
for _line in (Path(__file__).with_name("system-packages.txt")).read_text().splitlines():
    _pkg, *_rest = _line.split() or ["#"]
    if not _pkg.startswith(("#", "[")):
        PACKAGES.update(dict.fromkeys(_rest[1:], _pkg))


def missing_tool(command: str) -> None:
    """Fail the current test: ``command`` is not installed."""
    package = PACKAGES.get(command, command)
    pytest.fail(
        f"{command} is not installed: install the Debian package {package} "
        "(the README's test command does, with apt-get)",
        pytrace=False,
    )


def require(command: str) -> str:
    """The path of a command the test needs, or a one-line failure naming its package."""
    found = shutil.which(command)
    if found is None:
        missing_tool(command)
    return found


def _named_missing(outcome) -> None:
    exc = outcome.excinfo[1] if outcome.excinfo else None
    if isinstance(exc, MissingSystemPackageError):  # the library's own error names the package
        try:
            pytest.fail(str(exc), pytrace=False)
        except pytest.fail.Exception as failure:
            outcome.force_exception(failure)
    if isinstance(exc, FileNotFoundError) and exc.filename:
        command = Path(str(exc.filename)).name
        if command in PACKAGES:
            try:
                missing_tool(command)
            except pytest.fail.Exception as failure:
                outcome.force_exception(failure)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    _named_missing((yield))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    _named_missing((yield))


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
