"""Page conventions read before Markdown sees a section's body.

Python-Markdown needs a blank line before a list and reads an unindented line after an item as part
of it. The pages follow CommonMark and their own habits instead:

- a list may follow a line with no blank line between ("used for:\\n* Hay fever");
- an unindented line that ends with ":" right after an item is a lead-in that opens a new group
  ("* Minor bleeding\\nLess common but serious side effects include:\\n* Major bleeding"); any
  other unindented line after an item continues it;
- an asterisk between a letter and a digit is part of a name (HLA-B*5701), not emphasis.

One line stays one line or gains blank lines only, so nothing is reordered.
"""

from __future__ import annotations

import re

# A bullet, or an ordered item that starts at 1 (CommonMark: only those interrupt a paragraph).
_INTERRUPTS = re.compile(r"^ {0,3}(?:[*+-]|1[.)])[ \t]+\S")
_ITEM = re.compile(r"^\s*(?:[*+-]|\d{1,9}[.)])[ \t]+\S")
_ALLELE_STAR = re.compile(r"(?<=[A-Za-z])\*(?=\d)")
_FENCE = re.compile(r"^\s{0,3}(?:```|~~~)")
_BLOCK_START = re.compile(r"^\s{0,3}(?:#{1,6}\s|>|\||<)")


def normalize(source: str) -> str:
    out: list[str] = []
    in_list = False
    fenced = False
    previous = ""
    for line in source.split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
        if fenced:
            out.append(line)
            previous = line
            continue
        line = _ALLELE_STAR.sub(r"\\*", line)
        blank_before = not previous.strip()
        if not line.strip():
            out.append(line)
        elif _ITEM.match(line):
            if not in_list and not blank_before and _INTERRUPTS.match(line):
                out.append("")  # a list right after a line of text
            in_list = True
            out.append(line)
        elif in_list and not blank_before and not line[0].isspace():
            if line.rstrip().endswith(":") and not _BLOCK_START.match(line):
                # A lead-in after an item: a paragraph of its own, opening what follows.
                out.extend(("", line, ""))
                in_list = False
                previous = ""
                continue
            out.append(line)  # a lazy continuation of the item
        else:
            if blank_before and not line[0].isspace():
                in_list = False
            out.append(line)
        previous = line
    return "\n".join(out)
