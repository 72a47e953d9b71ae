"""What the ePI and SPL readers share: a source's sections as plain nodes, mapped to the kinds the
tool knows (codes first, then the heading vocabulary), their narrative sanitised with the same nh3
allowlist as page HTML and turned into the same model blocks as markdown pages.

Mapping, for each section of a source:

1. a wrapper (a section coded as a whole leaflet, "Package Leaflet", "SPL MEDGUIDE SECTION") is
   unwrapped: its own text becomes the introduction, its sub-sections become the leaflet's;
2. otherwise its code (QRD heading, LOINC) gives the kind; a numbered QRD title ("4. Possible side
   effects") wins over a code that says otherwise, with a warning;
3. otherwise its title, read with the vocabulary module (labels.classify_heading);
4. otherwise it is printed under its own heading, and ``check`` warns.

Sub-sections of a mapped section stay inside it, as headings: text never moves away from the
section it qualifies. In side effects each sub-section is a group of its own.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field

import lxml.html

from . import codes, sanitize
from .labels import MAX_LABEL_WORDS, classify_heading
from .markdown_ext import SectionBody, convert_tree
from .model import Kind, Problem, Section, SideEffectGroup
from .sanitize import text_of

#: Section levels (and element depth) an official leaflet may nest: real ones use a handful.
MAX_NESTING = 100
MAX_ELEMENT_DEPTH = 400
_HEADING = re.compile(r"^h([1-6])$")
_QRD_NUMBER = re.compile(r"^\s*([1-6])\.\s")


@dataclass
class Node:
    """One section of an official source, before mapping."""

    title: str | None
    #: (system, code) pairs; the system may be None.
    codes: list[tuple[str | None, str]] = field(default_factory=list)
    #: The narrative as HTML (ePI XHTML, or SPL text already turned into HTML); not yet sanitised.
    html: str = ""
    children: list[Node] = field(default_factory=list)
    line: int = 0
    #: A kind the reader already knows (a part's introduction); None to map by code and title.
    kind: Kind | None = None


def check_depth(nodes: list[Node], path: str) -> None:
    from .errors import ContentError

    stack = [(n, 1) for n in nodes]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NESTING:
            raise ContentError(path, f"sections are nested too deeply (more than {MAX_NESTING} levels)")
        stack.extend((c, depth + 1) for c in node.children)


def _code_kind(node: Node) -> tuple[Kind, str] | None:
    for _system, code in node.codes:
        if code in codes.QRD:
            return codes.QRD[code][0], f"qrd {code}"
        if code in codes.LOINC_KINDS:
            return codes.LOINC_KINDS[code], f"loinc {code}"
    return None


def map_node(node: Node, problems: list[Problem]) -> tuple[Kind | None, str | None]:
    """(kind, how it was mapped), or (None, None) when nothing maps it."""
    by_code = _code_kind(node)
    title = node.title or ""
    number = _QRD_NUMBER.match(title)
    numbered = codes.QRD_NUMBER[int(number.group(1))] if number else None
    if by_code and numbered and by_code[0] is not numbered:
        problems.append(
            Problem(
                "warning",
                "code-mismatch",
                f"section {title!r} is coded {by_code[1]} ({by_code[0].value}) but its QRD number "
                f"says {numbered.value}: read by its title",
                node.line or None,
            )
        )
        return numbered, f"qrd section {number.group(1)}"
    if by_code:
        return by_code
    if numbered:
        return numbered, f"qrd section {number.group(1)}"
    kind = classify_heading(title) if title else None
    return (kind, "title") if kind else (None, None)


def is_wrapper(node: Node) -> bool:
    return bool(node.children) and any(code in codes.WRAPPERS for _, code in node.codes)


# -- narrative → element tree -------------------------------------------------------------------


def to_tree(html: str, path: str) -> etree.Element:
    """Sanitise ``html`` with the page allowlist, then parse it into a ``<div>`` element tree of
    the kind Python-Markdown builds (what markdown_ext works on)."""
    from .errors import ContentError

    cleaned = sanitize.clean(html).strip()
    div = etree.Element("div")
    if not cleaned:
        return div
    parsed = lxml.html.fragment_fromstring(cleaned, create_parent="div")
    depth, stack = 0, [(parsed, 1)]
    while stack:
        el, d = stack.pop()
        depth = max(depth, d)
        stack.extend((c, d + 1) for c in el)
    if depth > MAX_ELEMENT_DEPTH:
        raise ContentError(path, f"the text is nested too deeply (more than {MAX_ELEMENT_DEPTH} levels)")
    _copy_into(parsed, div)
    return div


def _copy_into(source, target: etree.Element) -> None:
    target.text = source.text
    for child in source:
        if not isinstance(child.tag, str):  # comments and processing instructions
            continue
        copy = etree.SubElement(target, child.tag)
        _copy_into(child, copy)
        copy.tail = child.tail
        for key, value in child.attrib.items():
            copy.set(key, value)


def _norm(text: str) -> str:
    return re.sub(r"[\W_]+", "", text).casefold()


def drop_repeated_title(div: etree.Element, title: str | None) -> bool:
    """A narrative that opens with its section's title as a heading: the title prints once."""
    if not title or not len(div) or (div.text or "").strip():
        return False
    first = div[0]
    if _HEADING.match(first.tag) and _norm("".join(first.itertext())) == _norm(title):
        tail = first.tail or ""
        div.remove(first)
        div.text = (div.text or "") + tail
        return True
    return False


def demote_headings(div: etree.Element, top: int) -> None:
    """Headings inside a section's text sit below the section's own heading (level ``top``)."""
    levels = sorted({int(m.group(1)) for el in div.iter() if (m := _HEADING.match(str(el.tag)))})
    for el in div.iter():
        if m := _HEADING.match(str(el.tag)):
            el.tag = f"h{min(6, top + levels.index(int(m.group(1))))}"


def _bold_sentences(div: etree.Element) -> None:
    """A paragraph that is one bold sentence is emphasis, not a label (labels are short, as on
    markdown pages): keep it bold, but not as a group label or a question."""
    for p in div.iter("p"):
        if (
            len(p) != 1
            or (p.text or "").strip()
            or (p[0].tail or "").strip()
            or p[0].tag not in ("b", "strong")
        ):
            continue
        words = "".join(p[0].itertext()).split()
        if len(words) > MAX_LABEL_WORDS or (words and words[-1].endswith(".")):
            bold = p[0]
            span = etree.Element("span")
            span.tail, bold.tail = bold.tail, None
            p.remove(bold)
            span.append(bold)
            p.append(span)


def lift_tables(div: etree.Element) -> None:
    """A table inside a list item (an SPL habit) cannot be tagged under PDF/UA (an LI holds a
    label and a body only): the list is split there and the table follows its item, in order."""
    changed = True
    while changed:
        changed = False
        for parent in list(div.iter()):
            for index, lst in enumerate(list(parent)):
                if lst.tag not in ("ul", "ol"):
                    continue
                for n, li in enumerate(list(lst)):
                    tables = [c for c in li if c.tag == "table"]
                    if not tables:
                        continue
                    rest = list(lst)[n + 1 :]
                    for table in tables:
                        if table.tail and table.tail.strip():
                            span = etree.SubElement(li, "span")
                            span.text = table.tail
                        table.tail = None
                        li.remove(table)
                    at = index + 1
                    for table in tables:
                        parent.insert(at, table)
                        at += 1
                    if rest:
                        tail_list = etree.Element(lst.tag)
                        for item in rest:
                            lst.remove(item)
                            tail_list.append(item)
                        parent.insert(at, tail_list)
                    tail_list_tail, lst.tail = lst.tail, None
                    parent[at - 1 if not rest else at].tail = tail_list_tail
                    changed = True
                    break
                if changed:
                    break
            if changed:
                break


def _append(div: etree.Element, other: etree.Element) -> None:
    if other.text and other.text.strip():
        p = etree.SubElement(div, "p")
        p.text = other.text
    for child in list(other):
        div.append(child)


def _heading(level: int, title: str) -> etree.Element:
    h = etree.Element(f"h{min(6, level)}")
    h.text = title
    return h


# -- nodes → model sections ---------------------------------------------------------------------


@dataclass
class Mapper:
    """Turns nodes into Sections, collecting problems."""

    path: str
    problems: list[Problem] = field(default_factory=list)
    repeated: int = 0

    def tree(self, node: Node, level: int) -> etree.Element:
        div = to_tree(node.html, self.path)
        if drop_repeated_title(div, node.title):
            self.repeated += 1
        demote_headings(div, level + 1)
        _bold_sentences(div)
        lift_tables(div)
        return div

    def flat(self, node: Node, level: int) -> etree.Element:
        """The node's text with its sub-sections as headings under it, in order."""
        div = self.tree(node, level)
        for child in node.children:
            if child.title:
                div.append(_heading(level + 1, child.title))
            _append(div, self.flat(child, level + 1))
        return div

    def sections(self, nodes: list[Node]) -> list[Section]:
        out: list[Section] = []
        for node in nodes:
            if is_wrapper(node):
                intro = self.tree(node, 2)
                words = _norm("".join(intro.itertext()))
                repeats = bool(node.title) and words == _norm(node.title or "")
                if words and not repeats:
                    out.append(self._section(Kind.INTRO, node.title or "", node, intro, "wrapper"))
                self.problems.append(
                    Problem(
                        "info",
                        "wrapper",
                        f"section {node.title or 'without a title'!r} holds the whole leaflet: its "
                        f"{len(node.children)} sub-sections are read as the leaflet's sections"
                        + ("; its text only repeats its title" if repeats else ""),
                        node.line or None,
                    )
                )
                out.extend(self.sections(node.children))
                continue
            kind, how = (node.kind, None) if node.kind else map_node(node, self.problems)
            if kind is None and not node.title and not node.codes and not out:
                kind, how = Kind.INTRO, None
            if kind is None and any(map_node(c, [])[0] for c in node.children):
                # An unmapped heading over mapped sections (an ingredient, a part): a group.
                inner = self.sections(node.children)
                body = convert_tree(Kind.OTHER, self.tree(node, 2))
                out.append(
                    Section(
                        Kind.OTHER, node.title or "", node.line, body.html, children=tuple(inner), code=None
                    )
                )
                continue
            kind = kind or Kind.OTHER
            if kind in (Kind.SIDE_EFFECTS, Kind.BOXED_WARNING):
                out.append(self._side_effects(kind, node, how))
            else:
                out.append(self._section(kind, node.title or "", node, self.flat(node, 2), how))
        return out

    def _section(self, kind: Kind, label: str, node: Node, div: etree.Element, how: str | None) -> Section:
        body = convert_tree(kind, div)
        return Section(kind, label, node.line, body.html, body.groups, body.faqs, code=how)

    def _side_effects(self, kind: Kind, node: Node, how: str | None) -> Section:
        """Each sub-section is a group of its own (its title is the group's label)."""
        parts: list[SectionBody] = [convert_tree(Kind.SIDE_EFFECTS, self.tree(node, 2), node.title or "")]
        for child in node.children:
            div = self.flat(child, 3)
            if child.title:
                div.insert(0, _heading(3, child.title))
                if div.text and div.text.strip():
                    p = etree.Element("p")
                    p.text, div.text = div.text, None
                    div.insert(1, p)
            parts.append(convert_tree(Kind.SIDE_EFFECTS, div, node.title or ""))
        groups = tuple(g for part in parts for g in part.groups)
        html = "".join(part.html for part in parts)
        if kind is Kind.BOXED_WARNING:
            groups = tuple(_serious(g) for g in groups)
        return Section(kind, node.title or "", node.line, html, groups, code=how)

    def finish(self) -> list[Problem]:
        if self.repeated:
            self.problems.append(
                Problem(
                    "info",
                    "repeated-title",
                    f"{self.repeated} section(s) repeat their title as a heading in their text: printed once",
                )
            )
        return self.problems


def _serious(group: SideEffectGroup) -> SideEffectGroup:
    """A boxed warning is serious as a whole, whatever its sub-headings say."""
    from dataclasses import replace

    from .model import Severity

    blocks = tuple(replace(b, severity=Severity.SERIOUS) for b in group.blocks)
    return replace(group, severity=Severity.SERIOUS, blocks=blocks)


def generic_from(sections: list[Section]) -> str | None:
    for s in sections:
        if s.kind is Kind.GENERIC_NAME:
            return text_of(s.html) or None
    return None


def map_sections(nodes: list[Node], path: str) -> tuple[list[Section], list[Problem]]:
    """The sections of an ePI or SPL node tree, and what the mapper has to say about them."""
    from .errors import ContentError

    check_depth(nodes, path)
    mapper = Mapper(path)
    try:
        sections = mapper.sections(nodes)
    except RecursionError:
        raise ContentError(path, "sections are nested too deeply to read") from None
    return sections, mapper.finish()
