"""Find a page's sections with a line-aware scan, so every section keeps its source line.

Python-Markdown's tree has no line numbers, so section boundaries are found here, from the labels
pages really use: ``**Usage:** text``, ``**Usage:**`` alone, ``Usage:``, ``## Usage``,
``### **Usage:**``, ``**Generic Name: X**``, and per-ingredient blocks whose sections are bullets
(``* **Usage:** …``). Each section's body then goes to Python-Markdown (markdown_ext).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .labels import classify, clean_label, is_qa_label, without_bracketed
from .model import Kind
from .vocabulary import names_side_effects, only_qualifiers, says_serious

Line = tuple[int, str]  # (1-based source line, text)

_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# **Label:** rest   |   **Label**: rest   |   __Label:__ rest
_BOLD_LABEL = re.compile(r"^(\*\*|__)(?P<label>[^*_\n]{1,120}?)\s*(?:[:：]\s*\1|\1\s*[:：])\s*(?P<rest>.*)$")
# **Generic Name: Clonazepam** — the value inside the bold.
_BOLD_WRAPPED = re.compile(r"^\*\*(?P<label>[^*:\n]{1,60}):\s*(?P<rest>[^*\n]+?)\s*\*\*\s*$")
# **Usage** alone on a line (no colon): a label only when it names a known section.
_BOLD_ALONE = re.compile(r"^(\*\*|__)(?P<label>[^*_\n]{1,80}?)\1\s*$")
# Usage: rest  — plain labels only count for known keywords.
_PLAIN_LABEL = re.compile(r"^(?P<label>[A-Z][\w ()/&'’,-]{1,60}?)\s*:\s*(?P<rest>.*)$")
# * **Usage:** rest  — a section given as a bullet (per-ingredient pages).
_BULLET_LABEL = re.compile(
    r"^(?P<indent>\s*)(?P<marker>[*+-]|\d+[.)])\s+\*\*(?P<label>[^*\n]{1,120}?)\s*(?::\s*\*\*|\*\*\s*:)"
    r"\s*(?P<rest>.*)$"
)

#: A page is a leaflet when it has at least one of these; a note alone is a refusal's footer.
LEAFLET_KINDS = frozenset(Kind) - {Kind.INTRO, Kind.OTHER, Kind.NOTE, Kind.DISCLAIMER}


@dataclass
class RawSection:
    kind: Kind
    label: str
    line: int
    lines: list[Line] = field(default_factory=list)
    #: Heading level that opened the section; None for a bold or plain label.
    level: int | None = None
    children: list[RawSection] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(text for _, text in self.lines)

    def has_body(self) -> bool:
        return any(text.strip() for _, text in self.lines)


def _match_label(line: str) -> tuple[str, str, str, int | None] | None:
    """(label, rest, style, heading level) when the line starts with a section-like label."""
    if m := _HEADING.match(line):
        text = m.group(2)
        # "### Generic Name: Mockacillin Sodium": the value is the section's body.
        label, colon, value = re.sub(r"[*_]+", "", text).partition(":")
        if colon and value.strip() and classify(label, anchored=True):
            return label, value.strip(), "heading", len(m.group(1))
        return text, "", "heading", len(m.group(1))
    if m := _BOLD_LABEL.match(line):
        return m.group("label"), m.group("rest"), "bold", None
    if (m := _BOLD_WRAPPED.match(line)) and classify(m.group("label")) is not None:
        return m.group("label"), m.group("rest"), "bold", None
    if m := _BOLD_ALONE.match(line):
        return m.group("label"), "", "bold-alone", None
    if (m := _PLAIN_LABEL.match(line)) and classify(m.group("label"), anchored=True):
        return m.group("label"), m.group("rest"), "plain", None
    return None


def is_group_label(label: str) -> bool:
    core = without_bracketed(label, same_line=True).strip()
    return names_side_effects(core) or only_qualifiers(core)


#: Sections whose body a note may stand in ("**Important Note:**" inside the dosage).
_CONTENT = LEAFLET_KINDS - {Kind.GENERIC_NAME}


def _starts_section(
    current: RawSection,
    label: str,
    kind: Kind | None,
    style: str,
    level: int | None,
    content_follows: bool = False,
    opens_list: bool = False,
) -> bool:
    name = clean_label(label)
    if not name or is_qa_label(name) or name.endswith("?"):
        return False  # a question or an answer, never a section
    if kind is Kind.NOTE and current.kind in _CONTENT and content_follows:
        return False  # a note inside a section stays there; only the closing note is a section
    if current.kind is Kind.SIDE_EFFECTS and (
        kind is Kind.SIDE_EFFECTS
        or (kind is None and (is_group_label(name) or says_serious(name) or opens_list))
    ):
        # A group inside the side effects ("**Common:**", "**Rare but serious:**"), or a sub-label
        # with its own list ("**Drug A:**", "**Cardiovascular:**").
        return False
    if current.level is not None:
        # Inside a section opened by a heading, deeper headings and bold labels are its content,
        # except the page's closing disclaimer and note. An unknown heading ("### Amitriptyline",
        # a repeated title) only groups what follows, so known labels still open sections in it.
        if style == "heading":
            deeper = level is not None and level > current.level
            if not deeper:
                return True
            return current.kind is Kind.OTHER and kind in LEAFLET_KINDS
        if current.kind is not Kind.OTHER:
            return kind in (Kind.DISCLAIMER, Kind.NOTE)
    if kind is None:
        return style in ("bold", "heading")
    return True


def scan_sections(lines: list[Line]) -> tuple[Line | None, list[RawSection]]:
    """Split body lines into sections by their labels. Returns ((line, H1 text), sections)."""
    h1: Line | None = None
    first = lines[0][0] if lines else 1
    current = RawSection(Kind.INTRO, "", first)
    sections = [current]
    found_at = _labels(lines)
    # The index of the last label of a content section: a note before it is not the closing note.
    last_content = max((i for i, f in enumerate(found_at) if f and classify(f[0]) in _CONTENT), default=-1)
    for index, (number, line) in enumerate(lines):
        found = found_at[index]
        if found and found[3] == 1 and h1 is None and current.kind is Kind.INTRO and not current.has_body():
            h1 = (number, found[0].strip())
            continue
        if found:
            label, rest, style, level = found
            kind = classify(label)
            # A sub-label in the side effects has its own list, or text about side effects
            # ("**Drug A:** Common side effects include …").
            opens_list = (not rest.strip() and _list_follows(lines, index)) or names_side_effects(rest)
            if _starts_section(current, label, kind, style, level, index < last_content, opens_list):
                current = RawSection(
                    kind or Kind.OTHER,
                    clean_label(label),
                    number,
                    [(number, rest)] if rest.strip() else [],
                    level,
                )
                sections.append(current)
                continue
        if not current.lines and not line.strip():
            if current.kind is Kind.INTRO:
                current.line = number + 1
            continue
        current.lines.append((number, line))
    sections = [s for s in sections if s.kind is not Kind.INTRO or s.has_body()]
    for section in sections:
        _nest_bullets(section)
    return h1, _group_ingredients(_nest_headings(sections))


_LIST_ITEM = re.compile(r"^\s*(?:[*+-]|\d+[.)])\s+\S")


def _list_follows(lines: list[Line], index: int) -> bool:
    """Whether the next line with text after ``index`` is a list item."""
    for _, text in lines[index + 1 : index + 4]:
        if text.strip():
            return bool(_LIST_ITEM.match(text))
    return False


def _labels(lines: list[Line]) -> list[tuple[str, str, str, int | None] | None]:
    """The section-like label of each line (None inside fenced code)."""
    out: list[tuple[str, str, str, int | None] | None] = []
    fenced = False
    for _, line in lines:
        if _FENCE.match(line):
            fenced = not fenced
        out.append(None if fenced else _match_label(line))
    return out


def _nest_headings(sections: list[RawSection]) -> list[RawSection]:
    """An unknown heading ("### Amitriptyline", "## Drug Profile Summary") holds the sections under
    it, down to the next heading of its level; the page's closing disclaimer and note stay out."""
    out: list[RawSection] = []
    i = 0
    while i < len(sections):
        parent = sections[i]
        out.append(parent)
        i += 1
        if parent.kind is not Kind.OTHER or parent.level is None:
            continue
        while i < len(sections):
            child = sections[i]
            if child.level is not None and child.level <= parent.level:
                break
            if child.level is None and child.kind in (Kind.NOTE, Kind.DISCLAIMER):
                break
            parent.children.append(child)
            i += 1
        parent.children = _group_ingredients(_nest_headings(parent.children))
    return out


def _known_bullets(lines: list[Line]) -> bool:
    return any(
        (m := _BULLET_LABEL.match(text)) and classify(m.group("label")) in LEAFLET_KINDS for _, text in lines
    )


def _nest_bullets(section: RawSection) -> None:
    """Per-ingredient blocks often give their sections as bullets: make them child sections."""
    # Only blocks opened by a bold label: gen3's "## Drug Profile Summary" bullets are a summary.
    if section.kind not in (Kind.OTHER, Kind.INTRO) or section.level is not None:
        return
    if not _known_bullets(section.lines):
        return
    lead, rest = _unbullet(section.lines)
    _, children = scan_sections(rest)
    section.lines = lead
    section.children = [c for c in children if c.kind is not Kind.INTRO or c.has_body()]
    if children and children[0].kind is Kind.INTRO:
        # Text between the block's own label and its first bullet stays the block's text.
        section.lines = lead + children[0].lines
        section.children = children[1:]


def _unbullet(lines: list[Line]) -> tuple[list[Line], list[Line]]:
    """Turn bullet labels at the outermost level into label lines and dedent their content.

    Returns (lines before the first bullet label, the rewritten rest). One line stays one line,
    so line numbers survive.
    """
    indents = [len(m.group("indent")) for _, t in lines if (m := _BULLET_LABEL.match(t))]
    base = min(indents)
    lead: list[Line] = []
    out: list[Line] = []
    content: int | None = None  # indent of the current bullet label's content
    for number, text in lines:
        m = _BULLET_LABEL.match(text)
        if m and len(m.group("indent")) == base:
            out.append((number, f"**{m.group('label')}:** {m.group('rest')}".rstrip()))
            content = base + len(m.group("marker")) + 1
            continue
        if content is None:
            lead.append((number, text))
            continue
        width = len(text) - len(text.lstrip(" "))
        if text.strip() and width <= base:
            content = None  # the bullet ended: this line belongs to the block again
            out.append((number, text))
            continue
        # Nested content: dedent by the bullet's content indent (at most to column 0).
        cut = min(width, max(content, 4 if width >= 4 else width))
        out.append((number, text[cut:] if text.strip() else ""))
    return lead, out


def _group_ingredients(sections: list[RawSection]) -> list[RawSection]:
    """``**Drug A:**`` labels followed by their own Usage, Side Effects … keep that grouping."""
    # A bare bold label ("**Placebrin:**", nothing under it) right before a known section.
    parents = [
        i
        for i, s in enumerate(sections)
        if s.kind is Kind.OTHER
        and s.level is None
        and not s.children
        and not s.has_body()
        and i + 1 < len(sections)
        and sections[i + 1].kind in LEAFLET_KINDS
    ]
    if len(parents) < 2:
        return sections
    parent_set = set(parents)
    out: list[RawSection] = []
    i = 0
    while i < len(sections):
        section = sections[i]
        out.append(section)
        i += 1
        if i - 1 not in parent_set:
            continue
        seen: set[Kind] = set()
        # The block ends at a repeated kind, or at the FAQs, which pages give for the whole product.
        while (
            i < len(sections)
            and i not in parent_set
            and sections[i].kind in LEAFLET_KINDS - {Kind.FAQS}
            and sections[i].kind not in seen
        ):
            seen.add(sections[i].kind)
            section.children.append(sections[i])
            i += 1
    return out


_UNCLOSED_BOLD = re.compile(r"\*\*")
_ENDS_OPEN = re.compile(r"[\w,;(\-–]$")


def looks_truncated(sections: list[RawSection]) -> int | None:
    """The line where the page seems to stop mid-sentence, or None.

    Generations that ran out of tokens stop mid-sentence (often with an unclosed ``**``), just
    before the footer note that the site appends: so the last content section is the one to read.
    """
    content = [s for s in _flatten(sections) if s.kind not in _NOT_CONTENT and s.has_body()]
    if not content:
        return None
    last = max(content, key=lambda s: max(n for n, t in s.lines if t.strip()))
    number, text = max((n, t) for n, t in last.lines if t.strip())
    stripped = text.strip()
    if len(_UNCLOSED_BOLD.findall(stripped)) % 2 == 1:
        return number
    if not _ENDS_OPEN.search(stripped.rstrip("*_ ")):
        return None
    item = re.match(r"^([*+-]|\d+[.)])\s", stripped)
    described = re.search(r"\*\*[^*]+[:?]\s*\*\*\s*\S", stripped)  # "* **Term:** text that"
    answer = last.kind is Kind.FAQS and ("?**" in stripped or not item)
    prose = not item and len(stripped.split()) >= 4
    if answer or prose or (item and (described or len(stripped) >= 60)):
        return number
    return None


_NOT_CONTENT = frozenset({Kind.NOTE, Kind.GENERIC_NAME})


def _flatten(sections: list[RawSection]) -> list[RawSection]:
    out = []
    for s in sections:
        out.append(s)
        out.extend(_flatten(s.children))
    return out
