"""Render a Leaflet to the HTML document that WeasyPrint prints (and that --format html writes).

Templates get three things: ``leaflet`` (the model), ``settings`` and ``view``, the derived,
print-ready data computed here so that the ordering rules are testable Python, not template logic.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from . import __version__, assets
from .i18n import texts
from .labels import without_bracketed
from .model import Kind, Leaflet, Personal, Prose, Section, Severity, SideEffect, SideEffectGroup
from .paper import keep_together, running_header, trace_line, url_html
from .qr import qr_svg
from .scripts import LATIN, Typesetting, isolated, isolated_text, typesetting
from .settings import DEFAULT_DISCLAIMER, Settings
from .translations import Translation, translations
from .urls import page_url

#: Where each kind of section is printed: what the patient must act on comes first.
_RANK = {
    # An official label's boxed warning prints before anything else, as the label prints it.
    Kind.BOXED_WARNING: -1,
    Kind.GENERIC_NAME: 0,
    Kind.INTRO: 0,
    Kind.USAGE: 1,
    # 2 is the serious side-effect callouts, 3 the rest of the side effects.
    Kind.SIDE_EFFECTS: 3,
    Kind.DOSAGE: 4,
    Kind.PRECAUTIONS: 4,
    Kind.INTERACTIONS: 4,
    Kind.STORAGE: 4,
    Kind.HOW_IT_WORKS: 5,
    Kind.FAQS: 6,
    Kind.OTHER: 7,
    Kind.DISCLAIMER: 8,
    Kind.NOTE: 8,
}
#: The running footer's title, shortened to two lines of its box at each size.
RUNNING_TITLE_MAX = {"standard": 60, "large": 48, "xl": 40}


@dataclass(frozen=True)
class Run:
    """Consecutive items (one list) or one prose block, in page order."""

    items: tuple[SideEffect, ...] = ()
    prose: Prose | None = None


@dataclass(frozen=True)
class GroupView:
    label: Markup | None
    label_is_heading: bool
    severity: Severity
    runs: tuple[Run, ...]


_EMPTY = Markup("")


@dataclass(frozen=True)
class Block:
    kind: str
    label: str = ""
    html: Markup = _EMPTY
    group: GroupView | None = None
    groups: tuple[GroupView, ...] = ()
    faqs: tuple[Any, ...] = ()
    #: Per-ingredient blocks print their own sections inside them.
    children: tuple[Block, ...] = ()


@dataclass(frozen=True)
class View:
    blocks: tuple[Block, ...]
    url: str | None
    qr_svg: Markup | None
    short_title: str
    source_name: str
    created: str | None
    inline_css: tuple[Markup, ...]
    text: dict[str, str]
    version: str
    logo_uri: str | None = None
    personal: Personal | None = None
    #: "Revision 4539173c · 23 Nov 2024": the running footer and the end of the body.
    trace: str = ""
    #: The same in the running footer (a long date as written cut short, see paper.trace_line).
    footer_trace: str = ""
    #: The online address with break opportunities after "/" only (hyphens break by themselves).
    url_html: Markup = _EMPTY
    #: The running header of every page of a personalised leaflet (patient, pharmacy phone).
    running_header: str = ""
    #: How much the spacing is tightened (0, 1, 2) to save a nearly empty last page (pdf.py).
    fit: int = 0
    #: The document's language tag (as fonts expect it), direction and fonts.
    typesetting: Typesetting = LATIN
    translations: tuple[Translation, ...] = ()

    @property
    def masthead_blocks(self) -> tuple[Block, ...]:
        """What the print's masthead holds beside the title (see ``masthead_split``)."""
        return masthead_split(self.blocks)[0]

    @property
    def body_blocks(self) -> tuple[Block, ...]:
        return masthead_split(self.blocks)[1]


def masthead_split(blocks: tuple[Block, ...]) -> tuple[tuple[Block, ...], tuple[Block, ...]]:
    """(the generic name, with the notes that follow it, for page 1's masthead; the rest). A note
    right after the generic name qualifies it, so it stays beside it."""
    head: list[Block] = []
    body: list[Block] = []
    beside = False  # the block before went to the masthead
    for block in blocks:
        beside = block.kind == "glance" or (block.kind == "note" and beside)
        (head if beside else body).append(block)
    return tuple(head), tuple(body)


def leaflet_url(leaflet: Leaflet, settings: Settings) -> str | None:
    """The online version's address (the QR code's), or None when no site is configured."""
    return page_url(leaflet.source, leaflet.permalink, leaflet.slug, leaflet.relpath, settings)


def without_qr(count: int = 1) -> str:
    """The one warning for leaflets that print without a QR code (``leaflet_url`` was None)."""
    what = "the leaflet is" if count == 1 else f"{count} leaflets are"
    return (
        f"no base_url is configured: {what} printed without a QR code "
        "(set [site] base_url in leaflets.toml or pass --base-url)"
    )


def shorten(title: str, limit: int = RUNNING_TITLE_MAX["standard"]) -> str:
    if len(title) <= limit:
        return title
    cut = title[: limit - 1].rstrip()
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space].rstrip(" +,;/-")
    return cut + "…"


def _group_view(group: SideEffectGroup) -> GroupView:
    runs: list[Run] = []
    pending: list[SideEffect] = []
    for block in group.blocks:
        if isinstance(block, SideEffect):
            pending.append(_safe_item(block))
            continue
        if pending:
            runs.append(Run(items=tuple(pending)))
            pending = []
        runs.append(Run(prose=Prose(Markup(block.html), block.severity)))
    if pending:
        runs.append(Run(items=tuple(pending)))
    label = Markup(group.label) if group.label is not None else None
    return GroupView(label, group.label_is_heading, group.severity, tuple(runs))


def _safe_item(item: SideEffect) -> SideEffect:
    return SideEffect(Markup(item.html), item.severity)


_BLOCK_START = re.compile(r"^\s*<(?:p|ul|ol|table|div|blockquote|h[1-6]|pre|dl)\b")


def _as_block(html: str) -> Markup:
    """Wrap bare inline HTML in a paragraph so every text run sits in a block element."""
    if html and not _BLOCK_START.match(html):
        return Markup("<p>") + Markup(html) + Markup("</p>")
    return Markup(html)


def print_blocks(leaflet: Leaflet, settings: Settings, personal: Personal | None = None) -> tuple[Block, ...]:
    """The leaflet's sections as printed blocks, in print order. Each section appears once."""
    text = texts(leaflet.lang)
    ranked = _ranked(leaflet.sections, _words(leaflet.title))
    if personal:
        # The pharmacist's directions lead; the page's own dosage text is general information.
        ranked = [(r, i, _as_general(b, text["general_info"])) for r, i, b in ranked]
    if leaflet.h1:
        ranked.append((0, -1, Block("heading", html=Markup("<p>%s</p>") % leaflet.h1)))
    if not leaflet.of_kind(Kind.DISCLAIMER):
        # The built-in default speaks the page's language; a configured one is printed as written.
        words = settings.default_disclaimer
        if words == DEFAULT_DISCLAIMER:
            words = text["default_disclaimer"]
        default = Block("disclaimer", text["disclaimer"], _as_block(str(Markup.escape(words))))
        ranked.append((_RANK[Kind.DISCLAIMER], -1, default))
    ranked.sort(key=lambda r: (r[0], r[1]))
    return tuple(block for _, _, block in ranked)


def _as_general(block: Block, words: str) -> Block:
    if block.kind == "dosage":
        return replace(block, label=f"{block.label} ({words})")
    if block.kind == "group":
        return replace(block, children=tuple(_as_general(c, words) for c in block.children))
    return block


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[^\W_]+", text.casefold()) if len(w) > 2}


def _ranked(sections: tuple[Section, ...], title_words: set[str]) -> list[tuple[int, int, Block]]:
    ranked: list[tuple[int, int, Block]] = []
    for index, section in enumerate(sections):
        if section.children:
            inner = _ranked(section.children, title_words)
            inner.sort(key=lambda r: (r[0], r[1]))
            block = Block(
                "group", section.label, Markup(section.html), children=tuple(b for _, _, b in inner)
            )
            # An ingredient's block ("Amoxicillin", named in the title) is printed where its first
            # section would be; any other block of sections is "any other section".
            name = _words(without_bracketed(section.label, "()", same_line=True))
            ingredient = bool(name) and name <= title_words
            rank = min((r for r, _, _ in inner), default=_RANK[Kind.OTHER])
            ranked.append((max(rank, 1) if ingredient else _RANK[Kind.OTHER], index, block))
            continue
        blocks = _section_blocks(section)
        if section.kind is Kind.NOTE and ranked and any(s.kind in _CONTENT for s in sections[index + 1 :]):
            # A note between sections qualifies the one before it: it prints there. Only the
            # page's closing note goes to the end.
            blocks = [(ranked[-1][0], block) for _, block in blocks]
        ranked.extend((rank, index, block) for rank, block in blocks)
    return ranked


_CONTENT = frozenset(_RANK) - {Kind.INTRO, Kind.NOTE, Kind.DISCLAIMER, Kind.OTHER, Kind.GENERIC_NAME}


def _section_blocks(section: Section) -> list[tuple[int, Block]]:
    kind = section.kind
    html = Markup(section.html)
    if kind is Kind.GENERIC_NAME:
        inline = re.sub(r"^\s*<p>(.*)</p>\s*$", r"\1", section.html, flags=re.S)
        if "<p>" in inline or "<ul" in inline:
            return [(0, Block("other", section.label, html))]
        return [(0, Block("glance", section.label, Markup(inline)))]
    if kind is Kind.INTRO:
        return [(0, Block("intro", "", html))]
    if kind is Kind.BOXED_WARNING:
        # One callout, headed by the warning's own title, holding every group in order.
        groups = tuple(_group_view(g) for g in section.groups)
        return [(_RANK[kind], Block("boxed", section.label, html, groups=groups))]
    if kind is Kind.SIDE_EFFECTS:
        # Serious items lead, in callouts; serious prose is boxed where it stands, beside the
        # list it qualifies (issue 11, shape 6).
        serious = [g for g in section.groups if g.severity is Severity.SERIOUS and g.items]
        common = tuple(_group_view(g) for g in section.groups if g.severity is Severity.COMMON or not g.items)
        out: list[tuple[int, Block]] = []
        if common or section.html or not serious:
            out.append((3, Block("side_effects", section.label, html, groups=common)))
        for n, g in enumerate(serious):
            # With no common part, the page's own label heads the first callout.
            label = section.label if n == 0 and not out else ""
            out.append((2, Block("serious", label, group=_group_view(g))))
        return out
    if kind is Kind.FAQS:
        faqs = tuple(type(f)(question=Markup(f.question), answer=_as_block(f.answer)) for f in section.faqs)
        return [(_RANK[kind], Block("faqs", section.label, html, faqs=faqs))]
    return [(_RANK[kind], Block(kind.value, section.label, html))]


def _created(leaflet: Leaflet) -> str | None:
    """A reproducible creation date: the page's own, else SOURCE_DATE_EPOCH, else none at all."""
    if leaflet.date and re.match(r"^\d{4}-\d{2}-\d{2}", leaflet.date):
        try:
            return dt.date.fromisoformat(leaflet.date[:10]).isoformat()
        except ValueError:
            pass  # a typo in the page's date: it is printed as written, not used as metadata
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        stamp = dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
        return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    return None


@functools.lru_cache(maxsize=4)
def environment(templates: Path | None = None) -> jinja2.Environment:
    shipped = assets.shipped_templates()
    if shipped is not None and templates is None:
        return _shipped_environment(tuple(sorted(shipped.items())))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates or assets.templates_dir())),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
    )
    env.filters.update(isolated=isolated, isolated_text=isolated_text)
    return env


@functools.lru_cache(maxsize=2)
def _shipped_environment(items: tuple[tuple[str, str], ...]) -> jinja2.Environment:
    """Templates that travelled with the work to a remote worker."""
    env = jinja2.Environment(
        loader=jinja2.DictLoader(dict(items)), autoescape=True, undefined=jinja2.StrictUndefined
    )
    env.filters.update(isolated=isolated, isolated_text=isolated_text)
    return env


def page_text(leaflet: Leaflet, personal: Personal | None = None) -> str:
    """Everything the document prints, markup included: what decides the fonts it needs."""
    parts = [leaflet.title, leaflet.h1 or "", *texts(leaflet.lang).values()]
    for section in leaflet.all_sections():
        parts += [section.label, section.html]
        parts += [b.html for g in section.groups for b in g.blocks]
        parts += [g.label or "" for g in section.groups]
        parts += [f.question + f.answer for f in section.faqs]
    if personal:
        parts += [personal.patient, personal.directions, personal.initials]
        parts += [personal.strength, personal.quantity]
    return "\n".join(parts)


def leaflet_typesetting(leaflet: Leaflet, personal: Personal | None = None) -> Typesetting:
    """Raises MissingFontError when a script the page prints has no installed font."""
    return typesetting(leaflet.lang, page_text(leaflet, personal))


def make_view(
    leaflet: Leaflet,
    settings: Settings,
    *,
    inline_css: bool = False,
    personal: Personal | None = None,
    fit: int = 0,
) -> View:
    url = leaflet_url(leaflet, settings)
    text = texts(leaflet.lang)
    ts = leaflet_typesetting(leaflet, personal)
    sheets = assets.stylesheet_texts(settings, ts) if inline_css else []
    css = tuple(Markup(sheet) for sheet in sheets)
    return View(
        blocks=print_blocks(leaflet, settings, personal),
        url=url,
        qr_svg=Markup(qr_svg(url, f"{text['qr_alt']}: {url}")) if url else None,
        short_title=shorten(leaflet.title, RUNNING_TITLE_MAX[settings.size]),
        source_name=(leaflet.relpath or leaflet.slug) + (Path(leaflet.source).suffix or ".md"),
        created=_created(leaflet),
        inline_css=css,
        text=text,
        version=__version__,
        logo_uri=assets.logo_url(settings),
        personal=personal or None,
        trace=trace_line(leaflet, text),
        footer_trace=trace_line(leaflet, text, footer=True),
        url_html=url_html(url),
        running_header=running_header(personal.patient, settings, text) if personal else "",
        fit=fit,
        typesetting=ts,
        translations=translations(leaflet, settings),
    )


def render_html(
    leaflet: Leaflet,
    settings: Settings | None = None,
    *,
    inline_css: bool = False,
    personal: Personal | None = None,
    fit: int = 0,
) -> str:
    """The leaflet as an HTML document. With ``inline_css`` the stylesheets are embedded, so
    bare WeasyPrint given this one file prints the same leaflet. ``personal`` adds the
    pharmacist's label for one patient at the top; ``fit`` tightens the spacing (1 or 2)."""
    settings = settings or Settings()
    view = make_view(leaflet, settings, inline_css=inline_css, personal=personal, fit=fit)
    template = environment().get_template("leaflet.html")
    head, body = template.render(leaflet=leaflet, settings=settings, view=view).split("<body", 1)
    return head + "<body" + keep_together(body)
