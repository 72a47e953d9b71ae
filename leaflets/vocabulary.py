"""Every word the parser reads a page by, matched: section names, severity and frequency words.

The words themselves live in ``wordlists``, one ``Words`` record per language; here they are
compiled, all languages together, into the patterns and sets that ``labels``, ``sections`` and
``side_effects`` ask. Frequency words and connectors are matched as sets, never as one
alternation repeated, so a long label cannot make matching slow.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from .model import Kind
from .wordlists import LANGUAGES, Words

#: When two section keywords start at the same place in a label, the earlier kind here wins;
#: otherwise the keyword that comes first in the label wins ("Side effects and precautions").
SECTION_ORDER: tuple[Kind, ...] = (
    Kind.GENERIC_NAME,
    Kind.SIDE_EFFECTS,
    Kind.FAQS,
    Kind.HOW_IT_WORKS,
    Kind.DOSAGE,
    Kind.USAGE,
    Kind.PRECAUTIONS,
    Kind.INTERACTIONS,
    Kind.STORAGE,
    Kind.DISCLAIMER,
    Kind.NOTE,
)


# -- compiled from all languages -----------------------------------------------------------------


def _alternation(fragments: Iterable[tuple[Words, str]]) -> str:
    """One alternation of every language's fragments, with word boundaries where words have them."""
    parts = [rf"\b(?:{f})\b" if w.spaced else f"(?:{f})" for w, f in fragments]
    return "|".join(parts) or r"(?!)"


def _compile(fragments: Iterable[tuple[Words, str]]) -> re.Pattern[str]:
    return re.compile(_alternation(fragments), re.I)


SECTION_PATTERNS: tuple[tuple[Kind, re.Pattern[str]], ...] = tuple(
    (kind, _compile((w, f) for w in LANGUAGES for f in w.sections.get(kind, ()))) for kind in SECTION_ORDER
)
QA_LABEL = re.compile(
    "^(?:" + "|".join(f"(?:{f})" for w in LANGUAGES for f in w.qa_labels) + ")$",
    re.I,
)
SIDE_EFFECT_WORDS = _compile((w, f) for w in LANGUAGES for f in w.side_effects)
_SERIOUS = _compile((w, f) for w in LANGUAGES for f in w.serious)
_NOT_SERIOUS = _compile(
    [(w, f) for w in LANGUAGES for f in w.not_serious]
    + [(w, rf"(?:{n})(?:\s+|\s*-\s*)(?:{s})") for w in LANGUAGES for n in w.negators for s in w.serious]
)
_FREQUENCY = frozenset(x.casefold() for w in LANGUAGES if w.spaced for x in w.frequency)
_UNSPACED_FREQUENCY = tuple(x.casefold() for w in LANGUAGES if not w.spaced for x in w.frequency)
_EFFECT_NOUNS = _compile((w, f) for w in LANGUAGES for f in w.effect_nouns)
REFUSAL = _compile((w, f) for w in LANGUAGES for f in w.refusals)
OFFICIAL_HEADINGS: tuple[tuple[Kind, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(rf"^(?:{f})", re.I)) for w in LANGUAGES for kind, f in w.official_headings
)
_SPACED_QUALIFIERS = frozenset().union(*(w._qualifiers for w in LANGUAGES if w.spaced))
_UNSPACED_QUALIFIERS = tuple(w._qualifiers for w in LANGUAGES if not w.spaced)
_UNSPACED_CHARS = tuple(frozenset("".join(q)) for q in _UNSPACED_QUALIFIERS)
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_SEPARATORS = re.compile(r"[\s,/&+\-–—.;:]+")


def says_serious(text: str) -> bool:
    """Whether the words say serious or urgent, negations and ranges set aside.

    "Serious side effects", "can be life-threatening", "seek immediate medical attention" say
    serious; "less serious", "not serious", "non-serious", "mild to severe" do not.
    """
    text = unicodedata.normalize("NFC", text)  # Vietnamese typed with combining accents
    return bool(_SERIOUS.search(_NOT_SERIOUS.sub(" ", text)))


def names_side_effects(text: str) -> bool:
    return bool(SIDE_EFFECT_WORDS.search(unicodedata.normalize("NFC", text)))


def names_effects(text: str) -> bool:
    """Whether a label names a kind of effect ("Long-term effects", "Allergic reactions")."""
    return bool(_EFFECT_NOUNS.search(text))


_GRADES = frozenset(x.casefold() for w in LANGUAGES if w.spaced for x in w.grades)
_UNSPACED_GRADES = tuple(x.casefold() for w in LANGUAGES if not w.spaced for x in w.grades)


def qualifies(text: str, *, frequency: bool = True) -> bool:
    """Whether the words say anything about how bad (or, with ``frequency``, how often) the
    effects are: "Serious", "mild", "not serious", "Common side effects" — not "Drug A" or
    "These include"."""
    if names_side_effects(text) or says_serious(text) or _NOT_SERIOUS.search(text):
        return True
    folded = text.casefold()
    found = set(_TOKEN.findall(folded))
    if found & _GRADES or any(w in folded for w in _UNSPACED_GRADES):
        return True
    return frequency and names_frequency(text)


def names_frequency(text: str) -> bool:
    """Whether any word ranks by frequency or severity ("These are rare but include")."""
    folded = text.casefold()
    return any(t in _FREQUENCY for t in _TOKEN.findall(folded)) or any(
        w in folded for w in _UNSPACED_FREQUENCY
    )


def only_qualifiers(text: str) -> bool:
    """Whether the text is made only of frequency words and connectors: "Less common but serious",
    "Very common / common", "Rare". Linear in the length of the text."""
    rest = _SEPARATORS.sub(" ", text).strip().casefold()
    if not rest:
        return False
    tokens = rest.split()
    if all(t in _SPACED_QUALIFIERS for t in tokens):
        return True
    compact = set(rest.replace(" ", ""))
    # Segment only text written wholly in that vocabulary's characters (a Latin label never is).
    return any(
        compact <= chars and _segments(rest.replace(" ", ""), words)
        for words, chars in zip(_UNSPACED_QUALIFIERS, _UNSPACED_CHARS, strict=True)
    )


def _segments(text: str, words: frozenset[str]) -> bool:
    """Whether ``text`` splits into ``words`` (for scripts without spaces); dynamic programming,
    so the cost is bounded by len(text) × the longest word."""
    longest = max(map(len, words), default=0)
    ok = [True] + [False] * len(text)
    for end in range(1, len(text) + 1):
        ok[end] = any(ok[start] and text[start:end] in words for start in range(max(0, end - longest), end))
    return ok[-1]


def refuses(text: str) -> bool:
    """Whether the text is the model declining to give information ("I cannot provide …")."""
    return bool(REFUSAL.search(text))
