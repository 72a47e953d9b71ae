"""Nothing dropped: count a page body's words and check the rendered leaflet holds them all.

Markup, list markers, link targets and the ``Q:``/``A:`` prefixes that the template replaces are
not words of the page; every other word must be printed at least as often as the page has it.
"""

from __future__ import annotations

import html
import re
from collections import Counter

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_TAG = re.compile(r"<[^>]*>")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_LIST_MARKER = re.compile(r"^\s*(?:\d+[.)]|[-*+])\s+", re.M)
_QA = re.compile(
    r"(?:(?<=^)|(?<=[\s*>#(]))(?:Q|A|R|P|Ans|Answer|Question|Réponse|Pregunta|Respuesta)\s*\d*\s*[:.)](?=\s|\*|$)",
    re.M | re.I,
)


def words(text: str) -> Counter[str]:
    return Counter(w.casefold() for w in _WORD.findall(text))


def source_words(body: str) -> Counter[str]:
    """Words of a markdown body, without markup."""
    text = _LIST_MARKER.sub(" ", body)
    text = _LINK.sub(r"\1", text)
    text = _TAG.sub(" ", text)
    text = html.unescape(text)
    text = _QA.sub(" ", text)
    return words(text)


def html_words(document: str) -> Counter[str]:
    """Words a reader sees in a rendered HTML document (the body only)."""
    body = document.split("<body", 1)[-1]
    body = re.sub(r"<(svg|style|script)\b.*?</\1>", " ", body, flags=re.S | re.I)
    return words(html.unescape(_TAG.sub(" ", body)))


def dropped(body: str, document: str) -> Counter[str]:
    """Words the page has more often than the document prints them."""
    return source_words(body) - html_words(document)
