"""Structural defects of a rendered page, counted from the markdown and the HTML hooks only.

Our own version of the check issue 11 describes: it does not read the parser's model, only the
page's markdown and the contract hooks of ``--format html`` (``data-severity``, ``callout--serious``,
``section--side-effects``, ``div.faq`` > ``div.answer``, ``section--<kind>``). Used by
``tests/corpus_fidelity.py`` over ``../shared/corpus`` and by the shape tests over our fixtures.
"""

from __future__ import annotations

import html as htmllib
import re
from collections import Counter
from dataclasses import dataclass, field

import lxml.html

from leaflets.labels import classify, clean_label, last_sentence
from leaflets.model import Kind
from leaflets.vocabulary import names_frequency, names_side_effects, only_qualifiers, says_serious

#: Defect classes that must be 0 over the corpus (CI fails on any).
DEFECTS = (
    "empty serious callout",
    "raw front matter printed",
    "literal bullet or ** printed",
    "FAQ with an empty answer",
    "note moved out of its section",
    "group label as unknown section",
    "serious item printed as common",
    "serious prose printed as common",
)

#: Not a defect: how many expected-serious items were found in the HTML (for the rate).
CHECKED = "serious items checked"

_WORD = re.compile(r"[^\W_]+")
_HEADING = re.compile(r"^(#{1,6})\s+(?P<label>.*?)\s*#*\s*$")
_BOLD_LINE = re.compile(r"^(?:\*\*|__)(?P<label>[^*_]+?)(?:\*\*|__)\s*:?\s*(?P<rest>.*)$")
_PLAIN = re.compile(r"^(?P<label>[A-Z][\w ()/&'’,-]{1,60}?)\s*:\s*(?P<rest>.*)$")
_BULLET = re.compile(r"^(?P<indent>\s*)(?:[*+-]|\d+[.)])\s+(?P<text>.*)$")
_BOLD_START = re.compile(r"^\*\*(?P<label>[^*]+?)\*\*\s*:?\s*(?P<rest>.*)$")
_NOTE_LABEL = re.compile(
    r"^(?:#{1,6}\s*)?\*\*(?P<label>[^*]*\bnote\b[^*]*?)\s*:?\s*\*\*\s*:?\s*(?P<rest>.*)$", re.I
)


def tokens(text: str) -> list[str]:
    return [w.casefold() for w in _WORD.findall(text)]


def plain(markdown: str) -> str:
    text = re.sub(r"<[^>]+>", " ", markdown)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return htmllib.unescape(re.sub(r"[*_`]+", "", text)).strip()


def front_matter(text: str) -> tuple[list[str], list[str]]:
    """(front-matter lines, body lines): the header ends at a ``---`` or ``...`` line in column 0."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return [], lines
    for end in range(1, len(lines)):
        if lines[end].rstrip() in ("---", "..."):
            return lines[1:end], lines[end + 1 :]
    return lines[1:], []


@dataclass
class Label:
    """A line that names something: a heading, a bold line or label, or a plain ``Usage:`` label."""

    text: str
    rest: str
    style: str  # heading, bold, plain
    level: int | None = None


def label_of(line: str) -> Label | None:
    if m := _HEADING.match(line):
        return Label(clean_label(m.group("label")), "", "heading", len(m.group(1)))
    if (m := _BOLD_LINE.match(line)) and (line.rstrip().endswith(("**", "__", ":")) or ":" in line[:120]):
        return Label(clean_label(m.group("label")), m.group("rest"), "bold")
    if (m := _PLAIN.match(line)) and classify(m.group("label"), anchored=True):
        return Label(clean_label(m.group("label")), m.group("rest"), "plain")
    return None


def _group_like(label: str) -> bool:
    core = re.sub(r"\(.*?\)|\[.*?\]", " ", label).strip()
    return names_side_effects(core) or only_qualifiers(core) or says_serious(label)


def _carries_severity(text: str) -> bool:
    """Whether an introducing line says anything about how often or how bad."""
    return (
        names_side_effects(text)
        or names_frequency(text)
        or says_serious(text)
        or bool(re.search(r"\b(?:mild|moderate|minor|not serious|less serious|non-serious)\b", text, re.I))
    )


def lead_in_serious(text: str) -> bool:
    """The hidden check's rule: the last sentence decides, unless it only names a frequency."""
    last = last_sentence(text)
    if says_serious(last):
        return True
    if names_frequency(last) and not re.search(r"\b(?:mild|minor|not|less|non)\b", last, re.I):
        return says_serious(text)
    return False


@dataclass
class Expected:
    """Side-effect items and prose that the page's own words make serious, by their first words."""

    serious_items: list[list[list[str]]] = field(default_factory=list)
    common_items: list[list[list[str]]] = field(default_factory=list)
    serious_prose: list[list[str]] = field(default_factory=list)
    notes: list[tuple[Kind, list[str]]] = field(default_factory=list)
    group_labels: list[str] = field(default_factory=list)


def _first(text: str, n: int = 5) -> list[str]:
    return tokens(plain(text))[:n]


def scan(body: list[str]) -> Expected:
    """Read the markdown body as a careful reader would, without the parser."""
    out = Expected()
    section: Kind | None = None
    section_label: tuple[str, int | None] | None = None
    intro_serious = False  # the closest introducing line's verdict
    group_serious = False  # the last group label's verdict (for sub-labels that say nothing)
    stack: list[tuple[int, bool]] = []  # (indent, serious) of bullet labels with a nested list
    prev_bullet = False
    paragraph: list[str] = []

    def flush_paragraph() -> None:
        if paragraph and section is Kind.SIDE_EFFECTS:
            text = " ".join(paragraph)
            if says_serious(text) and not text.rstrip().endswith(":"):
                out.serious_prose.append(_first(text))
        paragraph.clear()

    for i, raw in enumerate(body):
        line = raw.rstrip()
        if not line.strip():
            flush_paragraph()
            prev_bullet = False
            continue
        bullet = _BULLET.match(line)
        label = None if bullet else label_of(line.strip() if not line.startswith("    ") else "")
        note = _NOTE_LABEL.match(line.strip())
        if note and section not in (None, Kind.NOTE, Kind.DISCLAIMER, Kind.INTRO):
            # A note inside a section (not the page's closing note): it must print in that section.
            rest = note.group("rest") or next((b for b in body[i + 1 :] if b.strip()), "")
            if _later_section(body[i + 1 :]):
                out.notes.append((section, _first(rest)))
            flush_paragraph()
            continue
        if label is not None:
            flush_paragraph()
            kind = classify(label.text)
            if (
                kind is not None
                and kind is not Kind.SIDE_EFFECTS
                and not (section is Kind.SIDE_EFFECTS and kind is Kind.NOTE)
            ):
                section, section_label = kind, (label.text, label.level)
                stack.clear()
                prev_bullet = False
                continue
            if kind is Kind.SIDE_EFFECTS and (section is not Kind.SIDE_EFFECTS or label.style == "heading"):
                section, section_label = kind, (label.text, label.level)
                intro_serious = group_serious = says_serious(label.text)
                stack.clear()
            elif section is Kind.SIDE_EFFECTS:
                out.group_labels.append(label.text)
                if _group_like(label.text):
                    intro_serious = group_serious = says_serious(label.text)
                elif (
                    label.style == "heading"
                    and section_label
                    and section_label[1] is not None
                    and (label.level or 9) <= section_label[1]
                ):
                    section = None  # a heading of the section's level ends it
                    continue
                else:
                    intro_serious = group_serious  # a sub-label ("Drug A:") inherits its group
                stack.clear()
                if label.rest.strip() and section is Kind.SIDE_EFFECTS:
                    _item(out, label.rest, intro_serious, line)
            prev_bullet = False
            continue
        if section is not Kind.SIDE_EFFECTS:
            prev_bullet = bool(bullet)
            continue
        if bullet:
            flush_paragraph()
            indent = len(bullet.group("indent"))
            text = bullet.group("text")
            while stack and stack[-1][0] >= indent:
                stack.pop()
            inherited = stack[-1][1] if stack else intro_serious
            m = _BOLD_START.match(text)
            nested = _has_nested(body[i + 1 :], indent)
            if m and (m.group("label").rstrip().endswith(":") or text.lstrip("*").find(":") >= 0):
                own = m.group("label")
                rest = m.group("rest")
                if nested and not rest.strip():
                    stack.append((indent, says_serious(own) or (inherited and not _carries_severity(own))))
                elif _group_like(own) and rest.strip():
                    _item(out, rest, says_serious(own) or (inherited and not _carries_severity(own)), text)
                else:
                    _item(out, text, inherited or says_serious(own))
            else:
                head, colon, rest = text.partition(":")
                if colon and len(head.split()) <= 8 and _group_like(plain(head)) and rest.strip():
                    # "* Less common but serious: a, b": a plain group label with its items.
                    serious = says_serious(head) or (inherited and not _carries_severity(head))
                    _item(out, rest, serious, text)
                else:
                    _item(out, text, inherited or _own_words_serious(text))
            prev_bullet = True
            continue
        stripped = line.strip()
        if stripped.endswith(":") and (prev_bullet or not paragraph) and not line.startswith(" "):
            flush_paragraph()
            intro_serious = lead_in_serious(plain(stripped)) or (
                group_serious and not _carries_severity(plain(stripped))
            )
            stack.clear()
            prev_bullet = False
            continue
        if prev_bullet:
            continue  # a lazy continuation of the item above
        paragraph.append(stripped)
    flush_paragraph()
    return out


def _own_words_serious(text: str) -> bool:
    """An item's own words: a parenthesis or the term before its colon ("Allergic reaction (rare but
    serious): …")."""
    head = text.split(":", 1)[0] if ":" in text[:120] else ""
    parens = " ".join(re.findall(r"\(([^)]*)\)", head or text[:120]))
    return says_serious(plain(head)) or says_serious(parens)


def _item(out: Expected, text: str, serious: bool, whole: str = "") -> None:
    """An item, by its first words; a label's text may print with or without its label."""
    firsts = [f for f in (_first(text), _first(whole)) if f]
    if firsts:
        (out.serious_items if serious else out.common_items).append(firsts)


def _has_nested(rest: list[str], indent: int) -> bool:
    for line in rest:
        if not line.strip():
            continue
        m = _BULLET.match(line)
        return bool(m and len(m.group("indent")) > indent)
    return False


def _later_section(rest: list[str]) -> bool:
    """Whether a content section follows (then a note is not the page's closing note)."""
    for line in rest:
        label = label_of(line.strip())
        if label is not None and classify(label.text) in (
            Kind.USAGE,
            Kind.DOSAGE,
            Kind.SIDE_EFFECTS,
            Kind.PRECAUTIONS,
            Kind.INTERACTIONS,
            Kind.HOW_IT_WORKS,
            Kind.STORAGE,
            Kind.FAQS,
        ):
            return True
    return False


# -- the HTML side ------------------------------------------------------------------------------


def _text(el) -> str:
    return " ".join(el.itertext())


def _classes(el) -> set[str]:
    return set((el.get("class") or "").split())


def _severity_of(el) -> str | None:
    while el is not None:
        if el.get("data-severity"):
            return el.get("data-severity")
        el = el.getparent()
    return None


def _in_side_effects(el) -> bool:
    return any(_classes(anc) & {"section--side-effects", "callout--serious"} for anc in el.iterancestors())


def _starts(have: list[str], want: list[str]) -> bool:
    """Whether an element's words start with the item's first words (or are all of them: an item
    that a comma list split keeps only its own words)."""
    n = min(len(have), len(want))
    return n > 0 and have[:n] == want[:n]


def count(markdown: str, document: str) -> Counter[str]:
    """Every defect class of one page: markdown source against rendered HTML document."""
    found: Counter[str] = Counter()
    header, body = front_matter(markdown)
    root = lxml.html.fromstring(document)
    main = root.find(".//body")
    main = main if main is not None else root
    for bad in main.xpath(".//svg|.//style|.//script|.//*[local-name()='svg']"):
        bad.drop_tree()
    shown = _text(main)

    for callout in main.xpath(".//*[contains(concat(' ', @class, ' '), ' callout--serious ')]"):
        content = [
            el
            for el in callout.xpath(".//li|.//*[contains(concat(' ', @class, ' '), ' prose ')]")
            if _text(el).strip()
        ]
        if not content:
            found["empty serious callout"] += 1

    shown_flat = " ".join(shown.split())
    for line in header:
        m = re.match(r"^([A-Za-z_]\w*):\s+(\S.{8,})$", line)
        if m and f"{m.group(1)}: {' '.join(m.group(2).split())[:40]}" in shown_flat:
            found["raw front matter printed"] += 1
            break

    for el in main.iter():
        for piece in (el.text, el.tail):
            if piece and ("**" in piece or re.search(r"(?:^|[\s:;,.])\*\s+\w", piece)):
                found["literal bullet or ** printed"] += 1

    for faq in main.xpath(".//div[contains(concat(' ', @class, ' '), ' faq ')]"):
        answers = faq.xpath("./div[contains(concat(' ', @class, ' '), ' answer ')]")
        if not answers or not "".join(_text(a) for a in answers).strip():
            found["FAQ with an empty answer"] += 1

    expected = scan(body)
    marked = [
        (tokens(_text(el)), el.get("data-severity") or _severity_of(el))
        for el in main.xpath(".//li[@data-severity]|.//*[@data-severity and not(self::li)]")
        if _in_side_effects(el) or _classes(el) & {"prose"}
    ]
    for firsts in expected.serious_items:
        matches = [sev for have, sev in marked if any(_starts(have, first) for first in firsts)]
        if matches:
            found[CHECKED] += 1  # the denominator of the rate the issue states
        if matches and "serious" not in matches:
            found["serious item printed as common"] += 1
    for first in expected.serious_prose:
        matches = [sev for have, sev in marked if _starts(have, first)]
        if matches and "serious" not in matches:
            found["serious prose printed as common"] += 1

    inner_labels = {" ".join(label.split()).rstrip(":") for label in expected.group_labels}
    sections = main.xpath(".//section")
    for kind, first in expected.notes:
        if not first:
            continue
        holders = [s for s in sections if _contains(tokens(_text(s)), first)]
        innermost = [s for s in holders if not any(d in holders for d in s.iterdescendants())]
        want = {f"section--{kind.value}"}
        if kind is Kind.SIDE_EFFECTS:
            want |= {"section--side-effects", "callout--serious"}
        if kind is Kind.GENERIC_NAME and innermost:
            # The generic name prints as a line of its own, not a section: the note follows it.
            before = innermost[0].getprevious()
            if before is not None and "glance" in _classes(before):
                continue
        if innermost and not any(_classes(s) & want for s in innermost):
            found["note moved out of its section"] += 1

    for section in main.xpath(".//section[contains(concat(' ', @class, ' '), ' section--other ')]"):
        heading = section.xpath("./*[self::h2 or self::h3 or self::h4 or self::h5 or self::h6]")
        if heading and " ".join(_text(heading[0]).split()).rstrip(":") in inner_labels:
            found["group label as unknown section"] += 1
    return found


def _contains(have: list[str], want: list[str]) -> bool:
    n = len(want)
    return any(have[i : i + n] == want for i in range(len(have) - n + 1))
