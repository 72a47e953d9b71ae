"""Python-Markdown extension: turn one section's element tree into model blocks.

The reader finds section boundaries with a line-aware scan (the tree has no line numbers) and
hands each section body here. A Treeprocessor, registered last, then pulls out side-effect
groups and FAQ pairs from the tree; whatever it does not capture stays in the section's HTML.
"""

from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field

import markdown
from markdown.serializers import to_html_string
from markdown.treeprocessors import Treeprocessor

from . import sanitize
from .labels import last_sentence
from .model import Faq, Kind, Prose, Severity, SideEffect, SideEffectGroup
from .vocabulary import names_side_effects, only_qualifiers, says_serious

_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_LISTS = {"ul", "ol"}
_BOLD = {"strong", "b"}


@dataclass
class _Result:
    """What the tree processor found; fragments still hold raw-HTML placeholders."""

    groups: list[tuple[str | None, Severity, bool, list[tuple[str, str]]]] = field(default_factory=list)
    faqs: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class SectionBody:
    html: str
    groups: tuple[SideEffectGroup, ...] = ()
    faqs: tuple[Faq, ...] = ()


def text(el: etree.Element) -> str:
    return "".join(el.itertext()).strip()


def inner(el: etree.Element) -> str:
    """Serialised content of ``el`` without its own tag."""
    wrapper = etree.Element("div")
    wrapper.text = el.text
    for child in el:
        wrapper.append(copy.deepcopy(child))
    html = to_html_string(wrapper)
    return html[len("<div>") : -len("</div>")].strip()


def outer(el: etree.Element) -> str:
    clone = copy.deepcopy(el)
    clone.tail = None
    return to_html_string(clone)


def _drop_keep_text(parent: etree.Element, child: etree.Element, text: str) -> None:
    """Remove ``child`` from ``parent``, leaving ``text`` (and the child's tail) in its place."""
    index = list(parent).index(child)
    joined = text + (child.tail or "")
    if index == 0:
        parent.text = (parent.text or "") + joined
    else:
        prev = parent[index - 1]
        prev.tail = (prev.tail or "") + joined
    parent.remove(child)


def _inline_into(li: etree.Element, p: etree.Element) -> None:
    """Move the first paragraph's content up into the list item itself."""
    index = list(li).index(p)
    li.text = (li.text or "") + (p.text or "")
    for n, child in enumerate(list(p)):
        li.insert(index + n, child)
    last = li[index + len(p) - 1] if len(p) else None
    li.remove(p)
    if p.tail and p.tail.strip():
        if last is not None:
            last.tail = (last.tail or "") + p.tail
        else:
            li.text += p.tail


def _tidy(root: etree.Element) -> None:
    """Markup fixes every section needs, whatever its kind."""
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag == "img":
                # An image becomes its alt text: page content never makes the renderer fetch.
                _drop_keep_text(parent, child, child.get("alt", ""))
            elif child.tag == "a":
                # Links print as their text: paper cannot be clicked, and href is untrusted.
                child.tag = "span"
                child.attrib.clear()
    # Loose lists give <li><p>…</p></li>, which PDF/UA forbids (LI → P): the first paragraph's
    # content moves into the item, later ones become block spans.
    for li in list(root.iter("li")):
        paras = [c for c in li if c.tag == "p"]
        if paras and not (li.text or "").strip() and li[0] is paras[0]:
            _inline_into(li, paras[0])
            paras = paras[1:]
        for p in paras:
            p.tag = "span"
            p.set("class", "li-p")


def _is_bold_label(el: etree.Element) -> bool:
    """``<p><strong>Label:</strong> optional text</p>``."""
    if el.tag != "p" or (el.text or "").strip() or not len(el) or el[0].tag not in _BOLD:
        return False
    label = text(el[0])
    return label.endswith(":") or (el[0].tail or "").lstrip().startswith(":")


def _bold_only(el: etree.Element) -> bool:
    return (
        el.tag == "p"
        and not (el.text or "").strip()
        and len(el) == 1
        and el[0].tag in _BOLD
        and not (el[0].tail or "").strip()
    )


def _lead_in(paragraph: str) -> str:
    """The words that introduce a group: the last sentence when it names the group itself
    ("Common side effects include:"), else the whole lead-in ("… serious side effects can happen.
    These include:")."""
    last = last_sentence(paragraph)
    if names_side_effects(last) or says_serious(last):
        return last
    # "Serious side effects need urgent care. These are rare but include:": a sentence that only
    # names a frequency, or nothing, leaves the decision to the whole lead-in.
    return paragraph


def _question_with_answer(el: etree.Element) -> bool:
    if el.tag != "p" or (el.text or "").strip() or not len(el) or el[0].tag not in _BOLD:
        return False
    question = text(el[0])
    looks_like = question.endswith("?") or re.match(r"^[QP]\s*\d*\s*[:.)]", question)
    return bool(looks_like) and bool((el[0].tail or "").strip() or len(el) > 1)


def _severity(line: str) -> Severity:
    return Severity.SERIOUS if says_serious(line) else Severity.COMMON


def _is_group_label(label: str) -> bool:
    """ "Serious side effects", "Common (>10%)", "Rare but serious" — not "Drowsiness"."""
    core = re.sub(r"\(.*?\)|\[.*?\]", " ", label).strip().rstrip(":").strip()
    return names_side_effects(core) or only_qualifiers(core)


def _is_group_item(li: etree.Element) -> bool:
    if (li.text or "").strip() or not len(li) or li[0].tag not in _BOLD:
        return False
    label = text(li[0])
    colon = label.endswith(":") or (li[0].tail or "").lstrip().startswith(":")
    return colon and _is_group_label(label)


def _first_sentence(line: str) -> str:
    return re.split(r"(?<=[.!?])\s+(?=[A-Z0-9*])", line.strip(), maxsplit=1)[0]


def _opens_serious(line: str) -> bool:
    first = _first_sentence(line)
    return names_side_effects(first) and says_serious(first)


def _rest_after(el: etree.Element, strong: etree.Element) -> etree.Element:
    """What follows a bold label inside ``el``, as an element of its own."""
    rest = etree.Element("p")
    rest.text = (strong.tail or "").lstrip().removeprefix(":").lstrip()
    after = False
    for child in el:
        if after:
            rest.append(copy.deepcopy(child))
        after = after or child is strong
    return rest


_LIST_LIKE_MAX_WORDS = 8


def _comma_items(rest: etree.Element) -> list[str] | None:
    # Only text after a side-effect group label comes here, so two parts already make a list.
    """ "nausea, headache, dizziness" → three items; sentences stay prose (None)."""
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
        return len(re.sub(r"\(.*?\)|\[.*?\]", " ", part).split())

    if any(words(p) > _LIST_LIKE_MAX_WORDS or re.search(r"[.!?]\s+\S", p) for p in parts):
        return None
    return parts


class _Groups:
    """Side-effect groups being collected, in page order."""

    def __init__(self, result: _Result):
        self.result = result
        self.label: str | None = None
        self.severity = Severity.COMMON
        self.heading = False
        self.blocks: list[tuple[str, str]] = []

    def close(self) -> None:
        if self.label is not None or self.blocks:
            self.result.groups.append((self.label, self.severity, self.heading, list(self.blocks)))

    def open(self, label: str | None, severity: Severity, *, heading: bool) -> None:
        self.close()
        self.label, self.severity, self.heading, self.blocks = label, severity, heading, []

    def add(self, what: str, html: str) -> None:
        self.blocks.append((what, html))

    def add_text(self, rest: etree.Element) -> None:
        """Inline text after a group label: a comma list becomes items, anything else prose."""
        nested = [c for c in rest if c.tag in _LISTS]
        for lst in nested:
            rest.remove(lst)
        if (rest.text or "").strip() or len(rest):
            items = _comma_items(rest)
            if items is not None:
                for part in items:
                    item = etree.Element("span")
                    item.text = part
                    self.add("item", inner(item))
            else:
                self.add("prose", outer(rest))
        for lst in nested:
            for li in lst:
                self.add("item", inner(li))


class StructureTreeprocessor(Treeprocessor):
    """Collect side-effect groups or FAQ pairs, according to ``md.leaflet_kind``."""

    def run(self, root: etree.Element) -> None:
        _tidy(root)
        result = _Result()
        kind = getattr(self.md, "leaflet_kind", None)
        if kind is Kind.SIDE_EFFECTS:
            self._side_effects(root, result)
        elif kind is Kind.FAQS:
            self._faqs(root, result)
        self.md.leaflet_result = result

    # -- side effects --------------------------------------------------------------------
    def _side_effects(self, root: etree.Element, result: _Result) -> None:
        groups = _Groups(result)
        children = list(root)
        for i, el in enumerate(children):
            nxt = children[i + 1] if i + 1 < len(children) else None
            if el.tag in _HEADINGS or _bold_only(el) or _is_bold_label(el):
                strong = el if el.tag in _HEADINGS else el[0]
                groups.open(inner(strong), _severity(text(strong)), heading=True)
                if el.tag == "p":
                    groups.add_text(_rest_after(el, strong))
            elif el.tag == "p" and text(el).endswith(":") and nxt is not None:
                groups.open(inner(el), _severity(_lead_in(text(el))), heading=False)
            elif el.tag in _LISTS:
                for li in el:
                    if _is_group_item(li):
                        # "* **Serious side effects:** a, b, c": a group of its own.
                        groups.open(inner(li[0]), _severity(text(li[0])), heading=True)
                        groups.add_text(_rest_after(li, li[0]))
                    else:
                        groups.add("item", inner(li))
            elif el.tag == "p" and _opens_serious(text(el)):
                # Prose whose first sentence says serious side effects: a serious group of prose.
                groups.open(None, Severity.SERIOUS, heading=False)
                groups.add("prose", outer(el))
            else:
                groups.add("prose", outer(el))
            root.remove(el)
        groups.close()

    # -- FAQs ----------------------------------------------------------------------------
    def _faqs(self, root: etree.Element, result: _Result) -> None:
        children = list(root)
        i = 0
        while i < len(children):
            el = children[i]
            if el.tag in _LISTS:
                for li in list(el):
                    if not (li.text or "").strip() and len(li) and li[0].tag in _BOLD:
                        q = li[0]
                        answer = etree.Element("div")
                        answer.text = (q.tail or "").lstrip()
                        for extra in list(li)[1:]:
                            answer.append(copy.deepcopy(extra))
                        result.faqs.append((inner(q), inner(answer)))
                        el.remove(li)
                if not len(el):
                    root.remove(el)
                i += 1
            elif _question_with_answer(el):
                # "**Q: …?**" and "A: …" on the next line: one paragraph holds the pair.
                strong = el[0]
                result.faqs.append((inner(strong), inner(_rest_after(el, strong))))
                root.remove(el)
                i += 1
            elif _bold_only(el) or el.tag in _HEADINGS:
                # A question on a line of its own; its answer runs to the next question.
                j = i + 1
                while j < len(children) and not (
                    _bold_only(children[j])
                    or _question_with_answer(children[j])
                    or children[j].tag in _HEADINGS
                    or children[j].tag in _LISTS
                ):
                    j += 1
                if j == i + 1:
                    i += 1
                    continue
                q = el if el.tag in _HEADINGS else el[0]
                answer_html = "".join(outer(c) for c in children[i + 1 : j])
                result.faqs.append((inner(q), answer_html))
                for c in children[i:j]:
                    root.remove(c)
                i = j
            else:
                i += 1


class LeafletExtension(markdown.Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # After inline patterns (20), prettify (10) and unescape (0), so text is final.
        md.treeprocessors.register(StructureTreeprocessor(md), "leaflet_structure", -10)


_QPREFIX = re.compile(r"^\s*(?:<(?:strong|b)>)?\s*[QP]\s*\d*\s*[:.)]\s*(?:</(?:strong|b)>)?\s*", re.I)
_APREFIX = re.compile(
    r"^\s*(?:<(?:strong|b)>)?\s*(?:A(?:ns(?:wer)?)?|R)\s*\d*\s*[:.)]\s*(?:</(?:strong|b)>)?\s*", re.I
)


def _strip_prefix(pattern: re.Pattern[str], html: str) -> str:
    """Drop a "Q:"/"A:" label the template replaces, also when a paragraph opens the HTML."""
    opening = re.match(r"^\s*(?:<p>)?", html).group(0)
    return opening + pattern.sub("", html[len(opening) :], count=1)


class SectionConverter:
    """One Markdown instance, reused for every section of every page in a process."""

    def __init__(self) -> None:
        self.md = markdown.Markdown(extensions=["tables", "sane_lists", LeafletExtension()])

    def _finish(self, fragment: str) -> str:
        for pp in self.md.postprocessors:
            fragment = pp.run(fragment)
        return sanitize.clean(fragment).strip()

    def convert(self, kind: Kind, source: str) -> SectionBody:
        md = self.md
        md.reset()
        md.leaflet_kind = kind
        md.leaflet_result = _Result()
        try:
            html = md.convert(source)  # the postprocessors already ran on the leftover
        except BaseException:
            # A failure deep inside Markdown (RecursionError on absurd nesting) can leave the
            # instance half-reset; never reuse it for the next page.
            self.md = markdown.Markdown(extensions=["tables", "sane_lists", LeafletExtension()])
            raise
        result: _Result = md.leaflet_result
        groups = tuple(
            SideEffectGroup(
                label=self._finish(label) if label is not None else None,
                severity=severity,
                label_is_heading=heading,
                blocks=tuple(
                    (SideEffect if what == "item" else Prose)(self._finish(frag), severity)
                    for what, frag in blocks
                ),
            )
            for label, severity, heading, blocks in result.groups
        )
        faqs = tuple(
            Faq(
                question=_strip_prefix(_QPREFIX, self._finish(q)),
                answer=_strip_prefix(_APREFIX, self._finish(a)),
            )
            for q, a in result.faqs
        )
        md.reset()
        return SectionBody(html=sanitize.clean(html).strip(), groups=groups, faqs=faqs)
