"""Characters untrusted text must not carry, and the invisible ones that can disguise a title.

- C0 and C1 control characters (tab and newline aside), lone surrogates and the two XML
  non-characters break the outputs: a surrogate cannot be encoded as UTF-8 (the manifest and
  the site), and a control character is not allowed in XML or HTML. Front matter with one is
  refused; the body and the pharmacist's fields lose them.
- Bidi overrides and embeddings (U+202A–U+202E) reorder what a reader sees, and zero-width
  characters hide inside a Latin word: either can make one drug's title look like another's.
  ZWNJ, ZWJ, the marks (LRM, RLM, ALM) and the isolates stay allowed in scripts that need them
  (Arabic, Farsi, Urdu, Indic scripts).
"""

from __future__ import annotations

import re
import unicodedata

#: C0 controls but tab and newline, DEL and C1, lone surrogates, U+FFFE and U+FFFF.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
BIDI_OVERRIDES = frozenset("\u202a\u202b\u202c\u202d\u202e")
#: Invisible characters a Latin-script title never needs.
INVISIBLE = frozenset("\u200b\u200c\u200d\u200e\u200f\u061c\u2060\u2066\u2067\u2068\u2069\ufeff\u180e")


def describe(ch: str) -> str:
    """``U+0007`` with the character's name when it has one."""
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" {name}" if name else "")


def first_forbidden(text: str) -> str | None:
    match = FORBIDDEN.search(text)
    return match.group(0) if match else None


def strip_forbidden(text: str) -> tuple[str, int]:
    """``text`` without the forbidden characters, and how many there were."""
    return FORBIDDEN.subn("", text)


def is_latin_script(text: str) -> bool:
    """True when every letter of ``text`` is a Latin letter (and there is at least one)."""
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and all(unicodedata.name(ch, "").startswith("LATIN") for ch in letters)


def disguising(title: str) -> list[str]:
    """The characters in ``title`` that can make it look like another title."""
    found = [ch for ch in title if ch in BIDI_OVERRIDES]
    if is_latin_script(title):
        found += [ch for ch in title if ch in INVISIBLE]
    return list(dict.fromkeys(found))
