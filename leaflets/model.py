"""The content model: plain, frozen, typed data with no I/O.

HTML fields hold sanitised HTML fragments made by the parser; templates mark them safe.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    #: ``common`` means only "not marked serious by the page"; the page's own label is kept.
    COMMON = "common"
    SERIOUS = "serious"


class Kind(StrEnum):
    INTRO = "intro"
    #: An official label's boxed warning (SPL 34066-1): printed first, as a serious callout.
    BOXED_WARNING = "boxed_warning"
    GENERIC_NAME = "generic_name"
    USAGE = "usage"
    DOSAGE = "dosage"
    SIDE_EFFECTS = "side_effects"
    PRECAUTIONS = "precautions"
    INTERACTIONS = "interactions"
    HOW_IT_WORKS = "how_it_works"
    STORAGE = "storage"
    FAQS = "faqs"
    DISCLAIMER = "disclaimer"
    NOTE = "note"
    OTHER = "other"


@dataclass(frozen=True)
class SideEffect:
    html: str
    severity: Severity


@dataclass(frozen=True)
class Prose:
    """A paragraph (or other block) inside a side-effect group that is not a list item."""

    html: str
    severity: Severity


@dataclass(frozen=True)
class SideEffectGroup:
    #: The page's own words that introduce the group (a label or a lead-in sentence), as HTML.
    label: str | None
    severity: Severity
    #: Items and prose in page order.
    blocks: tuple[SideEffect | Prose, ...] = ()
    #: True when the label was a heading or a bold label, False for a lead-in sentence.
    label_is_heading: bool = False

    @property
    def items(self) -> tuple[SideEffect, ...]:
        return tuple(b for b in self.blocks if isinstance(b, SideEffect))


@dataclass(frozen=True)
class Faq:
    question: str
    answer: str


@dataclass(frozen=True)
class Section:
    kind: Kind
    #: The page's own label, as plain text ("How it Works", "Side Effects").
    label: str
    #: 1-based line of the label in the source file (of the first body line for an intro).
    line: int
    #: Body HTML. For side effects and FAQs, what was not captured as groups or pairs.
    html: str = ""
    groups: tuple[SideEffectGroup, ...] = ()
    faqs: tuple[Faq, ...] = ()
    #: Per-ingredient blocks (``**Drug A:**``) keep their own sections here.
    children: tuple[Section, ...] = ()
    #: How an official source's section was mapped (``loinc 34084-4``, ``qrd 200000029910``,
    #: ``title``); None for markdown pages and for official sections nothing maps.
    code: str | None = None


def walk(sections: Iterable[Section]) -> Iterator[Section]:
    """Sections and their children, depth first, in page order."""
    for section in sections:
        yield section
        yield from walk(section.children)


@dataclass(frozen=True)
class Personal:
    """What a pharmacist adds at the counter. Printed at the top of page 1 as a label (USP <17>);
    never logged, stored or cached."""

    patient: str = ""
    directions: str = ""
    initials: str = ""
    #: Free text as the pharmacist typed it ("500 mg tablets", "21 tablets").
    strength: str = ""
    quantity: str = ""
    #: The dispensing date, ISO (YYYY-MM-DD).
    dispensed: str = ""

    def __bool__(self) -> bool:
        return any((self.patient, self.directions, self.initials, self.strength, self.quantity))


@dataclass(frozen=True)
class Item:
    """One medicine of a prescription: a page (by slug or name) and what the label says."""

    page: str
    directions: str = ""
    strength: str = ""
    quantity: str = ""


@dataclass(frozen=True)
class Prescription:
    """Several leaflets printed as one PDF for one patient; like Personal, never logged, stored
    or cached."""

    items: tuple[Item, ...]
    patient: str = ""
    initials: str = ""
    #: The dispensing date, ISO (YYYY-MM-DD).
    date: str = ""
    #: The summary page's language; empty: the leaflets' own when they share one, else English.
    lang: str = ""

    def personal(self, item: Item) -> Personal:
        return Personal(
            patient=self.patient,
            directions=item.directions,
            initials=self.initials,
            strength=item.strength,
            quantity=item.quantity,
            dispensed=self.date,
        )


@dataclass(frozen=True)
class Edition:
    """One printed form of one page revision: the key of the counter's cache, of its ETags and
    of the PDF identifier, so that equal keys mean equal bytes (for the same settings)."""

    #: The page's path in its content folder (``b/baclofen``): two copies of one text differ.
    page: str
    revision: str
    size: str
    paper: str
    format: str = "pdf"

    @classmethod
    def of(cls, leaflet: Leaflet, size: str, paper: str, format: str = "pdf") -> Edition:
        return cls(leaflet.relpath or leaflet.slug, leaflet.revision, size, paper, format)

    def digest(self, *context: str) -> str:
        """32 hex digits; ``context`` adds what else shapes the bytes (such as the site)."""
        fields = (self.page, self.revision, self.size, self.paper, self.format, *context)
        return hashlib.sha256("\0".join(fields).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Problem:
    """Something ``check`` reports about a page. ``line`` is None when no line applies."""

    level: str  # "error", "warning" or "info"
    code: str
    message: str
    line: int | None = None


@dataclass(frozen=True)
class Leaflet:
    source: str
    slug: str
    title: str
    lang: str
    #: Sections in page order; nothing the page holds is missing from here.
    sections: tuple[Section, ...]
    #: A short hash of the source bytes, printed so a copy can be traced.
    revision: str
    generic_name: str | None = None
    #: The page's own date (``date``, ``lastModified`` or ``reviewed``), as written.
    date: str | None = None
    permalink: str | None = None
    #: Path relative to the content folder, without suffix (``b/baclofen``).
    relpath: str = ""
    #: The page's first H1, when it says something other than the title (it is printed too).
    h1: str | None = None
    h1_line: int | None = None
    problems: tuple[Problem, ...] = field(default=())
    #: Other names the page gives (front matter ``aliases:``): brand names, older names.
    aliases: tuple[str, ...] = ()
    #: The same medicine in other languages: (language tag, page path without .md), from the
    #: ``translations:`` front matter.
    translations: tuple[tuple[str, str], ...] = ()
    #: What the source is: ``markdown``, ``epi`` (FHIR ePI Bundle) or ``spl`` (FDA SPL).
    source_format: str = "markdown"

    @property
    def warnings(self) -> tuple[str, ...]:
        """Warnings as ``file:line: message`` lines."""
        return tuple(
            f"{self.source}{f':{p.line}' if p.line else ''}: {p.message}"
            for p in self.problems
            if p.level == "warning"
        )

    def all_sections(self) -> tuple[Section, ...]:
        """Every section, children (per-ingredient blocks) included, in page order."""
        return tuple(walk(self.sections))

    def of_kind(self, *kinds: Kind) -> tuple[Section, ...]:
        return tuple(s for s in self.all_sections() if s.kind in kinds)

    @property
    def side_effect_groups(self) -> tuple[SideEffectGroup, ...]:
        return tuple(g for s in self.of_kind(Kind.SIDE_EFFECTS) for g in s.groups)

    @property
    def faqs(self) -> tuple[Faq, ...]:
        return tuple(f for s in self.of_kind(Kind.FAQS) for f in s.faqs)

    @property
    def disclaimer(self) -> Section | None:
        found = self.of_kind(Kind.DISCLAIMER)
        return found[0] if found else None

    @property
    def note(self) -> Section | None:
        found = self.of_kind(Kind.NOTE)
        return found[0] if found else None
