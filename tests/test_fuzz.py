"""Issue 4, fuzzing: property tests for the reader.

a. Whatever bytes, text or front matter a page holds, the reader gives a Leaflet or raises the
   project's own error (never anything else), and a Leaflet always renders to HTML.
b. Generated well-formed pages, in the label, side-effect and FAQ styles the real pages use, give a
   leaflet that holds every generated item once, with the severity its group was given, and every
   FAQ pair in order. Without (b), wrapping everything in one ``except`` would pass (a).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from leaflets.errors import ContentError, LeafletError
from leaflets.model import Kind, Severity
from leaflets.reader import parse_page
from leaflets.render import render_html
from leaflets.sanitize import text_of

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parse_or_refuse(data: bytes) -> None:
    try:
        leaflet = parse_page(data, "fuzz.md")
    except LeafletError as exc:
        assert isinstance(exc, ContentError), type(exc)
        assert str(exc).startswith("fuzz.md"), str(exc)
        return
    html = render_html(leaflet)
    assert html.startswith("<!DOCTYPE html>")


# -- a. arbitrary input -------------------------------------------------------------------------------

#: Pieces real pages (and broken ones) are made of, so random text reaches the parser's corners.
MARKDOWN_PIECES = [
    "**Usage:**",
    "**Side Effects:**",
    "**FAQs:**",
    "**Disclaimer:**",
    "**Note:**",
    "**Generic Name: Zabo**",
    "Usage:",
    "How it Works:",
    "## Usage",
    "### **Side Effects**",
    "# Zabo",
    "#",
    "* ",
    "- ",
    "1. ",
    "    ",
    "\t",
    "\n",
    "\n\n",
    "**",
    "__",
    "*",
    "_",
    "`",
    "```",
    "~~~",
    "> ",
    ">",
    "|",
    "|---|",
    "Q:",
    "A:",
    "**Q1: Zabo?**",
    "**A:**",
    "?",
    ":",
    "(",
    ")",
    "[",
    "]",
    "[x](y)",
    "![a](b)",
    "[r]: http://127.0.0.1:9/x",
    "<b>",
    "</b>",
    "<p>",
    "<ul><li>",
    "</li></ul>",
    "<table><tr><td>",
    "<img alt=x src=y>",
    "<script>",
    "<!--",
    "-->",
    "&amp;",
    "&#0;",
    "&#x110000;",
    "&",
    "serious",
    "Common side effects include:",
    "Rare but serious side effects:",
    "seek medical help immediately",
    "\u2028",
    "\r",
    "\r\n",
    "\x0c",
    "\x00",
    "\ufeff",
    "\u200b",
    "é",
    "\U0001f48a",
    "---",
    "...",
]

markdown_text = st.lists(st.sampled_from(MARKDOWN_PIECES) | st.text(max_size=12), max_size=60).map("".join)

YAML_PIECES = [
    "title:",
    "title: Zabo",
    "lang:",
    "date:",
    "permalink:",
    "faqs:",
    "  - q: ",
    "    a: ",
    "is_banned: true",
    "is_banned: false",
    "- ",
    ": ",
    "[",
    "]",
    "{",
    "}",
    "&a ",
    "*a",
    "!!python/object/apply:os.system ['id']",
    "!!binary ",
    "!!timestamp ",
    "? ",
    "|-",
    ">-",
    "'",
    '"',
    "#",
    "%YAML 1.1",
    "---",
    "...",
    "\n",
    "\n  ",
    "\t",
    "\x85",
    "\ufeff",
    "2025-13-45",
    "2025-05-14T10:11:30.250Z",
    "1e999",
    "~",
    "null",
    "<<: ",
]

yaml_text = st.lists(st.sampled_from(YAML_PIECES) | st.text(max_size=8), max_size=30).map("".join)

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True)
    | st.text(max_size=40)
    | st.dates(min_value=dt.date(1, 1, 1))
    | st.datetimes()
)
yaml_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=10,
)
faq_entries = st.lists(
    st.fixed_dictionaries({}, optional={"q": st.text(max_size=80) | yaml_values, "a": st.text(max_size=80)}),
    max_size=4,
)
front_matter_mappings = st.fixed_dictionaries(
    {},
    optional={
        "title": st.text(max_size=40) | yaml_values,
        "lang": st.sampled_from(["en", "en-GB", "fr", "xx-yyyyyyyyy", ""]) | yaml_values,
        "date": yaml_values,
        "lastModified": yaml_values,
        "reviewed": yaml_values,
        "permalink": st.text(max_size=60)
        | st.text(max_size=3000).map(lambda t: "https://x.invalid/" + t)
        | st.text(max_size=60).map(lambda t: "/" + t),
        "faqs": faq_entries | yaml_values,
        "is_banned": st.booleans() | yaml_values,
        "layout": yaml_values,
    },
).flatmap(
    lambda d: st.dictionaries(st.text(max_size=8), yaml_values, max_size=3).map(lambda extra: {**extra, **d})
)


def _dump(mapping) -> str:
    return yaml.safe_dump(mapping, allow_unicode=True, sort_keys=False)


front_matter = front_matter_mappings.map(_dump) | yaml_text | yaml_values.map(_dump)
pages = st.tuples(
    st.sampled_from(["---\n", "---\r\n", "", "\ufeff---\n", "--- \n"]), front_matter, markdown_text
).map(lambda t: f"{t[0]}{t[1]}\n---\n{t[2]}" if t[0] else t[2])
encodings = st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16", "latin-1"])


@FAST
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_give_a_leaflet_or_a_content_error(data):
    parse_or_refuse(data)


@FAST
@given(st.text(max_size=3000))
def test_arbitrary_text_gives_a_leaflet_or_a_content_error(text):
    parse_or_refuse(text.encode("utf-8", "surrogatepass"))


@FAST
@given(pages, encodings)
@example("---\ntitle: Zabo\n---\n**Usage:** x\n", "utf-8")
@example("---\ntitle: Zabo\npermalink: https://x.invalid/" + "z" * 3000 + "\n---\n**Usage:** x\n", "utf-8")
@example("---\ntitle: Zabo\ndate: 2025-02-30\n---\n**Usage:** x\n", "utf-8")
@example("---\n!!timestamp \n---\n", "utf-8")
def test_front_matter_and_body_give_a_leaflet_or_a_content_error(page, encoding):
    parse_or_refuse(page.encode(encoding, "replace"))


@FAST
@given(markdown_text, st.sampled_from(["", "# Zabo\n\n", "---\ntitle: Zabo\n---\n", "**Usage:** Zabo.\n\n"]))
def test_markdown_soup_gives_a_leaflet_or_a_content_error(body, prefix):
    parse_or_refuse((prefix + body).encode("utf-8", "surrogatepass"))


# -- b. generated well-formed pages -------------------------------------------------------------------

# Made-up words that cannot be mistaken for a label, a severity word or a Q/A prefix: every one
# starts with "z", and no section keyword, severity word or frequency word does.
SYLLABLES = ["ba", "bo", "da", "ke", "ki", "lo", "lu", "mi", "mo", "na", "pe", "ra", "ri", "to", "vu", "xe"]
word = st.lists(st.sampled_from(SYLLABLES), min_size=1, max_size=3).map(lambda s: "z" + "".join(s))
words = st.lists(word, min_size=1, max_size=5)
phrase = words.map(lambda w: " ".join(w).capitalize())
sentence = phrase.map(lambda p: p + ".")


def unique(strategy, min_size, max_size):
    return st.lists(strategy, min_size=min_size, max_size=max_size, unique=True)


@dataclass(frozen=True)
class Group:
    style: str  # lead-in | bold-line | heading | bullet
    severity: Severity
    label: str
    items: tuple[str, ...]  # the markdown of each item
    expected: tuple[str, ...]  # the text each item must have in the leaflet


# The page's own words for a group, by how the group is introduced. Every lead-in names side
# effects or says what to do, as real pages do; "serious" ones use the words the parser is told
# to read, "common" ones none of them.
LEAD_INS = {
    Severity.SERIOUS: [
        "Serious side effects include:",
        "Rare but serious side effects include:",
        "Less common but more serious side effects include:",
        "Stop taking it and seek medical help immediately if you notice:",
        "Some side effects are serious. Call your doctor right away if you have:",
        "Severe side effects can include:",
    ],
    Severity.COMMON: [
        "Common side effects include:",
        "Rare side effects include:",
        "Less common side effects include:",
        "Mild side effects can include:",
        "Most people have no problems. Common side effects include:",
        "Side effects are usually mild and can include:",
    ],
}
LABELS = {  # bold lines, headings and bullet groups: short labels that name side effects
    Severity.SERIOUS: [
        "Serious side effects",
        "Rare but serious side effects",
        "Less common but more serious side effects",
        "Severe side effects",
        "Serious side effects (seek medical help immediately)",
    ],
    Severity.COMMON: [
        "Common side effects",
        "Rare side effects",
        "Less common side effects",
        "Mild side effects",
        "Other side effects",
    ],
}


@st.composite
def list_item(draw):
    """(markdown, expected text): a term alone, or a bold term with a description."""
    term = draw(phrase)
    if draw(st.booleans()):
        return term, term
    description = draw(sentence)
    return f"**{term}:** {description}", f"{term}: {description}"


@st.composite
def group(draw):
    severity = draw(st.sampled_from([Severity.SERIOUS, Severity.COMMON]))
    style = draw(st.sampled_from(["lead-in", "bold-line", "heading", "bullet"]))
    if style == "lead-in":
        label = draw(st.sampled_from(LEAD_INS[severity]))
    else:
        label = draw(st.sampled_from(LABELS[severity]))
        label = draw(st.sampled_from([label, label.title()])) if style == "heading" else label
    if style == "bullet":
        # Two at least: one term after a group label reads as prose (kept, with the group's severity).
        terms = draw(unique(phrase, 2, 5))
        return Group(style, severity, label, tuple(terms), tuple(terms))
    pairs = draw(unique(list_item(), 1, 5).filter(lambda ps: len({e for _, e in ps}) == len(ps)))
    return Group(style, severity, label, tuple(m for m, _ in pairs), tuple(e for _, e in pairs))


def group_markdown(g: Group, heading_level: int) -> str:
    if g.style == "bullet":
        # "* **Serious side effects:** a, b, c": one bullet is one group.
        return f"* **{g.label}:** {', '.join(g.items)}"
    bullets = "\n".join(f"* {item}" for item in g.items)
    if g.style == "lead-in":
        return f"{g.label}\n\n{bullets}"
    if g.style == "bold-line":
        return f"**{g.label}:**\n\n{bullets}"
    colon = ":" if not g.label.endswith(")") else ""
    return f"{'#' * heading_level} **{g.label}{colon}**\n\n{bullets}"


@dataclass(frozen=True)
class Faq:
    style: str
    question: str  # without the question mark
    answer: str

    def markdown(self, number: int) -> str:
        q, a = self.question + "?", self.answer
        if self.style == "bullet":
            return f"* **{q}** {a}"
        if self.style == "bullet-q-a":
            return f"* **Q: {q}** A: {a}"
        if self.style == "q-line-a-line":
            return f"**Q: {q}**\nA: {a}"
        return f"### **Q{number}: {q}**\n\n**A:** {a}"


faq = st.builds(Faq, st.sampled_from(["bullet", "bullet-q-a", "q-line-a-line", "h3-q"]), phrase, sentence)

#: Section label styles, and the other sections a page may hold.
LABEL_STYLES = ["bold-inline", "bold-own-line", "heading", "heading-bold", "plain"]
OTHER_SECTIONS = ["Usage", "How it Works", "Precautions", "Dosage", "Storage"]


def section(style: str, label: str, body: str) -> str:
    if style == "heading":
        return f"## {label}\n\n{body}"
    if style == "heading-bold":
        return f"### **{label}**\n\n{body}"
    first, _, rest = body.partition("\n\n")
    inline = "\n" not in first and not first.startswith(("*", "#"))
    if style == "bold-inline":
        return f"**{label}:** {first}\n\n{rest}".rstrip() if inline else f"**{label}:**\n\n{body}"
    if style == "bold-own-line":
        return f"**{label}:**\n\n{body}"
    return f"{label}: {first}\n\n{rest}".rstrip() if inline else f"{label}:\n\n{body}"


@dataclass(frozen=True)
class Page:
    text: str
    groups: tuple[Group, ...]
    faqs: tuple[Faq, ...]


def side_effects_body(groups: list[Group], heading_level: int) -> str:
    """Groups in page order, a blank line between them; bullet groups that follow each other are
    one list, one bullet each, as on the real pages."""
    out = ""
    for n, g in enumerate(groups):
        if n:
            out += "\n" if g.style == "bullet" and groups[n - 1].style == "bullet" else "\n\n"
        out += group_markdown(g, heading_level)
    return out


@st.composite
def well_formed_page(draw):
    style = draw(st.sampled_from(LABEL_STYLES))
    title = draw(phrase)
    groups = draw(st.lists(group(), min_size=1, max_size=5))
    faqs = draw(st.lists(faq, min_size=1, max_size=6, unique_by=lambda f: f.question))
    others = draw(st.lists(st.sampled_from(OTHER_SECTIONS), unique=True, max_size=4))
    order = draw(st.permutations(["Side Effects", "FAQs", *others]))
    level = {"heading": 3, "heading-bold": 4}.get(style, 3)
    parts = [f"---\nlayout: default\ntitle: {title}\n---\n", f"# {title}"]
    for label in order:
        if label == "Side Effects":
            body = side_effects_body(groups, level)
        elif label == "FAQs":
            body = "\n\n".join(f.markdown(n) for n, f in enumerate(faqs, 1))
        else:
            body = " ".join(draw(st.lists(sentence, min_size=1, max_size=3)))
        parts.append(section(style, label, body))
    parts.append(section(style, "Disclaimer", draw(sentence)))
    parts.append(section(style, "Note", draw(sentence)))
    return Page("\n\n".join(parts) + "\n", tuple(groups), tuple(faqs))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(well_formed_page())
def test_generated_pages_keep_every_item_with_its_severity_and_every_faq(page):
    leaflet = parse_page(page.text.encode("utf-8"), "generated.md")
    note = f"\n--- page ---\n{page.text}"

    got = [
        (g.severity, tuple(text_of(i.html) for i in g.items)) for g in leaflet.side_effect_groups if g.items
    ]
    want = [(g.severity, g.expected) for g in page.groups]
    assert got == want, note

    items = [i for g in leaflet.side_effect_groups for i in g.items]
    assert all(i.severity is g.severity for g in leaflet.side_effect_groups for i in g.items)
    serious = sum(len(g.expected) for g in page.groups if g.severity is Severity.SERIOUS)
    common = sum(len(g.expected) for g in page.groups if g.severity is Severity.COMMON)
    assert sum(i.severity is Severity.SERIOUS for i in items) == serious, note
    assert sum(i.severity is Severity.COMMON for i in items) == common, note

    pairs = [(text_of(f.question), text_of(f.answer)) for f in leaflet.faqs]
    assert pairs == [(f.question + "?", f.answer) for f in page.faqs], note

    kinds = [s.kind for s in leaflet.sections]
    assert kinds.count(Kind.SIDE_EFFECTS) == 1 and kinds.count(Kind.FAQS) == 1, note
    assert kinds[-2:] == [Kind.DISCLAIMER, Kind.NOTE], note
    html = render_html(leaflet)
    for g in page.groups:
        for expected in g.expected:
            assert expected.split(":")[0] in html


@FAST
@given(well_formed_page(), st.integers(min_value=0, max_value=10_000), st.binary(min_size=1, max_size=4))
def test_damaged_well_formed_pages_give_a_leaflet_or_a_content_error(page, at, junk):
    """A real page with a few bytes changed somewhere is still either a leaflet or refused."""
    data = page.text.encode("utf-8")
    at %= len(data)
    parse_or_refuse(data[:at] + junk + data[at + len(junk) :])
