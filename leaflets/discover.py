"""Which files are pages: the one place that decides it, for build, check, the counter and the CLI."""

from __future__ import annotations

import functools
import os
import posixpath
import re
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


#: What a language folder may be named: a two-letter language code, alone or with a region or a
#: script (``fr``, ``zh-CN``, ``zh-Hans``), as tags are written. Babel must know it too: ``xx``
#: and the letter folders (``b``) are not languages, and neither is ``src`` (a three-letter code
#: Babel knows), which is why three-letter codes are left out.
_LANGUAGE_FOLDER = re.compile(r"^[a-z]{2}(?:-(?:[A-Z]{2}|[A-Z][a-z]{3}))?$")


@functools.lru_cache(maxsize=512)
def folder_language(name: str) -> str | None:
    """The language a top-level folder of the content folder stands for (``fr``), or None."""
    if not _LANGUAGE_FOLDER.match(name):
        return None
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(name, sep="-")
    except (ValueError, UnknownLocaleError):
        return None
    return name


def language_folder(source: str) -> str | None:
    """The language of the language folder a page is in (``fr`` for ``fr/b/baclofen.md``, a path
    relative to the content folder), or None for a page outside one."""
    head, sep, _ = source.partition("/")
    return folder_language(head) if sep else None


def page_slug(source: str) -> str:
    """The name a page goes by in its online path, at the counter and on the command line: its
    file name (``baclofen`` for ``b/baclofen.md``), and in a language folder the file name and the
    language (``baclofen-fr`` for ``fr/b/baclofen.md``), so that the same medicine in two
    languages has two names. A name that already ends with its language keeps it once."""
    stem = source_stem(source)
    name = posixpath.basename(stem)
    lang = language_folder(stem)
    if lang is None or name.lower().endswith(f"-{lang.lower()}"):
        return name
    return f"{name}-{lang.lower()}"


def folder_translations(path: str | Path, source: str) -> tuple[tuple[str, str], ...]:
    """The same page in the other language folders: for the page at ``path`` whose path in the
    content folder is ``source`` (``fr/b/baclofen``), a (language, ``ar/b/baclofen``) pair for
    each ``ar/b/baclofen.md`` (or ``.json``, ``.xml``) that is a page. None outside a folder."""
    stem = source_stem(source)
    lang = language_folder(stem)
    root = content_root(path, stem)
    if lang is None or root is None:
        return ()
    rest = stem.split("/", 1)[1]
    try:
        folders = sorted(p.name for p in root.iterdir() if p.name != lang and p.is_dir())
    except OSError:
        return ()
    found = []
    for name in folders:
        other = folder_language(name)
        if other is not None and page_file(root, f"{name}/{rest}") is not None:
            found.append((other, f"{name}/{rest}"))
    return tuple(found)


def content_root(path: str | Path, stem: str) -> Path | None:
    """The content folder of the page at ``path`` whose path in it is ``stem`` (``fr/b/baclofen``)."""
    try:
        return Path(os.path.abspath(path)).parents[stem.count("/")]
    except IndexError:
        return None


def page_file(root: Path, stem: str) -> Path | None:
    """The page file ``stem`` names in the content folder ``root`` (``.md``, ``.json`` or ``.xml``)."""
    return next((root / f"{stem}{x}" for x in PAGE_SUFFIXES if is_page_file(root / f"{stem}{x}")), None)


def output_name(source: str, size: str) -> str:
    """``b/baclofen.md`` → ``b/baclofen.pdf`` (``b/baclofen.large.pdf``, ``b/baclofen.xl.pdf``)."""
    stem = source_stem(source)
    if size in ("brf", "audio"):
        return f"{stem}.{'mp3' if size == 'audio' else size}"
    return f"{stem}.pdf" if size == "standard" else f"{stem}.{size}.pdf"


def source_stem(source: str) -> str:
    """``b/baclofen.md`` (or ``.json``, ``.xml``) → ``b/baclofen``: what a page's outputs are named after."""
    return next((source[: -len(x)] for x in PAGE_SUFFIXES if source.lower().endswith(x)), source)


def byte_limit(path: str | Path, max_bytes: int, max_bytes_xml: int) -> int:
    """The most bytes the page at ``path`` may be read to: an official source's limit for a
    ``.json``/``.xml`` file; otherwise the larger one (the content decides the format, and a
    markdown page is held to ``max_bytes`` once decoded)."""
    return max_bytes_xml if Path(path).suffix.lower() in OFFICIAL_SUFFIXES else max(max_bytes, max_bytes_xml)
