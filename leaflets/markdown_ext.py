"""Python-Markdown extension: turn one section's element tree into model blocks.

The reader finds section boundaries with a line-aware scan (the tree has no line numbers) and
hands each section body here. A Treeprocessor, registered last, then pulls out side-effect
groups and FAQ pairs from the tree; whatever it does not capture stays in the section's HTML.
"""

from __future__ import annotations

import copy
import html
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field

import markdown
from markdown.treeprocessors import Treeprocessor

from . import sanitize
from .model import Faq, Kind, Prose, Severity, SideEffect, SideEffectGroup
from .normalize import normalize
from .side_effects import Group, is_group_label, read_groups, severity_of
from .tree import BOLD, COLONS, HEADINGS, LISTS, bold_only, inner, is_run_in, outer, rest_after, text


@dataclass
class _Result:
    """What the tree processor found; fragments still hold raw-HTML placeholders."""

    groups: list[Group] = field(default_factory=list)
    faqs: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class SectionBody:
    html: str
    groups: tuple[SideEffectGroup, ...] = ()
    faqs: tuple[Faq, ...] = ()


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
        _drop_dangling_colon(li)
    for el in root.iter():
        # An unclosed "**" (a generation that stopped mid-label) is markup, never text to print.
        if el.text and "**" in el.text:
            el.text = el.text.replace("**", "")
        if el.tail and "**" in el.tail:
            el.tail = el.tail.replace("**", "")


def _run_in_paragraphs(root: etree.Element) -> None:
    """A heading that holds a paragraph (``tree.is_run_in``) prints as one: its bold label stays
    bold, its sentences print at normal weight and may split across pages."""
    for el in root.iter():
        if is_run_in(el):
            el.tag = "p"


def _drop_dangling_colon(li: etree.Element) -> None:
    """ "* **Headache:**" with no description prints "Headache", not "Headache:"; a group label
    ("* **Common:**") keeps its colon, since what follows is its group. The colon may be the
    full-width one of Chinese and Japanese ("头痛：")."""
    if len(li) and li[-1].tag in LISTS:
        return
    if len(li) == 1 and li[0].tag in BOLD and not (li.text or "").strip() and not len(li[0]):
        strong = li[0]
        label = (strong.text or "") + (strong.tail or "")
        if label.strip().endswith(COLONS) and not is_group_label(label):
            if (strong.tail or "").strip() in COLONS:
                strong.tail = ""
            elif not (strong.tail or "").strip():
                strong.text = _without_colon(strong.text or "")
    elif not len(li) and (li.text or "").rstrip().endswith(COLONS) and not is_group_label(li.text or ""):
        li.text = _without_colon(li.text or "")


def _without_colon(text: str) -> str:
    text = text.rstrip()
    return text[:-1].rstrip() if text.endswith(COLONS) else text


def _answer_label(el: etree.Element) -> bool:
    return (el.tag in HEADINGS or bold_only(el)) and bool(
        re.fullmatch(r"(?:A|Ans|Answer)\s*\d*\s*[:.)]?", text(el))
    )


_PLAIN_PAIR = re.compile(r"^\s*(Q\s*\d*\s*[:.)].*?)\n\s*(A\s*\d*\s*[:.)].*)$", re.S | re.I)


def _plain_pair(paragraph: str) -> tuple[str, str] | None:
    if m := _PLAIN_PAIR.match(paragraph):
        return html.escape(m.group(1).strip(), quote=False), html.escape(m.group(2).strip(), quote=False)
    return None


def _question_with_answer(el: etree.Element) -> bool:
    if el.tag != "p" or (el.text or "").strip() or not len(el) or el[0].tag not in BOLD:
        return False
    question = text(el[0])
    looks_like = question.endswith("?") or re.match(r"^[QP]\s*\d*\s*[:.)]", question)
    return bool(looks_like) and bool((el[0].tail or "").strip() or len(el) > 1)


class StructureTreeprocessor(Treeprocessor):
    """Collect side-effect groups or FAQ pairs, according to ``md.leaflet_kind``."""

    def run(self, root: etree.Element) -> None:
        _tidy(root)
        result = _Result()
        kind = getattr(self.md, "leaflet_kind", None)
        if kind is not Kind.FAQS:
            _run_in_paragraphs(root)
        if kind is Kind.SIDE_EFFECTS:
            result.groups = read_groups(root, getattr(self.md, "leaflet_context", Severity.COMMON))
        elif kind is Kind.FAQS:
            self._faqs(root, result)
            _run_in_paragraphs(root)  # after the pairs: a long question heading stays a question
        self.md.leaflet_result = result

    # -- FAQs ----------------------------------------------------------------------------
    def _faqs(self, root: etree.Element, result: _Result) -> None:
        children = list(root)
        i = 0
        while i < len(children):
            el = children[i]
            if el.tag in LISTS:
                pairs = []
                for li in list(el):
                    if not (li.text or "").strip() and len(li) and li[0].tag in BOLD:
                        q = li[0]
                        answer = etree.Element("div")
                        answer.text = (q.tail or "").lstrip()
                        for extra in list(li)[1:]:
                            answer.append(copy.deepcopy(extra))
                        pairs.append((li, inner(q), inner(answer)))
                # A list of questions with no answers ("FAQs would include: * **What is …?**")
                # is a list, never questions printed with an empty answer.
                if all(sanitize.text_of(a).strip() for _, _, a in pairs):
                    for li, q, a in pairs:
                        result.faqs.append((q, a))
                        el.remove(li)
                if not len(el):
                    root.remove(el)
                i += 1
            elif el.tag == "p" and not len(el) and (pair := _plain_pair(el.text or "")):
                # "Q: …" and "A: …" on consecutive plain lines.
                result.faqs.append(pair)
                root.remove(el)
                i += 1
            elif _question_with_answer(el):
                # "**Q: …?**" and "A: …" on the next line: one paragraph holds the pair.
                strong = el[0]
                result.faqs.append((inner(strong), inner(rest_after(el, strong))))
                root.remove(el)
                i += 1
            elif bold_only(el) or el.tag in HEADINGS:
                # A question on a line of its own; its answer runs to the next question. An "A:"
                # label of its own (a heading or a bold line) opens the answer.
                start = i + 1
                if start < len(children) and _answer_label(children[start]):
                    start += 1
                j = start
                while j < len(children) and not (
                    bold_only(children[j])
                    or _question_with_answer(children[j])
                    or children[j].tag in HEADINGS
                    or children[j].tag in LISTS
                ):
                    j += 1
                if j == start:
                    i += 1
                    continue
                q = el if el.tag in HEADINGS else el[0]
                answer_html = "".join(outer(c) for c in children[start:j])
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


# Possessive runs: two optional runs of spaces side by side would be tried at every split.
_QPREFIX = re.compile(r"^\s*+(?:<(?:strong|b)>\s*+)?[QP]\s*+\d*+\s*+[:.)]\s*+(?:</(?:strong|b)>\s*+)?", re.I)
_APREFIX = re.compile(
    r"^\s*+(?:<(?:strong|b)>\s*+)?(?:A(?:ns(?:wer)?)?|R)\s*+\d*+\s*+[:.)]\s*+(?:</(?:strong|b)>\s*+)?", re.I
)


def _strip_prefix(pattern: re.Pattern[str], html: str) -> str:
    """Drop a "Q:"/"A:" label the template replaces, also when a paragraph opens the HTML."""
    opening = re.match(r"^\s*(?:<p>)?", html).group(0)
    return opening + pattern.sub("", html[len(opening) :], count=1)


def _without_prefix(pattern: re.Pattern[str], html: str) -> str:
    """The fragment without its "Q:"/"A:" label; cleaned again only when the label took an
    opening tag with it ("<strong>Q1: …?</strong>")."""
    stripped = _strip_prefix(pattern, html)
    return sanitize.clean(stripped) if stripped != html else stripped


class SectionConverter:
    """One Markdown instance, reused for every section of every page in one thread (it is not
    safe to share between threads)."""

    def __init__(self) -> None:
        self.md = markdown.Markdown(extensions=["tables", "sane_lists", LeafletExtension()])

    def _finish(self, fragment: str) -> str:
        for pp in self.md.postprocessors:
            fragment = pp.run(fragment)
        return sanitize.clean(fragment).strip()

    def convert(self, kind: Kind, source: str, label: str = "") -> SectionBody:
        """One section's body; ``label`` is the section's own label, whose words give the side
        effects under it their first severity ("**Serious side effects:**")."""
        md = self.md
        md.reset()
        md.leaflet_kind = kind
        md.leaflet_context = severity_of(label)
        md.leaflet_result = _Result()
        try:
            html = md.convert(normalize(source))  # the postprocessors already ran on the leftover
        except BaseException:
            # A failure deep inside Markdown (RecursionError on absurd nesting) can leave the
            # instance half-reset; never reuse it for the next page.
            self.md = markdown.Markdown(extensions=["tables", "sane_lists", LeafletExtension()])
            raise
        body = _body(md.leaflet_result, html, self._finish)
        md.reset()
        return body


def _body(result: _Result, leftover: str, finish) -> SectionBody:
    """Model blocks from what the tree processor found; ``finish`` sanitises each fragment."""
    groups = tuple(
        SideEffectGroup(
            label=finish(label) if label is not None else None,
            severity=severity,
            label_is_heading=heading,
            blocks=tuple(
                (SideEffect if what == "item" else Prose)(finish(frag), severity) for what, frag in blocks
            ),
        )
        for label, severity, heading, blocks in result.groups
    )
    faqs = tuple(
        Faq(question=_without_prefix(_QPREFIX, finish(q)), answer=_without_prefix(_APREFIX, finish(a)))
        for q, a in result.faqs
    )
    return SectionBody(html=sanitize.clean(leftover).strip(), groups=groups, faqs=faqs)


class _TreeSource:
    """What StructureTreeprocessor reads from its Markdown instance, for a tree made elsewhere."""

    def __init__(self, kind: Kind, label: str):
        self.leaflet_kind = kind
        self.leaflet_context = severity_of(label)
        self.leaflet_result = _Result()


def convert_tree(kind: Kind, root: etree.Element, label: str = "") -> SectionBody:
    """The same groups, FAQ pairs and tidying for a ``<div>`` tree that did not come from
    Markdown (official leaflets: ePI XHTML, SPL text)."""
    source = _TreeSource(kind, label)
    StructureTreeprocessor(source).run(root)  # type: ignore[arg-type]
    return _body(source.leaflet_result, inner(root), lambda fragment: sanitize.clean(fragment).strip())
