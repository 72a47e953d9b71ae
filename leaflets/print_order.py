"""Print order: a leaflet's sections as the blocks it prints, in the order it prints them.

What the patient must act on comes first (usage, then the serious side effects in callouts, then
the rest), each section appears once, a note stays beside the section it qualifies, and the
pharmacist's directions make the page's own dosage text general information. ``render`` puts
the blocks in the view the templates get; ``reading`` walks them for braille and audio.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from markupsafe import Markup

from .i18n import texts
from .labels import without_bracketed
from .model import Kind, Leaflet, Personal, Prose, Section, Severity, SideEffect, SideEffectGroup
from .settings import DEFAULT_DISCLAIMER, Settings

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
