"""Which files are pages: the one place that decides it, for build, check, the counter and the CLI."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

#: File name endings of official sources: FHIR ePI bundles (JSON) and FDA SPL documents (XML).
OFFICIAL_SUFFIXES = (".json", ".xml")
#: File name endings of pages: markdown, and the official sources.
PAGE_SUFFIXES = (".md", *OFFICIAL_SUFFIXES)
#: Files in a content folder that describe the folder, not a medicine.
NOT_PAGES = ("readme.md",)


def has_page_suffix(path: str | Path) -> bool:
    """Named like a page (whether or not it exists): how the CLI tells a path from a slug."""
    return Path(path).suffix.lower() in PAGE_SUFFIXES


def is_page_file(path: Path) -> bool:
    """A page of a content folder: a regular file named like a page, and not a README."""
    return has_page_suffix(path) and path.name.lower() not in NOT_PAGES and path.is_file()


def page_files(root: str | Path) -> list[Path]:
    """Every page under the folder ``root``, in a stable order."""
    return sorted(p for p in Path(root).rglob("*") if is_page_file(p))


def find_pages(paths: Iterable[str | Path]) -> list[Path]:
    """The pages of the given folders, and the given files as they are (a file named on the
    command line is checked even when a walk would skip it)."""
    pages: list[Path] = []
    for raw in paths:
        path = Path(raw)
        pages.extend(page_files(path) if path.is_dir() else [path])
    return pages


def source_stem(source: str) -> str:
    """``b/baclofen.md`` (or ``.json``, ``.xml``) → ``b/baclofen``: what a page's outputs are named after."""
    return next((source[: -len(x)] for x in PAGE_SUFFIXES if source.lower().endswith(x)), source)


def byte_limit(path: str | Path, max_bytes: int, max_bytes_xml: int) -> int:
    """The most bytes the page at ``path`` may be read to: an official source's limit for a
    ``.json``/``.xml`` file; otherwise the larger one (the content decides the format, and a
    markdown page is held to ``max_bytes`` once decoded)."""
    return max_bytes_xml if Path(path).suffix.lower() in OFFICIAL_SUFFIXES else max(max_bytes, max_bytes_xml)
