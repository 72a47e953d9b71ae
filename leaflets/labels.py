"""Section labels and severity words: how a page names its sections and marks side effects serious."""

from __future__ import annotations

import re

from .model import Kind

# Order matters only when two keywords start at the same place; otherwise the
# keyword that comes first in the label wins ("Side effects and precautions" → side effects).
# English, then French and Spanish, the languages the tool ships catalogues for.
_KEYWORDS: tuple[tuple[Kind, str], ...] = (
    (
        Kind.GENERIC_NAME,
        r"generic\s+names?|nom\s+générique|dénomination\s+commune"
        r"|nombre\s+genérico|denominación\s+común",
    ),
    (
        Kind.SIDE_EFFECTS,
        r"side[\s-]*effects?|adverse\s+(?:effects?|reactions?|events?)"
        r"|effets?\s+(?:secondaires?|indésirables?)|efectos?\s+(?:secundarios?|adversos?)"
        r"|reacciones\s+adversas",
    ),
    (
        Kind.FAQS,
        r"faqs?|frequently\s+asked|common\s+questions|questions|foire\s+aux\s+questions"
        r"|preguntas(?:\s+frecuentes)?",
    ),
    (
        Kind.HOW_IT_WORKS,
        r"how\s+(?:\S+\s+){0,4}?works?|mechanism(?:\s+of\s+action)?"
        r"|mode\s+d[’']action|mécanisme(?:\s+d[’']action)?"
        r"|comment\s+(?:\S+\s+){0,3}?(?:agit|fonctionne)|mecanismo(?:\s+de\s+acción)?"
        r"|cómo\s+(?:\S+\s+){0,3}?(?:funciona|actúa)",
    ),
    (
        Kind.DOSAGE,
        r"dosage|doses?|dosing|how\s+to\s+(?:take|use)|administration|posologie"
        r"|mode\s+d[’']emploi|dosis|posología|dosificación|cómo\s+(?:tomar|usar)",
    ),
    (
        Kind.USAGE,
        r"usage|uses?|indications?|used\s+for|what\s+(?:it|is\s+it)\s+(?:is\s+)?used\s+for"
        r"|utilisations?|usos?|indicaciones|para\s+qué\s+sirve",
    ),
    (
        Kind.PRECAUTIONS,
        r"precautions?|warnings?|contra-?indications?|cautions?|précautions?"
        r"|mises?\s+en\s+garde|precauciones|advertencias|contraindicaciones",
    ),
    (Kind.INTERACTIONS, r"interactions?|interacciones"),
    (Kind.STORAGE, r"storage|how\s+to\s+store|storing|conservation|conservación|almacenamiento"),
    (
        Kind.DISCLAIMER,
        r"disclaimer|avertissement|clause\s+de\s+non-responsabilité|aviso(?:\s+legal)?"
        r"|descargo(?:\s+de\s+responsabilidad)?",
    ),
    (Kind.NOTE, r"note|remarque|nota"),
)
_KEYWORD_RE = [(kind, re.compile(rf"\b(?:{pat})\b", re.I)) for kind, pat in _KEYWORDS]

#: Labels that belong to a question/answer pair, never to a section.
_QA_LABEL = re.compile(r"^(?:[qapr]\s*\d*|question|answer|réponse|pregunta|respuesta)$", re.I)

# A label is short: a sentence in bold is content, not a section label.
MAX_LABEL_WORDS = 8


def classify(label: str, *, anchored: bool = False) -> Kind | None:
    """The canonical section a label names, or None when it names none.

    ``anchored`` asks that the label start with the keyword (for plain ``Usage:`` labels, where a
    sentence such as "The individual components have their uses:" must not count).
    """
    text = clean_label(label)
    # Qualifiers do not change what a label names: "FAQs (for each drug individually …)",
    # "Dosage: NOT FOR INTERNAL USE …".
    text = re.sub(r"\s*[(\[].*?(?:[)\]]|$)", " ", text).split(":")[0].strip()
    if not text or len(text.split()) > MAX_LABEL_WORDS or _QA_LABEL.match(text):
        return None
    best: tuple[int, int, Kind] | None = None
    for order, (kind, pattern) in enumerate(_KEYWORD_RE):
        m = pattern.search(text)
        if m and (best is None or (m.start(), order) < best[:2]):
            best = (m.start(), order, kind)
    if best is None or (anchored and (best[0] != 0 or len(text.split()) > 5)):
        return None
    return best[2]


# The headings of official patient leaflets (FDA Medication Guides and patient inserts, 21 CFR
# 208.20; the EU QRD package-leaflet headings), for sections whose code says nothing
# ("SPL UNCLASSIFIED SECTION"). Anchored at the start: "See the 'What are the possible side
# effects?' section" is a sentence, not a heading.
_OFFICIAL_HEADINGS: tuple[tuple[Kind, str], ...] = (
    (
        Kind.SIDE_EFFECTS,
        r"what\s+is\s+the\s+most\s+important\s+information|what\s+are\s+the\s+possible\s+side\s+effects"
        r"|possible\s+side\s+effects",
    ),
    (Kind.USAGE, r"what\s+is\s+[^?]{1,60}\?$|what\s+.{1,80}\s+is\s+and\s+what\s+it\s+is\s+used\s+for"),
    (
        Kind.PRECAUTIONS,
        r"who\s+should\s+not|what\s+should\s+i\s+(?:tell|avoid)|before\s+(?:you\s+)?(?:tak|us|start|receiv)\w*"
        r"|what\s+you\s+need\s+to\s+know\s+before",
    ),
    (Kind.STORAGE, r"how\s+(?:should\s+i\s+|to\s+)store"),
    (
        Kind.DOSAGE,
        r"how\s+(?:should\s+i|do\s+i|to)\s+(?:take|use|inject|give|apply)|instructions\s+for\s+use",
    ),
    (
        Kind.OTHER,
        r"general\s+information\s+about|what\s+are\s+the\s+ingredients|contents\s+of\s+the\s+pack"
        r"|manufacture[rd]|marketing\s+authori[sz]ation\s+holder",
    ),
)
_OFFICIAL_RE = [(kind, re.compile(rf"^(?:{pat})", re.I)) for kind, pat in _OFFICIAL_HEADINGS]
_NUMBERED = re.compile(r"^\s*(?:[A-Z]\.|\d+(?:\.\d+)*\.?)\s+")


def classify_heading(title: str, *, official_only: bool = False) -> Kind | None:
    """The section an official leaflet's heading names (its numbering aside), or None.
    ``Kind.OTHER`` means a known heading with no section of its own ("What are the ingredients").
    ``official_only`` leaves out the page-label keywords (for bold lines inside a text, where
    "Especially tell your doctor if you use:" must not open a section)."""
    text = _NUMBERED.sub("", " ".join(title.split()))
    for kind, pattern in _OFFICIAL_RE:
        if pattern.search(text):
            return kind
    return None if official_only else classify(text)


def is_qa_label(label: str) -> bool:
    return bool(_QA_LABEL.match(clean_label(label)))


def clean_label(label: str) -> str:
    """Strip markup and the trailing colon from a label: ``**Usage:**`` → ``Usage``."""
    text = re.sub(r"[*_`]+", "", label).strip()
    text = re.sub(r"\s*:\s*$", "", text)
    return text.strip()


# "not serious", "less severe", "non-serious" say the opposite of serious.
_NEGATED = re.compile(
    r"\b(?:not\s+(?:usually\s+|generally\s+|typically\s+)?|non-?|less\s+|rarely\s+)"
    r"(?:serious|severe)\b"
    r"|\b(?:pas\s+(?:très\s+)?|non\s+|peu\s+|no\s+(?:son\s+)?|poco\s+)graves?\b",
    re.I,
)
_SERIOUS = re.compile(
    r"\b(?:serious(?:ly)?|severe(?:ly)?|life[\s-]*threatening|emergency|emergencies"
    r"|immediately|immediate\s+medical|urgent(?:ly)?|right\s+away|straight\s+away"
    r"|graves?|sévères?|sérieux|sérieuses?|urgences?|immédiatement"
    r"|severos?|severas?|urgencias?|inmediatamente|de\s+inmediato)\b",
    re.I,
)


# Words that tell the patient to act now ("stop taking it and tell your doctor immediately"):
# official leaflets state their serious effects this way, in the text itself.
_URGENT = re.compile(
    r"\b(?:immediately|immediate\s+medical|urgent(?:ly)?|right\s+away|straight\s+away|at\s+once"
    r"|without\s+delay|emergency|emergencies|immédiatement|d[’']urgence|sans\s+délai|urgences?"
    r"|inmediatamente|de\s+inmediato|urgencias?|sin\s+demora)\b",
    re.I,
)


def marks_urgent(line: str) -> bool:
    """Whether the text tells the patient to stop or get help now (the page's own words)."""
    return bool(_URGENT.search(line))


def marks_serious(line: str) -> bool:
    """Whether the line that introduces a side-effect group says the group is serious.

    Only the page's own words count; the medical meaning of the items is never guessed.
    """
    return bool(_SERIOUS.search(_NEGATED.sub(" ", line)))


def last_sentence(text: str) -> str:
    """The sentence that introduces what follows: "… vary. Common ones include:" → "Common ones include:"."""
    parts = re.split(r"(?<=[.!?])\s+(?=[A-ZÀ-ÖØ-Þ0-9*¿¡])", text.strip())
    return parts[-1] if parts else text
