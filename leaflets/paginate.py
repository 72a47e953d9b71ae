"""The pagination rules a stylesheet cannot state (issue 12), measured on WeasyPrint's layout.

print.css states what CSS can: breaks between callout items, headings kept with what follows,
orphans and widows. What it cannot is a judgement over whole pages: a last page there for a
few lines, or a page but the last left under-filled because a block kept with the end (or a
long item) moved on. ``pdf.html_to_pdf`` then lays the leaflet out again: tighter spacing first
(``fit-1``, ``fit-2`` in print.css), and when the page cannot be saved, an earlier start of the
last page (``carry_rule``), so that it holds a reader's worth of text, or the disclaimer and the
note parted (``RELEASE_END_RULES``).
"""

from __future__ import annotations

from collections.abc import Callable

#: A last page with fewer lines of text than this is worth another layout.
MIN_LAST_PAGE_LINES = 6
#: A page but the last filled less than this share of its content area is worth another layout.
MIN_PAGE_FILL = 0.55
#: Tightening levels tried, in order (``fit-1``, ``fit-2`` in print.css).
FIT_LEVELS = (1, 2)
#: Past this many pages, more layouts cost more than the paper they save (pathological pages).
MAX_REFIT_PAGES = 80

#: The disclaimer and the note end the leaflet together, each box whole (print.css); when the
#: pair, moved on whole, leaves the page before it under-filled, they may part, and a box may
#: split between its lines (its frame drawn on both pages): first parted, keeping enough of a
#: box's lines for the last page (with the trace after them); then together, split as any
#: paragraph splits; then parted so.
_SPLIT = ".boxed { break-inside: auto; box-decoration-break: clone; }"
_PARTED = f".boxed + .boxed {{ break-before: auto; }} {_SPLIT}"
RELEASE_END_RULES = (f"{_PARTED} .boxed p {{ widows: {MIN_LAST_PAGE_LINES - 1}; }}", _SPLIT, _PARTED)

_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


def _inked(box) -> bool:
    """A line with text in it, or an image or SVG (the QR code)."""
    from weasyprint.formatting_structure.boxes import LineBox, ReplacedBox, TextBox

    if isinstance(box, ReplacedBox):
        return True
    return isinstance(box, LineBox) and any(
        isinstance(d, TextBox) and d.text.strip() for d in box.descendants()
    )


def _marks(page) -> list[tuple[float, float, bool]]:
    """(top, bottom, is a line of text) of each inked box of a page's content area, from its top."""
    from weasyprint.formatting_structure.boxes import LineBox

    box = page._page_box
    top = box.content_box_y()
    return [
        (d.position_y - top, d.position_y + d.margin_height() - top, isinstance(d, LineBox))
        for d in box.children[0].descendants()
        if _inked(d)
    ]


def page_fill(page) -> float:
    """The share of a page's content area, top down, that its lines and images reach."""
    height = page._page_box.height
    return max((bottom for _, bottom, _ in _marks(page)), default=0) / height if height else 1.0


def last_page_lines(document) -> int:
    """Lines of text in the last page's content area (margin boxes are not counted)."""
    return sum(1 for _, _, line in _marks(document.pages[-1]) if line)


def wasteful(document) -> bool:
    """A last page there for a few lines, or a page but the last left under-filled."""
    pages = document.pages
    return len(pages) > 1 and (
        last_page_lines(document) < MIN_LAST_PAGE_LINES
        or any(page_fill(p) < MIN_PAGE_FILL for p in pages[:-1])
    )


def settle(layout: Callable, html: str, refit: Callable[[int], str] | None):
    """The laid-out document to print. ``layout(html, extra_css="")`` → (HTML, Document);
    ``refit(level)`` → the document's HTML with tighter spacing. When the first layout wastes
    paper, the tighter levels are tried in turn, and the first that saves a page is taken; when
    none leaves the leaflet without waste and its last page holds a few lines, that page is
    started earlier (``carry_rule``). Only the leaflets that waste paper pay for more layouts."""
    source, rendered = layout(html)
    if refit is None or len(rendered.pages) > MAX_REFIT_PAGES or not wasteful(rendered):
        return rendered
    text = html
    for level in FIT_LEVELS:
        tighter_text = refit(level)
        tighter_source, tighter = layout(tighter_text)
        if len(tighter.pages) < len(rendered.pages):
            text, source, rendered = tighter_text, tighter_source, tighter
        if not wasteful(rendered):
            return rendered

    def better(candidate) -> bool:
        return len(candidate.pages) <= len(rendered.pages) and not wasteful(candidate)

    rule = carry_rule(rendered, source.etree_element)
    if rule and better(carried := layout(text, rule)[1]):
        return carried
    # The end parted: the note may then be left alone on a last page of a few lines, which
    # starts earlier in turn.
    for parting in RELEASE_END_RULES:
        parted_source, parted = layout(text, parting)
        if better(parted):
            return parted
        rule = carry_rule(parted, parted_source.etree_element)
        if rule and better(carried := layout(text, f"{parting} {rule}")[1]):
            return carried
    return rendered


def carry_rule(document, root) -> str | None:
    """A rule that starts the last page earlier, ``<selector> { break-before: page }``, so that it
    holds MIN_LAST_PAGE_LINES lines while the page before stays MIN_PAGE_FILL full; None when no
    break point does. A break point is the start of a block on the page before the last that CSS
    allows a break before: not inside a block that avoids breaks, not after a heading or another
    block kept with what follows, not before a block kept with what precedes it (the end group).
    The latest such point that moves enough lines is chosen: the page before loses the least.
    ``root`` is the document's element tree (``HTML.etree_element``)."""
    if len(document.pages) < 2:
        return None
    wanted = MIN_LAST_PAGE_LINES - last_page_lines(document)
    if wanted <= 0:
        return None
    page = document.pages[-2]
    height = page._page_box.height
    marks = _marks(page)
    best = None
    for box, y in _break_points(page):
        moved = sum(1 for top, _, line in marks if line and top >= y - 0.5)
        above = max((bottom for top, bottom, _ in marks if top < y - 0.5), default=0)
        if moved >= wanted and above / height >= MIN_PAGE_FILL and (best is None or y > best[1]):
            best = (box, y)
    if best is None:
        return None
    selector = _selector(root, best[0].element)
    return f"{selector} {{ break-before: page; }}" if selector else None


def _break_points(page):
    """(box, its top from the content area's top) of each block that may start a page."""
    from weasyprint.formatting_structure.boxes import BlockBox

    top = page._page_box.content_box_y()

    def walk(box):
        children = [c for c in getattr(box, "children", ()) if isinstance(c, BlockBox)]
        for before, child in zip([None, *children], children, strict=False):
            if _may_start_page(before, child):
                yield child, child.position_y - top
            if child.style["break_inside"] not in ("avoid", "avoid-page"):
                yield from walk(child)  # nothing inside a block that avoids breaks

    yield from walk(page._page_box.children[0])


def _may_start_page(before, box) -> bool:
    if before is None or box.element is None or box.element_tag in ("html", "body", "main"):
        return False  # a first child breaks where its parent does, which is tried on its own
    if box.style["break_before"] in ("avoid", "avoid-page"):
        return False
    return before.style["break_after"] not in ("avoid", "avoid-page") and before.element_tag not in _HEADINGS


def _selector(root, element) -> str | None:
    """A CSS selector for exactly this element: its chain of :nth-child from the root."""
    parents = {child: parent for parent in root.iter() for child in parent}
    steps = []
    while element is not root:
        parent = parents.get(element)
        if parent is None:
            return None
        siblings = [c for c in parent if isinstance(c.tag, str)]
        steps.append(f":nth-child({siblings.index(element) + 1})")
        element = parent
    return ":root > " + " > ".join(f"*{s}" for s in reversed(steps))
