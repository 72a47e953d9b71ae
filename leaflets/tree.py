"""Helpers over Python-Markdown's element tree, shared by the side-effect and FAQ readers."""

from __future__ import annotations

import copy
import xml.etree.ElementTree as etree

from markdown.serializers import to_html_string

HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
LISTS = {"ul", "ol"}
BOLD = {"strong", "b"}
#: What ends a label: the colon, and the full-width one of Chinese and Japanese ("头痛：").
COLONS = (":", "：")


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


def is_bold_label(el: etree.Element) -> bool:
    """``<p><strong>Label:</strong> optional text</p>``."""
    return el.tag == "p" and _opens_with_bold_label(el)


def _opens_with_bold_label(el: etree.Element) -> bool:
    """``el`` starts with a bold run that ends in a colon, or is followed by one."""
    if (el.text or "").strip() or not len(el) or el[0].tag not in BOLD:
        return False
    label = text(el[0])
    return label.endswith(":") or (el[0].tail or "").lstrip().startswith(":")


#: Words after a heading's bold label that make it a labelled paragraph ("#### **Adults:** The
#: standard dose is …"), and words that make any heading one.
RUN_IN_WORDS = 4
PROSE_HEADING_WORDS = 20


def is_run_in(el: etree.Element) -> bool:
    """A heading that holds a paragraph: a bold label, its colon and a sentence, or prose too long
    for a heading. Printed as a heading it would be all bold and unsplittable, and a run of them
    (each kept with the next) would be pushed whole to a new page."""
    if el.tag not in HEADINGS:
        return False
    if len(text(el).split()) > PROSE_HEADING_WORDS:
        return True
    # The label is a bold run ending in a colon, as for a labelled paragraph (is_bold_label).
    if not _opens_with_bold_label(el):
        return False
    return len(text(el).split()) - len(text(el[0]).split()) >= RUN_IN_WORDS


def bold_only(el: etree.Element) -> bool:
    return (
        el.tag == "p"
        and not (el.text or "").strip()
        and len(el) == 1
        and el[0].tag in BOLD
        and not (el[0].tail or "").strip()
    )


def rest_after(el: etree.Element, strong: etree.Element) -> etree.Element:
    """What follows a bold label inside ``el``, as an element of its own."""
    rest = etree.Element("p")
    rest.text = (strong.tail or "").lstrip().removeprefix(":").lstrip()
    after = False
    for child in el:
        if after:
            rest.append(copy.deepcopy(child))
        after = after or child is strong
    return rest
