"""Bounds on untrusted pages, counted on the raw text before any parser sees it.

Python-Markdown, PyYAML and WeasyPrint are not linear on hostile input: 5,000 ``[`` in one
paragraph take Markdown about 8 s and 10,000 about 55 s; 150,000 nested ``<span>`` took minutes
before the old inline limit (counted on the parsed HTML) refused them. So each limit here is
checked with one linear pass over the text itself, and a page over a limit is refused before
the expensive work. Real pages stay far below every limit (the 395 corpus pages: 20 pieces of
inline markup in a block at most, 177 in a page, 4 link brackets, a few levels of nesting).
"""

from __future__ import annotations

import re
from typing import Any

from .characters import describe, first_forbidden
from .errors import ContentError

#: Levels of list, quote or HTML nesting.
MAX_NESTING = 100
#: Pieces of inline markup (tags, ``<``, ``[``, pairs of emphasis or code delimiters) in one block.
MAX_INLINE_PER_BLOCK = 300
#: The same over the whole page: Markdown's link and autolink patterns cost more than linear
#: time per block, so the page as a whole has a budget too (2,000 FAQ items fit in it).
MAX_INLINE_PER_PAGE = 10_000
#: Levels of nesting in the YAML front matter (gen3's ``faqs: [{q, a}]`` needs 3).
MAX_FRONT_MATTER_DEPTH = 32

_DEPTH_MESSAGE = f"front matter is nested more than {MAX_FRONT_MATTER_DEPTH} levels deep"
_NESTING_MESSAGE = f"the page is nested too deeply (more than {MAX_NESTING} levels)"
# One marker per iteration, whitespace only between markers: no two ways to match a string.
_MARKERS = re.compile(r"[ \t]*(?:[-*+][ \t]+|\d{1,9}[.)][ \t]+|>[ \t]*)")
_BLOCK_START = re.compile(r"[ \t]*(?:[-*+][ \t]|\d{1,9}[.)][ \t]|#|>)")
# A tag may span lines; [^<>] stops every attempt at the next bracket, so one pass is linear.
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]{0,20})\b[^<>]*>")
_BLOCK_TAGS = frozenset(
    [
        "p",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "div",
        "section",
        "article",
        "td",
        "th",
        "dd",
        "dt",
        "blockquote",
        "ul",
        "ol",
        "table",
        "tr",
        "dl",
    ]
)
#: Elements with no content (nothing to close).
_VOID = frozenset(
    [
        "br",
        "hr",
        "img",
        "wbr",
        "input",
        "meta",
        "link",
        "area",
        "base",
        "col",
        "embed",
        "source",
        "track",
        "param",
    ]
)
#: Elements whose end tag may be left out: a second ``<li>`` closes the first.
_OPTIONAL_END = frozenset(
    ["p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option", "rt", "rp"]
)
_LABEL_SLACK = 4
_DELIMITER_RUN = re.compile(r"\*+|_+|`+")


def check_body(lines: list[str], first: int, path: str) -> None:
    """Refuse a body nested deeper than MAX_NESTING or with more inline markup than a block or
    a page may hold. ``first`` is the line number of ``lines[0]``. One pass, linear time."""
    for number, line in enumerate(lines, first):
        indent = len(line) - len(line.lstrip(" \t"))
        if indent > 4 * MAX_NESTING or _marker_depth(line) > MAX_NESTING:
            raise ContentError(path, _NESTING_MESSAGE, number)
    text = "\n".join(lines)
    _check_html_nesting(text, first, path)
    _check_inline(lines, first, path)


def _marker_depth(line: str) -> int:
    depth, pos = 0, 0
    while (match := _MARKERS.match(line, pos)) and match.end() > pos:
        depth, pos = depth + 1, match.end()
        if depth > MAX_NESTING:
            break
    return depth


def _line_of(text: str, pos: int, first: int) -> int:
    return first + text.count("\n", 0, pos)


def _check_html_nesting(text: str, first: int, path: str) -> None:
    """Depth of raw HTML elements, as a browser would nest them (closing a tag closes what is
    open inside it; optional end tags close themselves), over the whole text: a tag split
    across lines counts like any other."""
    stack: list[str] = []
    for match in _TAG.finditer(text):
        closing, name = match.group(1), match.group(2).lower()
        if name in _VOID or match.group(0).endswith("/>"):
            continue
        if closing:
            if name in stack:
                del stack[len(stack) - 1 - stack[::-1].index(name) :]
            continue
        if name in _OPTIONAL_END and stack and stack[-1] == name:
            continue  # the new element replaces the one it closes
        stack.append(name)
        if len(stack) > MAX_NESTING:
            raise ContentError(path, _NESTING_MESSAGE, _line_of(text, match.start(), first))


def _blocks(lines: list[str], first: int):
    """Raw blocks: runs of lines split at blank lines and at lines that start a list item,
    heading or quote; each as (line number, text)."""
    start, chunk = first, []
    for number, line in enumerate(lines, first):
        if not line.strip() or _BLOCK_START.match(line):
            if chunk:
                yield start, "\n".join(chunk)
            chunk = []
        if line.strip():
            if not chunk:
                start = number
            chunk.append(line)
    if chunk:
        yield start, "\n".join(chunk)


def inline_pieces(text: str) -> int:
    """Pieces of inline markup in raw text: every ``<`` but closing tags' and every ``[`` (tags,
    autolinks, links, images), and every pair of emphasis or code delimiter runs."""
    opening = text.count("<") - text.count("</")
    return opening + text.count("[") + (len(_DELIMITER_RUN.findall(text)) + 1) // 2


def _check_inline(lines: list[str], first: int, path: str) -> None:
    total = 0
    for line, block in _blocks(lines, first):
        # Block-level tags start a new block, as they do for the layout.
        pieces = 0
        last = 0
        for match in _TAG.finditer(block):
            if match.group(2).lower() in _BLOCK_TAGS:
                pieces = max(pieces, inline_pieces(block[last : match.start()]))
                last = match.end()
        pieces = max(pieces, inline_pieces(block[last:]))
        # A little slack: a section's own bold label shares the raw block but is not laid out
        # inline; the exact count on the parsed HTML (reader) still holds the block to the limit.
        if pieces > MAX_INLINE_PER_BLOCK + _LABEL_SLACK:
            raise ContentError(
                path,
                f"a paragraph holds {pieces:,} pieces of inline markup (at most "
                f"{MAX_INLINE_PER_BLOCK}): too slow to lay out",
                line,
            )
        total += inline_pieces(block)
        if total > MAX_INLINE_PER_PAGE:
            raise ContentError(
                path,
                f"the page holds more than {MAX_INLINE_PER_PAGE:,} pieces of inline markup: too slow to read",
                line,
            )


def check_header(lines: list[str], first: int, path: str) -> None:
    """Refuse front matter nested deeper than MAX_FRONT_MATTER_DEPTH before YAML reads it:
    PyYAML's scanner slows down with every open bracket (3,000 took 9 s) and its composer
    recurses. Brackets inside quotes count too (a title needs a few, not 32)."""
    depth = 0
    for number, line in enumerate(lines, first):
        indent = len(line) - len(line.lstrip(" "))
        if indent > 4 * MAX_FRONT_MATTER_DEPTH:
            raise ContentError(path, _DEPTH_MESSAGE, number)
        for ch in line:
            if ch in "[{":
                depth += 1
                if depth > MAX_FRONT_MATTER_DEPTH:
                    raise ContentError(path, _DEPTH_MESSAGE, number)
            elif ch in "]}" and depth:
                depth -= 1


def front_matter_problem(data: dict[str, Any]) -> tuple[str, str] | None:
    """(top-level key, message) for parsed front matter nested too deeply or holding a
    forbidden character (see ``characters``), else None. Iterative: no recursion to overflow."""
    stack: list[tuple[str, Any, int]] = [(str(key), {key: value}, 0) for key, value in data.items()]
    while stack:
        top, value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth + 1 > MAX_FRONT_MATTER_DEPTH:
                return top, _DEPTH_MESSAGE
            pairs = value.items() if isinstance(value, dict) else ((None, v) for v in value)
            for key, item in pairs:
                for text in (key, item):
                    if isinstance(text, str) and (ch := first_forbidden(text)) is not None:
                        return top, f"front matter {top!r} holds {describe(ch)}, which a page may not contain"
                stack.append((top, item, depth + 1))
    return None
