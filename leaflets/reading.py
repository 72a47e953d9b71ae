"""Reading order: the printed leaflet as plain-text parts, for braille and speech.

The order of sections is decided in one place, ``render.print_blocks``. This module walks those
very blocks and turns their sanitised HTML into headings, paragraphs and list items, so the BRF
and the audio say what the print says, in its order and with its severity labels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from .i18n import texts
from .model import Item, Leaflet, Personal, Prescription
from .paper import trace_line
from .render import Block, GroupView, leaflet_url, print_blocks
from .settings import Settings

HEADING, PARA, ITEM = "heading", "para", "item"


@dataclass(frozen=True)
class Line:
    kind: str  # HEADING (a sub-heading inside a part), PARA or ITEM
    text: str
    #: List nesting for items (0 for a top-level item).
    depth: int = 0


@dataclass(frozen=True)
class Part:
    """One printed section: its heading (empty for text printed under the title) and body."""

    title: str
    #: 2 for a section, 3 for a section inside a per-ingredient block.
    level: int
    lines: tuple[Line, ...]
    #: The block kind from render.py ("usage", "serious", "faqs", …).
    kind: str
    #: The per-ingredient block this part belongs to, when it is one of its sections.
    parent: str = ""

    @property
    def has_text(self) -> bool:
        return any(line.text for line in self.lines)


@dataclass(frozen=True)
class Reading:
    title: str
    lang: str
    revision: str
    parts: tuple[Part, ...]
    #: The print's footer: the online address, and "Revision … · date".
    url: str | None
    trace: str
    text: dict[str, str]
    #: The page's file, for the file's metadata only (never read out or embossed).
    source: str = ""


def reading_order(leaflet: Leaflet, settings: Settings, personal: Personal | None = None) -> Reading:
    text = texts(leaflet.lang)
    parts: list[Part] = []
    if personal:
        rows = [
            (text["patient"], personal.patient),
            (text["medicine"], leaflet.title),
            (text["strength"], personal.strength),
            (text["quantity"], personal.quantity),
            (text["directions"], personal.directions),
            (text["pharmacist"], personal.initials),
            (text["dispensed"], personal.dispensed),
        ]
        lines = tuple(Line(PARA, f"{label}: {_clean(value)}") for label, value in rows if value.strip())
        parts.append(Part(text["personal"], 2, lines, "personal"))
    for block in print_blocks(leaflet, settings, personal):
        parts.extend(_parts(block, text, 2))
    return Reading(
        title=leaflet.title,
        lang=leaflet.lang,
        revision=leaflet.revision,
        parts=tuple(parts),
        url=leaflet_url(leaflet, settings),
        # As the print's: the revision and the page's date, never the source path.
        trace=trace_line(leaflet, text).replace("\u00a0", " "),
        text=text,
        source=f"{leaflet.relpath or leaflet.slug}.md",
    )


def summary_reading(
    rows: list[tuple[Leaflet, Item, int | None]], rx: Prescription, lang: str, title: str, date: str
) -> Reading:
    """A prescription's "Your medicines" page, read as the print reads it: who and when, then
    each medicine with what the pharmacist typed, exactly, and the page its leaflet starts on
    (None where pages are not counted, as in speech)."""
    text = texts(lang)
    facts = [(text["patient"], rx.patient), (text["date"], date), (text["pharmacist"], rx.initials)]
    lines = [Line(PARA, f"{label}: {_clean(value)}") for label, value in facts if value.strip()]
    for leaflet, item, start in rows:
        lines.append(Line(HEADING, leaflet.title))
        fields = [
            (text["strength"], item.strength),
            (text["quantity"], item.quantity),
            (text["directions"], item.directions),
        ]
        lines += [Line(ITEM, f"{label}: {_clean(value)}") for label, value in fields if value.strip()]
        if start is not None:
            lines.append(Line(ITEM, f"{text['leaflet']}: {text['starts_on'].format(page=start)}"))
    revision = "+".join(leaflet.revision[:8] for leaflet, _, _ in rows)
    part = Part(text["your_medicines"], 2, tuple(lines), "summary")
    return Reading(title, lang, revision, (part,), url=None, trace=title, text=text)


def _parts(block: Block, text: dict[str, str], level: int, parent: str = "") -> list[Part]:
    if block.kind == "group":
        own = Part(block.label, level, flatten(block.html), "group", parent)
        children = [p for child in block.children for p in _parts(child, text, level + 1, block.label)]
        return [own, *children]
    if block.kind == "glance":
        return [Part("", level, (Line(PARA, f"{block.label}: {_inline(block.html)}"),), "glance", parent)]
    if block.kind == "serious":
        # As printed: the callout's own heading, the page's label (when it heads the callout), the group.
        lines = [Line(HEADING, block.label)] if block.label else []
        lines.extend(_group(block.group))
        return [Part(text["serious"], level, tuple(lines), "serious", parent)]
    if block.kind == "side_effects":
        lines = []
        for group in block.groups:
            if group.severity == "serious":  # serious prose, boxed where it stands in print
                lines.append(Line(HEADING, text["serious"]))
            lines.extend(_group(group))
        lines.extend(flatten(block.html))
        return [Part(block.label, level, tuple(lines), block.kind, parent)]
    if block.kind == "faqs":
        lines = []
        for faq in block.faqs:
            lines.append(Line(HEADING, _inline(faq.question)))
            lines.extend(flatten(faq.answer))
        lines.extend(flatten(block.html))
        return [Part(block.label, level, tuple(lines), block.kind, parent)]
    return [Part(block.label, level, flatten(block.html), block.kind, parent)]


def _group(group: GroupView | None) -> list[Line]:
    if group is None:
        return []
    lines: list[Line] = []
    if group.label:
        lines.append(Line(HEADING if group.label_is_heading else PARA, _inline(group.label)))
    for run in group.runs:
        if run.items:
            lines.extend(Line(ITEM, _inline(item.html)) for item in run.items)
        elif run.prose is not None:
            lines.extend(flatten(run.prose.html))
    return [line for line in lines if line.text]


# -- HTML → lines ------------------------------------------------------------------------------

_BLOCKS = {
    "p", "div", "blockquote", "pre", "table", "thead", "tbody", "tr", "dl", "dt", "dd",
    "section", "article", "header", "footer", "caption", "figure", "figcaption", "hr", "br",
}  # fmt: skip
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_LISTS = {"ul", "ol"}


class _Flatten(HTMLParser):
    """Sanitised fragment → lines: blocks break lines, list items become items, table cells
    are joined with a semicolon. Text is never dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[Line] = []
        self.buffer: list[str] = []
        self.kind = PARA
        self.depth = -1  # list nesting; -1 outside any list
        self.cells = 0

    def flush(self) -> None:
        words = _clean("".join(self.buffer))
        self.buffer = []
        if words:
            self.lines.append(Line(self.kind, words, max(self.depth, 0) if self.kind == ITEM else 0))

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _LISTS:
            self.flush()
            self.depth += 1
        elif tag == "li":
            self.flush()
            self.kind = ITEM
        elif tag in _HEADINGS:
            self.flush()
            self.kind = HEADING
        elif tag in ("td", "th"):
            if self.cells:
                self.buffer.append("; ")
            self.cells += 1
        elif tag in _BLOCKS:
            self.flush()
            if tag == "tr":
                self.cells = 0

    def handle_endtag(self, tag: str) -> None:
        if tag in _LISTS:
            self.flush()
            self.depth -= 1
            self.kind = ITEM if self.depth >= 0 else PARA
        elif tag == "li" or tag in _HEADINGS:
            self.flush()
            self.kind = ITEM if self.depth >= 0 else PARA
        elif tag in _BLOCKS:
            self.flush()

    def handle_startendtag(self, tag: str, attrs) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        self.buffer.append(data)


def flatten(html: str) -> tuple[Line, ...]:
    parser = _Flatten()
    parser.feed(str(html))
    parser.close()
    parser.flush()
    return tuple(parser.lines)


def _inline(html: str) -> str:
    """One line of text from a fragment (an item, a label, a question), whatever its blocks."""
    return _clean(" ".join(line.text for line in flatten(html)))


def _clean(text: str) -> str:
    # Every kind of space (no-break, thin, narrow) is a plain space for a braille or speech line.
    return re.sub(r"\s+", " ", text).strip()
