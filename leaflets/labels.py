"""Section labels: how a page names its sections (the words themselves live in ``vocabulary``)."""

from __future__ import annotations

import re
import unicodedata

from .model import Kind
from .vocabulary import OFFICIAL_HEADINGS, QA_LABEL, SECTION_PATTERNS

# A label is short: a sentence in bold is content, not a section label.
MAX_LABEL_WORDS = 8


def classify(label: str, *, anchored: bool = False) -> Kind | None:
    """The canonical section a label names, or None when it names none.

    ``anchored`` asks that the label start with the keyword (for plain ``Usage:`` labels, where a
    sentence such as "The individual components have their uses:" must not count).
    """
    text = unicodedata.normalize("NFC", clean_label(label))
    # Qualifiers do not change what a label names: "FAQs (for each drug individually …)",
    # "Dosage: NOT FOR INTERNAL USE …".
    # (?<!\s): a run of spaces is scanned once, not once per space (quadratic otherwise).
    text = re.sub(r"(?<!\s)\s*[(\[（].*?(?:[)\]）]|$)", " ", text)
    text = re.split(r"[:：]", text)[0].strip()
    if not text or len(text.split()) > MAX_LABEL_WORDS or QA_LABEL.match(text):
        return None
    best: tuple[int, int, Kind] | None = None
    for order, (kind, pattern) in enumerate(SECTION_PATTERNS):
        m = pattern.search(text)
        if m and (best is None or (m.start(), order) < best[:2]):
            best = (m.start(), order, kind)
    if best is None or (anchored and (best[0] != 0 or len(text.split()) > 5)):
        return None
    effects = dict(SECTION_PATTERNS)[Kind.SIDE_EFFECTS].search(text)
    if effects and effects.end() == len(text.rstrip(" .:")):
        # "Intravenous Administration Specific Side Effects" names side effects: the words
        # before the last keyword only qualify it.
        return Kind.SIDE_EFFECTS
    return best[2]


_NUMBERED = re.compile(r"^\s*(?:[A-Z]\.|\d+(?:\.\d+)*\.?)\s+")


def classify_heading(title: str, *, official_only: bool = False) -> Kind | None:
    """The section an official leaflet's heading names (its numbering aside), or None.
    ``Kind.OTHER`` means a known heading with no section of its own ("What are the ingredients").
    ``official_only`` leaves out the page-label keywords (for bold lines inside a text, where
    "Especially tell your doctor if you use:" must not open a section)."""
    text = _NUMBERED.sub("", " ".join(title.split()))
    for kind, pattern in OFFICIAL_HEADINGS:
        if pattern.search(text):
            return kind
    return None if official_only else classify(text)


def is_qa_label(label: str) -> bool:
    return bool(QA_LABEL.match(clean_label(label)))


def clean_label(label: str) -> str:
    """Strip markup and the trailing colon from a label: ``**Usage:**`` → ``Usage``."""
    text = re.sub(r"[*_`]+", "", label).strip()
    text = re.sub(r"(?<!\s)\s*[:：]\s*$", "", text)  # the guard keeps a run of spaces linear
    return text.strip()


def last_sentence(text: str) -> str:
    """The sentence that introduces what follows: "… vary. Common ones include:" → "Common ones include:"."""
    parts = re.split(SENTENCE_END, text.strip())
    parts = [p for p in parts if p.strip()]
    return parts[-1] if parts else text


#: Where a sentence ends: a stop and a capital (or an Arabic letter, which has no capitals), or a
#: Chinese full stop, which needs no space after it.
SENTENCE_END = re.compile(r"(?<=[.!?؟])\s+(?=[A-ZÀ-ÖØ-ÞА-ЯЁ\u0600-\u06ff0-9*¿¡])|(?<=[。！？])")


def bracketed(text: str, pairs: str = "()[]", same_line: bool = False) -> list[tuple[int, int]]:
    """The spans ``(…)`` and ``[…]`` that ``re.finditer(r"\\([^)]*\\)|\\[[^\\]]*\\]", text)`` finds
    (with ``same_line``, ``\\(.*?\\)|\\[.*?\\]``: no newline inside), in linear time.

    The regex is quadratic on hostile text: from every opening bracket with no closing one
    after it, it scans to the end again. Here each next-occurrence search is remembered until
    the scan passes it, so every character is looked at a bounded number of times."""
    closers = dict(zip(pairs[::2], pairs[1::2], strict=True))
    ahead: dict[str, int] = {}  # char -> its next index at or after the last search (-1: none)

    def next_of(char: str, start: int) -> int:
        found = ahead.get(char)
        if found is None or (found != -1 and found < start):
            found = ahead[char] = text.find(char, start)
        return found

    spans = []
    pos = 0
    while True:
        opens = [i for i in (next_of(o, pos) for o in closers) if i != -1]
        if not opens:
            return spans
        start = min(opens)
        end = next_of(closers[text[start]], start + 1)
        newline = next_of("\n", start + 1) if same_line else -1
        if end == -1 or (newline != -1 and newline < end):
            pos = start + 1
            continue
        spans.append((start, end + 1))
        pos = end + 1


def without_bracketed(text: str, pairs: str = "()[]", same_line: bool = False, repl: str = " ") -> str:
    """``text`` with each span :func:`bracketed` finds replaced by ``repl``."""
    parts, last = [], 0
    for start, end in bracketed(text, pairs, same_line):
        parts += [text[last:start], repl]
        last = end
    return "".join(parts) + text[last:]
