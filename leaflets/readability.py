"""Readability of a leaflet's text: Flesch Reading Ease and Flesch–Kincaid grade, offline.

Syllables come from pyphen's hyphenation dictionaries (points + 1 per word), which work offline
for English, French and Spanish; for English the vowel-group count is taken when it is larger,
because hyphenation patterns refuse breaks near word ends. Estimates, not CMUdict counts: a report
for content teams, not an exact measure.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import pyphen

from .model import Kind, Leaflet
from .sanitize import text_of

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# Only the first mark of a run starts a match: each later one would rescan the run.
_SENTENCE_END = re.compile(r"(?<![.!?])[.!?]++(?=\s|$)|\n+")
#: Boilerplate that every page carries says nothing about the page's own writing.
_SKIP = {Kind.DISCLAIMER, Kind.NOTE, Kind.GENERIC_NAME}


@dataclass(frozen=True)
class Readability:
    words: int
    sentences: int
    syllables: int

    @property
    def flesch_reading_ease(self) -> float:
        if not self.words:
            return 0.0
        return 206.835 - 1.015 * self.words / self.sentences - 84.6 * self.syllables / self.words

    @property
    def fk_grade(self) -> float:
        if not self.words:
            return 0.0
        return 0.39 * self.words / self.sentences + 11.8 * self.syllables / self.words - 15.59

    @property
    def grade(self) -> float:
        """The grade as printed, to one decimal: what every threshold and band compares, so that
        a page shown at 6.0 is never "above 6"."""
        return round(self.fk_grade, 1)

    def as_dict(self) -> dict[str, float | int]:
        return {
            "flesch_reading_ease": round(self.flesch_reading_ease, 1),
            "fk_grade": self.grade,
            "words": self.words,
            "sentences": self.sentences,
        }


@functools.lru_cache(maxsize=8)
def _dictionary(lang: str) -> pyphen.Pyphen:
    code = pyphen.language_fallback(lang.replace("-", "_")) or "en_US"
    return pyphen.Pyphen(lang=code)


_VOWELS = re.compile(r"[aeiouy]+")


def _syllables(word: str, dic: pyphen.Pyphen, *, english: bool) -> int:
    # Hyphenation dictionaries refuse to split near word ends ("tablet", "baclofen"), so for
    # English also count vowel groups (less a silent final e) and take the larger estimate.
    count = len(dic.positions(word)) + 1
    if english:
        groups = len(_VOWELS.findall(word)) - (word.endswith("e") and not word.endswith("le"))
        count = max(count, groups)
    return max(1, count)


def measure(text: str, lang: str = "en") -> Readability:
    """Count words, sentences (a list item or line counts as one) and syllables in ``text``."""
    dic = _dictionary(lang)
    words = _WORD.findall(text)
    sentences = [s for s in _SENTENCE_END.split(text) if _WORD.search(s)]
    syllables = sum(_syllables(w.lower(), dic, english=lang.startswith("en")) for w in words)
    return Readability(len(words), max(1, len(sentences)), syllables)


def leaflet_text(leaflet: Leaflet) -> str:
    """The page's own prose: every section but the boilerplate, one block per line."""
    parts = []
    for section in leaflet.all_sections():
        if section.kind in _SKIP:
            continue
        html = section.html
        html += "".join(f"<p>{b.html}</p>" for g in section.groups for b in g.blocks)
        html += "".join(f"<p>{f.question}</p><p>{f.answer}</p>" for f in section.faqs)
        parts.append(text_of(re.sub(r"</(p|li|h\d|div|tr)>|<br\s*/?>", "\n", html)))
    return "\n".join(parts)


def leaflet_readability(leaflet: Leaflet) -> Readability:
    return measure(leaflet_text(leaflet), leaflet.lang)
