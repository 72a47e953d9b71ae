"""Parsing pages into the content model, and refusing bad input with file:line."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import FIXTURE_CONTENT, ROOT

from leaflets import ContentError, Kind, NotALeafletError, Severity, read_page
from leaflets.reader import parse_page

TESTAMOL = FIXTURE_CONTENT / "t" / "testamol.md"


@pytest.fixture(scope="module")
def testamol():
    return read_page(TESTAMOL)


def test_front_matter_and_title(testamol):
    assert testamol.title == "Testamol"
    assert testamol.generic_name == "Testamol"
    assert testamol.slug == "testamol"
    assert testamol.date == "2025-03-14"
    assert testamol.lang == "en"
    assert len(testamol.revision) == 12


def test_sections_in_page_order_with_lines(testamol):
    got = [(s.kind, s.label, s.line) for s in testamol.sections]
    assert got == [
        (Kind.GENERIC_NAME, "Generic Name", 10),
        (Kind.USAGE, "Usage", 12),
        (Kind.SIDE_EFFECTS, "Side Effects", 19),
        (Kind.HOW_IT_WORKS, "How it Works", 33),
        (Kind.FAQS, "FAQs", 37),
        (Kind.DISCLAIMER, "Disclaimer", 43),
        (Kind.NOTE, "Note", 45),
    ]


def test_side_effects_grouped_by_the_pages_own_lines(testamol):
    common, serious = testamol.side_effect_groups
    assert common.severity is Severity.COMMON
    assert "Common side effects include:" in common.label
    assert [i.html.split("</strong>")[0] for i in common.items] == [
        "<strong>Sleepiness:",
        "<strong>Upset stomach:",
        "<strong>Dry mouth",  # no description: no dangling colon (issue 11, shape 12)
    ]
    assert serious.severity is Severity.SERIOUS
    assert serious.label_is_heading
    assert serious.label == "Less common but more serious side effects include:"
    assert len(serious.items) == 2
    assert all(i.severity is Severity.SERIOUS for i in serious.items)
    assert "Fainting" in serious.items[0].html


def test_faq_pairs(testamol):
    assert [(f.question, f.answer) for f in testamol.faqs] == [
        ("Can I take Testamol with food?", "Yes, with or without food."),
        ("What if I miss a dose?", "Take it when you remember."),
    ]


def test_inline_html_and_symbols_kept(testamol):
    how = testamol.of_kind(Kind.HOW_IT_WORKS)[0]
    assert "H<sub>2</sub>O" in how.html
    assert "≥ 2" in how.html


def test_model_is_frozen(testamol):
    with pytest.raises(dataclasses.FrozenInstanceError):
        testamol.title = "x"  # type: ignore[misc]


def test_unknown_section_is_kept_in_order():
    page = (
        b"---\ntitle: X\n---\n**Usage:** for tests.\n\n**Storage tips for travel:** keep cool.\n\n"
        b"**Fun facts:** it is made up.\n\n**Note:** may not be accurate.\n"
    )
    leaflet = parse_page(page, "x.md")
    kinds = [(s.kind, s.label) for s in leaflet.sections]
    assert (Kind.OTHER, "Fun facts") in kinds
    assert kinds.index((Kind.OTHER, "Fun facts")) == 2
    assert "it is made up." in leaflet.sections[2].html


def test_intro_before_first_section_is_kept():
    page = b"---\ntitle: X\n---\n# X\n\nA caveat before anything.\n\n**Usage:** tests.\n"
    leaflet = parse_page(page, "x.md")
    assert leaflet.sections[0].kind is Kind.INTRO
    assert "A caveat before anything." in leaflet.sections[0].html
    assert leaflet.sections[0].line == 6


@pytest.mark.parametrize(
    ("data", "message", "line"),
    [
        (b"", "empty", None),
        (b"   \n\n", "empty", None),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary", None),
        (b"---\ntitle: [unclosed\n---\n**Usage:** x\n", "not valid YAML", 2),
        (b"---\nlayout: a\ntitle: x\n  bad: indent\n---\n", "not valid YAML", 4),
        (b"---\n- a list\n---\n**Usage:** x\n", "must be a mapping", 2),
        (b"---\nlayout: default\n---\n**Usage:** x\n", "no title", None),
        (b"---\ntitle: X\n", "never ends", 1),
        (b"---\na: &x [1]\nb: *x\ntitle: X\n---\n**Usage:** x\n", "aliases", 3),
        (b"---\ntitle: [a, b]\n---\n**Usage:** x\n", "must be text", None),
    ],
)
def test_bad_files_name_file_and_line(data, message, line):
    with pytest.raises(ContentError) as info:
        parse_page(data, "pages/bad.md")
    err = info.value
    assert err.path == "pages/bad.md"
    assert message in err.message
    assert err.line == line
    assert str(err).startswith("pages/bad.md" + (f":{line}" if line else "") + ": ")


def test_size_limit(tmp_path):
    page = tmp_path / "big.md"
    page.write_bytes(b"---\ntitle: Big\n---\n**Usage:** " + b"x" * 2000)
    with pytest.raises(ContentError, match="over the 1,000-byte limit"):
        parse_page(page.read_bytes(), page, max_bytes=1000)


def test_cp1252_is_decoded_with_a_warning():
    page = "---\ntitle: Caf\u00e9\n---\n**Usage:** don\u2019t \u2013 ok\n".encode("cp1252")
    leaflet = parse_page(page, "w.md")
    assert leaflet.title == "Café"
    assert "don’t – ok" in leaflet.sections[0].html
    assert any("Windows-1252" in w for w in leaflet.warnings)


def test_refusal_is_not_a_leaflet():
    page = b"---\ntitle: Nothing\n---\n# Nothing\n\nThere is no medication called Nothing.\n"
    with pytest.raises(NotALeafletError, match="no recognisable section"):
        parse_page(page, "n.md")


def test_banned_is_refused():
    page = b"---\ntitle: Gone\nis_banned: true\n---\n**Usage:** x\n"
    with pytest.raises(NotALeafletError, match="banned"):
        parse_page(page, "g.md")


def test_pages_read_in_several_threads_come_out_as_read_alone():
    """The counter reads pages in several threads: each must get its own parse, never a mix of
    two pages (a shared Markdown instance did that, or crashed). Threads are made to switch
    every microsecond: at the default 5 ms a section is often converted before another thread
    runs, and a shared instance would pass by luck."""
    import concurrent.futures as cf
    import sys

    pages = sorted((ROOT / "content").rglob("*.md"))
    alone = [read_page(p) for p in pages]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with cf.ThreadPoolExecutor(8) as pool:
            for _ in range(10):
                assert list(pool.map(read_page, pages)) == alone
    finally:
        sys.setswitchinterval(interval)


def test_a_heading_that_holds_a_paragraph_prints_as_a_labelled_paragraph():
    page = (
        "---\ntitle: Headol\n---\n# Headol\n\n## Dosage\n\n### **Standard dose**\n\n"
        "#### **Adults:** One tablet twice a day with food and water.\n\n"
        "#### **Children:** Ask\n\n"
        "### **Older people** (the doctor decides each case)\n\n"
        "### " + " ".join(["word"] * 21) + "\n\n"
        "## Side Effects\n\n### **Serious side effects:** Fainting, a rash that spreads, chest pain.\n"
    )
    leaflet = parse_page(page.encode(), "headol.md")
    dosage = next(s for s in leaflet.sections if s.kind is Kind.DOSAGE)
    html = dosage.html
    # A bold label, its colon and a sentence: a paragraph, the label still bold.
    assert "<p><strong>Adults:</strong> One tablet twice a day" in html
    # A short heading, one word after a label, or a label without a colon: still headings.
    assert "<h3><strong>Standard dose</strong></h3>" in html
    assert "<h4><strong>Children:</strong> Ask</h4>" in html
    assert "<h3><strong>Older people</strong>" in html
    # Any heading of more than 20 words is prose.
    assert "<p>" + " ".join(["word"] * 21) + "</p>" in html
    # In a side-effects section the paragraph's label grades what follows it.
    effects = next(s for s in leaflet.sections if s.kind is Kind.SIDE_EFFECTS)
    assert [e.severity for g in effects.groups for e in g.blocks] == [Severity.SERIOUS] * 3
