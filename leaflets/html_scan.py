"""Linear scans over sanitised HTML: a fragment's list items, and its tags and entities apart from its text.

Each stands in for a regular expression that is quadratic on hostile text (``<[^>]*>`` and
``<li\\b[^>]*>(.*?)</li>`` scan to the end again from every ``<`` that nothing closes). Here each
search for a closing ``>`` or ``</li>`` is made once: when it finds nothing, nothing after it can
close either, so every character is looked at a bounded number of times. The results are the
regexes' own (``tests/test_hostile_regex.py`` compares them on random strings).
"""

from __future__ import annotations

import re

#: What may open markup: a tag's ``<`` or an entity's ``&``.
_OPENER = re.compile(r"[<&]")
#: An entity: its run of word characters is bounded by the next ``&``, so it is scanned once.
_ENTITY = re.compile(r"&[#\w]+;")


def list_items(html: str) -> list[str]:
    """The inner HTML of each ``<li>``, as ``re.findall(r"<li\\b[^>]*>(.*?)</li>", html, re.S)``
    gives it: an item holding a nested list ends at the first ``</li>``, its own or the nested one's."""
    items = []
    pos = 0
    while (start := html.find("<li", pos)) != -1:
        after = start + 3
        if after < len(html) and (html[after].isalnum() or html[after] == "_"):  # \b: not <link
            pos = start + 1
            continue
        gt = html.find(">", after)
        end = html.find("</li>", gt + 1) if gt != -1 else -1
        if end == -1:  # no later <li can close either
            return items
        items.append(html[gt + 1 : end])
        pos = end + 5
    return items


def split_markup(html: str) -> list[str]:
    """``html`` cut into text, tags and entities, as ``re.split(r"(<[^>]*>|&[#\\w]+;)", html)``
    cuts it: text at the even indexes, a tag (``<`` to the next ``>``) or an entity at the odd."""
    parts = []
    text_start = pos = 0
    tags_close = True  # False once a "<" found no ">" after it: no later "<" can find one
    while (opener := _OPENER.search(html, pos)) is not None:
        at = opener.start()
        end = -1
        if html[at] == "<":
            if tags_close:
                end = html.find(">", at + 1) + 1
                tags_close = end != 0
        elif entity := _ENTITY.match(html, at):
            end = entity.end()
        if end <= 0:
            pos = at + 1
            continue
        parts += [html[text_start:at], html[at:end]]
        text_start = pos = end
    parts.append(html[text_start:])
    return parts
