"""Side-effect groups from a section's element tree, and the severity the page's words give them.

Severity comes from the closest line that introduces a block: the section's own label, a heading
or bold label, a bullet that is a label, a lead-in sentence ending in ":", or an item's own words
("Allergic reaction (rare but serious): …"). A line that says nothing about frequency or severity
(an ingredient's name, a body system, "These include:") keeps the severity of the group it stands
in. Prose whose own words are urgent is a serious block where it stands. What an item means is
never guessed.
"""

from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as etree

from .labels import MAX_LABEL_WORDS, bracketed, classify, last_sentence, without_bracketed
from .model import Kind, Severity
from .tree import BOLD, COLONS, HEADINGS, LISTS, bold_only, inner, is_bold_label, outer, rest_after, text
from .vocabulary import names_effects, names_side_effects, only_qualifiers, qualifies, says_serious

#: (label HTML or None, severity, label is a heading, [("item" or "prose", HTML)]).
Group = tuple[str | None, Severity, bool, list[tuple[str, str]]]

_LIST_LIKE_MAX_WORDS = 8


def severity_of(line: str) -> Severity:
    return Severity.SERIOUS if says_serious(line) else Severity.COMMON


def lead_in_severity(paragraph: str, context: Severity) -> Severity:
    """A lead-in's last sentence decides; one that only names a frequency ("These are rare but
    include:") or nothing leaves it to the whole lead-in, and one that says nothing at all keeps
    the group's severity."""
    last = last_sentence(paragraph)
    if says_serious(last):
        return Severity.SERIOUS
    if names_side_effects(last) or qualifies(last, frequency=False):
        return Severity.COMMON
    if says_serious(paragraph):
        return Severity.SERIOUS
    return Severity.COMMON if qualifies(paragraph) else context


def is_group_label(label: str) -> bool:
    """ "Serious side effects", "Common (>10%)", "Less common, but potentially serious" — not
    "Drowsiness"."""
    core = without_bracketed(label, same_line=True).strip().rstrip(":").strip()
    return names_side_effects(core) or only_qualifiers(core)


def _looks_like_label(label: str) -> bool:
    """A bold line is a label when it ends with ":" or is short and is not a sentence."""
    label = label.strip()
    return label.endswith(":") or (
        len(label.split()) <= MAX_LABEL_WORDS and not label.endswith((".", "!", "?"))
    )


def _colon_label(li: etree.Element) -> str | None:
    """The bold label that opens an item, when it ends with a colon: ``* **Term:** …``."""
    if (li.text or "").strip() or not len(li) or li[0].tag not in BOLD:
        return None
    label = text(li[0])
    return label if label.endswith(":") or (li[0].tail or "").lstrip().startswith(":") else None


def _plain_label(li: etree.Element) -> tuple[str, str, etree.Element] | None:
    """(label HTML, label words, the rest) for ``* Rare but serious: a, b`` (no bold)."""
    head, colon, tail = (li.text or "").partition(":")
    if not colon or len(head.split()) > MAX_LABEL_WORDS or not is_group_label(head):
        return None
    label = etree.Element("span")
    label.text = head.strip() + ":"
    rest = etree.Element("p")
    rest.text = tail.lstrip()
    for child in li:
        rest.append(copy.deepcopy(child))
    return inner(label), head.strip(), rest


def _own_words_serious(li: etree.Element) -> bool:
    """An item's own words: its bold term or a parenthesis before its description."""
    if len(li) and li[0].tag in BOLD and not (li.text or "").strip():
        return says_serious(text(li[0]))
    head = (li.text or "").split(":", 1)[0]
    return says_serious(" ".join(head[start + 1 : end - 1] for start, end in bracketed(head, "()")))


def _comma_items(rest: etree.Element) -> list[str] | None:
    """ "nausea, headache, dizziness" → three items; sentences stay prose (None)."""
    # Only text after a side-effect group label comes here, so two parts already make a list.
    if len(rest):
        return None  # inline markup inside: keep it whole
    value = (rest.text or "").strip()
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(value):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch in ",;" and depth == 0:
            parts.append(value[start:i])
            start = i + 1
    parts.append(value[start:])
    parts = [p.strip() for p in parts]
    if len(parts) < 2 or not all(parts):
        return None

    def words(part: str) -> int:
        return len(without_bracketed(part, same_line=True).split())

    if any(words(p) > _LIST_LIKE_MAX_WORDS or re.search(r"[.!?]\s+\S", p) for p in parts):
        return None
    if _SENTENCE.search(value):
        return None  # "In rare instances, serious effects like … can occur.": one sentence
    return parts


# Words that make a comma-separated run a sentence rather than a list of terms.
_SENTENCE = re.compile(
    r"\b(?:can|may|might|could|will|would|is|are|was|were|has|have|had|include[sd]?|including"
    r"|occurs?|such\s+as|like|these|they|it)\b",
    re.I,
)


class _Groups:
    """Side-effect groups being collected, in page order."""

    def __init__(self, out: list[Group], context: Severity):
        self.out = out
        self.section = context
        self.label: str | None = None
        self.severity = context
        #: The severity of the closest line that said anything about it (for sub-labels).
        self.context = context
        self.heading = False
        self.blocks: list[tuple[str, str]] = []
        self.qualified = self.qualified_next = False

    def close(self) -> None:
        if self.label is None and not self.blocks:
            return
        severity = self.severity
        if not self.blocks and self.label is not None:
            severity = Severity.COMMON  # a label with nothing under it is never a callout
        self.out.append((self.label, severity, self.heading, list(self.blocks)))

    def open(self, label: str | None, severity: Severity, *, heading: bool) -> None:
        self.close()
        self.label, self.severity, self.heading, self.blocks = label, severity, heading, []
        #: Whether the label said anything about severity (else urgent text may decide).
        self.qualified, self.qualified_next = self.qualified_next, False

    def introduce(self, label: str, words: str, *, heading: bool, lead_in: bool = False) -> None:
        """A label or lead-in opens a group; one that says nothing keeps the group's severity."""
        if lead_in:
            severity = lead_in_severity(words, self.context)
        elif qualifies(words):
            severity = severity_of(words)
        elif names_effects(words):
            severity = self.section  # "Long-term effects": a group of its own, as the section is
        else:
            severity = self.context  # "Drug A", "Cardiovascular": a sub-label of the group
        self.qualified_next = qualifies(words) or names_effects(words)
        if self.qualified_next:
            self.context = severity
        elif heading and not self.blocks and self.label is not None and self.heading:
            # "**Serious side effects:**" then "**Drug A:**": one callout, named for the drug.
            label, self.label = f"{self.label} {label}", None
        self.open(label, severity, heading=heading)

    def alone(self, what: str, html: str, severity: Severity) -> None:
        """A block of another severity than its group's, where it stands; the group goes on."""
        current = self.severity
        self.open(None, severity, heading=False)
        self.add(what, html)
        self.close()
        self.label, self.severity, self.heading, self.blocks = None, current, False, []

    def add(self, what: str, html: str) -> None:
        self.blocks.append((what, html))

    def add_text(self, rest: etree.Element, *, split: bool = True) -> None:
        """Inline text after a group label: a comma list becomes items (unless ``split`` is
        False, as after a note's label), anything else prose."""
        nested = [c for c in rest if c.tag in LISTS]
        for lst in nested:
            rest.remove(lst)
        if (rest.text or "").strip() or len(rest):
            items = _comma_items(rest) if split else None
            if items is not None:
                for part in items:
                    item = etree.Element("span")
                    item.text = part
                    self.add("item", inner(item))
            else:
                self.prose(rest)
        for lst in nested:
            self.items(lst)

    def prose(self, el: etree.Element) -> None:
        if self.severity is Severity.COMMON and says_serious(text(el)):
            if self.label is not None and not self.blocks and not self.qualified:
                # "**Important Note:** … contact your doctor immediately": the label and its
                # urgent text are one serious block.
                self.severity = Severity.SERIOUS
                self.add("prose", outer(el))
                return
            self.alone("prose", outer(el), Severity.SERIOUS)  # urgent words: boxed where they stand
        else:
            self.add("prose", outer(el))

    def items(self, lst: etree.Element) -> None:
        before: tuple[Severity, Severity] | None = None
        for li in lst:
            label = _colon_label(li)
            if label is not None and is_group_label(label):
                # "* **Serious side effects:** a, b, c": a group of its own; it introduces only
                # its own text and nested list, so the items after it belong to the list's group.
                before = before or (self.severity, self.context)
                self.introduce(inner(li[0]), label, heading=True)
                self.add_text(rest_after(li, li[0]))
                self.open(None, before[0], heading=False)
                self.context = before[1]
            elif (plain := _plain_label(li)) is not None:
                # "* Less common but serious: a, b, c" — the same group, without the bold.
                before = before or (self.severity, self.context)
                name, label_words, rest = plain
                self.introduce(name, label_words, heading=True)
                self.add_text(rest)
                self.open(None, before[0], heading=False)
                self.context = before[1]
            elif self.severity is Severity.COMMON and _own_words_serious(li):
                self.alone("item", inner(li), Severity.SERIOUS)
            else:
                self.add("item", inner(li))


def read_groups(root: etree.Element, context: Severity) -> list[Group]:
    """Take every block of a side-effects section out of ``root``, as groups in page order.

    ``context`` is the severity the section's own label gives ("**Serious side effects:**")."""
    out: list[Group] = []
    groups = _Groups(out, context)
    children = list(root)
    for i, el in enumerate(children):
        nxt = children[i + 1] if i + 1 < len(children) else None
        labelled = el.tag in HEADINGS or is_bold_label(el) or (bold_only(el) and _looks_like_label(text(el)))
        if labelled:
            strong = el if el.tag in HEADINGS else el[0]
            groups.introduce(inner(strong), text(strong), heading=True)
            if el.tag == "p":
                groups.add_text(rest_after(el, strong), split=classify(text(strong)) is not Kind.NOTE)
        elif el.tag == "p" and text(el).endswith(COLONS) and nxt is not None:
            groups.introduce(inner(el), text(el), heading=False, lead_in=True)
        elif el.tag in LISTS:
            groups.items(el)
        else:
            groups.prose(el)
        root.remove(el)
    groups.close()
    return out
