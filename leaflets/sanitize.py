"""Sanitise page HTML with an allowlist (nh3): keep the markup real pages use, drop everything else.

Images are replaced by their alt text and links by their text, so nothing in a page can make the
renderer fetch anything.
"""

from __future__ import annotations

import html
import re

import nh3

#: Tags the real pages use. Everything else is removed (its text is kept, except for the
#: tags in _DROP_WITH_CONTENT). ``img`` is allowed through nh3 only so that its alt text
#: survives; _IMG below turns it into plain text.
ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "s",
        "del",
        "ins",
        "mark",
        "small",
        "sub",
        "sup",
        "code",
        "kbd",
        "pre",
        "blockquote",
        "hr",
        "span",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "th",
        "td",
        "caption",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "img",
    }
)
ALLOWED_ATTRIBUTES = {
    "*": set(),  # nh3 would otherwise keep lang and title on every tag
    "img": {"alt"},
    "ol": {"start"},
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}
_DROP_WITH_CONTENT = frozenset(
    {
        "script",
        "style",
        "template",
        "noscript",
        "iframe",
        "object",
        "embed",
        "svg",
        "math",
        "title",
        "textarea",
        "select",
    }
)
# nh3 writes attributes in one canonical form, so this pattern sees every img that survives.
_IMG = re.compile(r'<img(?:\s+alt="([^"]*)")?\s*/?>')


def clean(fragment: str) -> str:
    """Return ``fragment`` with only allowlisted tags and attributes, images as their alt text."""
    cleaned = nh3.clean(
        fragment,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(_DROP_WITH_CONTENT),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(),
        strip_comments=True,
        link_rel=None,
    )
    return _IMG.sub(lambda m: html.escape(html.unescape(m.group(1) or ""), quote=False), cleaned)


def text_of(fragment: str) -> str:
    """Plain text of an HTML fragment (for labels, titles and search)."""
    return html.unescape(nh3.clean(fragment, tags=set())).strip()
