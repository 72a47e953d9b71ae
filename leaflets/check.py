"""``leaflets check``: what is wrong with a page before it reaches a patient.

Reads every page (files and folders), parses it as render would, and reports problems as
``file:line: level: message``, with readability figures at level ``info``.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import owners, urls
from .characters import describe, disguising
from .discover import find_pages
from .errors import ContentError, MissingFontError, NotALeafletError
from .i18n import missing, provenance
from .model import Kind, Leaflet, Problem
from .readability import Readability, leaflet_readability
from .reader import read_page
from .render import leaflet_typesetting
from .settings import Settings
from .urls import local_url


@dataclass
class FileReport:
    path: str
    problems: list[Problem] = field(default_factory=list)
    readability: Readability | None = None
    url: str | None = None
    #: The page's source under its folder (``b/baclofen.md``), for the paths it owns.
    source: str | None = None

    @property
    def status(self) -> str:
        levels = {p.level for p in self.problems}
        return "error" if "error" in levels else "warning" if "warning" in levels else "ok"

    def as_dict(self) -> dict:
        return {
            "path": self.path,
            "status": self.status,
            "problems": [
                {"line": p.line, "level": p.level, "code": p.code, "message": p.message}
                for p in self.problems
            ],
            "readability": self.readability.as_dict() if self.readability else None,
        }


def lint(leaflet: Leaflet, max_grade: float | None = None) -> tuple[list[Problem], Readability]:
    """Problems the parser cannot see alone: missing or empty sections, unknown ones, grade."""
    problems = list(leaflet.problems)
    kinds = {s.kind for s in leaflet.all_sections()}
    # Official leaflets (ePI, SPL) have no FAQs, disclaimer or "may not be accurate" note of their own.
    page = leaflet.source_format == "markdown"
    expected = ((Kind.USAGE, "usage"), (Kind.SIDE_EFFECTS, "side effects"), (Kind.FAQS, "FAQ"))
    for kind, name in expected if page else expected[:2]:
        if kind not in kinds:
            problems.append(Problem("warning", "missing-section", f"no {name} section"))
    if Kind.DISCLAIMER not in kinds:
        level = "warning" if page else "info"
        problems.append(Problem(level, "no-disclaimer", "no disclaimer (the default is printed)"))
    if Kind.NOTE not in kinds and page:
        problems.append(Problem("warning", "no-note", "no note"))
    if hidden := disguising(leaflet.title):
        names = ", ".join(describe(ch) for ch in hidden)
        problems.append(
            Problem(
                "warning",
                "disguised-title",
                f"the title holds invisible or reordering characters ({names}): it can look like another "
                f"medicine's title",
            )
        )
    if leaflet.h1 is not None:
        problems.append(
            Problem(
                "warning",
                "title-h1",
                f"title {leaflet.title!r} differs from the H1 {leaflet.h1!r}",
                leaflet.h1_line,
            )
        )
    for section in leaflet.all_sections():
        # An ingredient block is known, and so is an official section mapped by its code or title.
        if section.kind is Kind.OTHER and not section.children and section.code is None:
            problems.append(
                Problem(
                    "warning",
                    "unknown-section",
                    f"unknown section {section.label!r} (printed under its own heading)",
                    section.line,
                )
            )
        empty_body = not (section.html or section.groups or section.faqs or section.children)
        if empty_body and section.kind is not Kind.INTRO:
            problems.append(Problem("warning", "empty", f"section {section.label!r} is empty", section.line))
        empty_items = sum(1 for g in section.groups for i in g.items if not i.html.strip())
        empty_items += len(re.findall(r"<li>\s*</li>", section.html))
        if empty_items:
            problems.append(
                Problem(
                    "warning",
                    "empty-items",
                    f"{empty_items} empty item(s) in {section.label!r}",
                    section.line,
                )
            )
    if leaflet.date and re.match(r"^\d{4}-\d{2}-\d{2}", leaflet.date):
        try:
            dt.date.fromisoformat(leaflet.date[:10])
        except ValueError:
            problems.append(
                Problem(
                    "warning", "bad-date", f"date {leaflet.date!r} is not a real date (printed as written)"
                )
            )
    untranslated = missing(leaflet.lang)
    if untranslated is None:
        problems.append(
            Problem(
                "warning",
                "no-catalogue",
                f"no translation for lang {leaflet.lang!r}: the tool's own words "
                f"(headings, labels, page numbers) print in English",
            )
        )
    elif untranslated:
        problems.append(
            Problem(
                "warning",
                "untranslated",
                f"{len(untranslated)} of the tool's words have no {leaflet.lang!r} "
                f"translation and print in English: " + "; ".join(untranslated[:3]),
            )
        )
    try:
        leaflet_typesetting(leaflet)
    except MissingFontError as exc:
        problems.append(Problem("error", "no-font", str(exc)))
    if untranslated is not None and (origin := provenance(leaflet.lang)) and origin.reviewed_by is None:
        problems.append(
            Problem(
                "info",
                "unreviewed-catalogue",
                f"the tool's {leaflet.lang!r} words ({origin.translated_by}) have not been reviewed "
                "by a native speaker",
            )
        )
    readability = leaflet_readability(leaflet)
    grade = readability.grade
    problems.append(
        Problem(
            "info",
            "readability",
            f"Flesch reading ease {readability.flesch_reading_ease:.1f}, Flesch-Kincaid grade {grade:.1f}",
        )
    )
    if max_grade is not None and grade > max_grade:
        problems.append(
            Problem("warning", "grade", f"Flesch-Kincaid grade {grade:.1f} is above {max_grade:g}")
        )
    order = {"error": 0, "warning": 1, "info": 2}
    problems.sort(key=lambda p: (order.get(p.level, 3), p.line or 0))
    return problems, readability


def check_pages(
    paths: Iterable[str | Path], settings: Settings, max_grade: float | None = None
) -> list[FileReport]:
    reports = []
    folders = [Path(p) for p in paths if Path(p).is_dir()]
    for page in find_pages(paths):
        # A page found in a folder must be a regular file inside it; a named file is read as named.
        root = next((f for f in folders if page.is_relative_to(f)), None)
        reports.append(_check_one(page, root, settings, max_grade))
    _duplicate_urls(reports, settings)
    return reports


def _check_one(page: Path, root: Path | None, settings: Settings, max_grade: float | None) -> FileReport:
    """One page's report. Whatever goes wrong stays in this page's report."""
    report = FileReport(str(page))
    if root is not None:
        # Even an unreadable page owns its outputs' names (x.md and x.json clash: ``owners``).
        report.source = page.relative_to(root).as_posix()
    try:
        leaflet = read_page(
            page,
            content_root=root or settings.content_dir,
            **settings.read_options,
            confine=root is not None,
        )
        report.problems, report.readability = lint(leaflet, max_grade)
        report.source = (leaflet.relpath or leaflet.slug) + (page.suffix.lower() or ".md")
        report.url = local_url(leaflet.source, leaflet.permalink, leaflet.slug, leaflet.relpath, settings)
    except NotALeafletError as exc:
        report.problems.append(Problem("error", "not-a-leaflet", exc.message, exc.line))
    except ContentError as exc:
        code = "front-matter" if "front matter" in exc.message else "unreadable"
        code = "url" if "permalink" in exc.message or "site path" in exc.message else code
        report.problems.append(Problem("error", code, exc.message, exc.line))
    except Exception as exc:  # one page never stops the check of the others
        message = f"internal error: {type(exc).__name__}: {exc}"
        report.problems = [Problem("error", "internal", message)]
    return report


def _duplicate_urls(reports: list[FileReport], settings: Settings) -> None:
    """The build's ownership rules, as errors: a page whose online path is another page's, the
    build's own (manifest, index, static files, PDFs), or a file where another needs a folder."""
    pages = {r.source: r for r in reports if r.source}
    claims = {s: urls.site_path(r.url, settings) for s, r in pages.items()}
    for source, reason in sorted(owners.settle(claims, settings).items()):
        pages[source].problems.insert(0, Problem("error", "duplicate-url", reason))


def grade_summary(reports: list[FileReport]) -> str | None:
    """Distribution of Flesch–Kincaid grades over the pages read."""
    grades = [r.readability.grade for r in reports if r.readability and r.readability.words]
    if not grades:
        return None
    bands = [("≤ 5", -99, 5), ("6–8", 5, 8), ("9–12", 8, 12), ("13–16", 12, 16), ("> 16", 16, 999)]
    counts = ", ".join(f"{name}: {sum(lo < g <= hi for g in grades)}" for name, lo, hi in bands)
    return (
        f"readability: {len(grades)} pages, Flesch-Kincaid grade median "
        f"{statistics.median(grades):.1f} (grades {counts})"
    )
