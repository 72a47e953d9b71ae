"""The HTML document: print order, severity markup, labels, QR, escaping."""

from __future__ import annotations

import re

import pytest
from conftest import BASE_URL, FIXTURE_CONTENT, ROOT

from leaflets import Settings, read_page, render_html
from leaflets.reader import parse_page
from leaflets.render import leaflet_url, print_blocks, shorten

TESTAMOL = FIXTURE_CONTENT / "t" / "testamol.md"
BACLOFEN = ROOT / "content" / "b" / "baclofen.md"


def severity_counts(html: str) -> tuple[int, int]:
    return (
        len(re.findall(r'data-severity="serious"', html)),
        len(re.findall(r'data-severity="common"', html)),
    )


def test_severity_markup_counts_match_the_page(fixture_settings):
    html = render_html(read_page(TESTAMOL, fixture_settings), fixture_settings)
    assert severity_counts(html) == (2, 3)


def test_own_baclofen_page_counts(settings):
    leaflet = read_page(BACLOFEN, settings)
    html = render_html(leaflet, settings)
    source = BACLOFEN.read_text(encoding="utf-8")
    serious_part = source.split("serious side effects include:**")[1].split("**How it Works")[0]
    common_part = source.split("**Side Effects:**")[1].split("serious side effects include:**")[0]
    expected = (len(re.findall(r"^\* ", serious_part, re.M)), len(re.findall(r"^\* ", common_part, re.M)))
    assert expected[0] >= 3 and expected[1] >= 4
    assert severity_counts(html) == expected


def test_serious_callout_has_icon_and_text_label(fixture_settings):
    html = render_html(read_page(TESTAMOL, fixture_settings), fixture_settings)
    callout = html.split('<section class="callout callout--serious">')[1].split("</section>")[0]
    assert "<svg" in callout and "<title>Warning</title>" in callout
    assert "Serious side effects" in callout
    assert "Fainting" in callout


def test_print_order_moves_sections_never_duplicates(fixture_settings):
    page = (
        b"---\ntitle: Order\n---\n**FAQs:**\n\n* **Q?** A.\n\n**Other thing:** o.\n\n"
        b"**How it Works:** h.\n\n**Dosage:** d.\n\n**Side Effects:**\n\n* common one\n\n"
        b"**Serious side effects:**\n\n* bad one\n\n**Usage:** u.\n\n**Note:** n.\n\n"
        b"**Disclaimer:** dd.\n"
    )
    blocks = print_blocks(parse_page(page, "o.md"), fixture_settings)
    kinds = [b.kind for b in blocks]
    assert kinds == [
        "usage",
        "serious",
        "side_effects",
        "dosage",
        "how_it_works",
        "faqs",
        "other",
        "note",
        "disclaimer",
    ]


def test_default_disclaimer_when_page_has_none():
    page = b"---\ntitle: D\n---\n**Usage:** u.\n"
    settings = Settings(default_disclaimer="Our own standard disclaimer.")
    html = render_html(parse_page(page, "d.md"), settings)
    assert "Our own standard disclaimer." in html


def test_page_disclaimer_wins_over_default():
    page = b"---\ntitle: D\n---\n**Usage:** u.\n\n**Disclaimer:** the page's own words.\n"
    html = render_html(parse_page(page, "d.md"), Settings(default_disclaimer="DEFAULT TEXT"))
    assert "the page&#39;s own words." in html or "the page's own words." in html
    assert "DEFAULT TEXT" not in html


def test_no_qr_without_base_url():
    html = render_html(read_page(TESTAMOL), Settings())
    assert "<svg" not in html.split("</main>")[1]
    assert "rxhive" not in html


def test_url_from_pattern_permalink_and_override(fixture_settings):
    leaflet = read_page(TESTAMOL, fixture_settings)
    assert leaflet_url(leaflet, fixture_settings) == f"{BASE_URL}/composition/t/testamol.html"
    other = fixture_settings.replace(base_url="https://example.org/", path_pattern="/x/{path}.htm")
    assert leaflet_url(leaflet, other) == "https://example.org/x/t/testamol.htm"
    page = b"---\ntitle: P\npermalink: /drugs/p-special.html\n---\n**Usage:** u.\n"
    assert leaflet_url(parse_page(page, "p.md"), fixture_settings) == f"{BASE_URL}/drugs/p-special.html"


def test_running_title_is_shortened_but_h1_is_whole():
    title = " + ".join(["Ingredientname"] * 12)
    page = f"---\ntitle: {title}\n---\n**Usage:** u.\n".encode()
    html = render_html(parse_page(page, "long.md"), Settings())
    running = re.search(r'data-running="([^"]*)"', html).group(1)
    assert running.endswith("…") and len(running) <= 60
    assert f">{title}</h1>" in html
    assert shorten("Short") == "Short"


def test_autoescape_and_sanitised_body():
    page = (
        b'---\ntitle: "<script>alert(1)</script>"\n---\n'
        b'**Usage:** <script>alert(2)</script> <b onclick="x()">bold</b> '
        b"[click](javascript:alert(3)) ![a pill](file:///etc/passwd)\n"
    )
    html = render_html(parse_page(page, "x.md"), Settings())
    assert "<script>" not in html and "onclick" not in html and "javascript:" not in html
    assert "file:///etc/passwd" not in html
    assert "&lt;script&gt;alert(1)" in html
    assert "<b>bold</b>" in html and "a pill" in html


def test_inline_css_is_not_escaped(settings):
    html = render_html(read_page(BACLOFEN, settings), settings, inline_css=True)
    assert '@font-face { font-family: "Atkinson Hyperlegible"' in html
    assert "&#34;" not in html.split("</style>")[0]


@pytest.mark.parametrize("size", ["standard", "large"])
def test_large_print_stylesheet(settings, size):
    html = render_html(read_page(BACLOFEN, settings), settings.replace(size=size), inline_css=True)
    assert ("--body-size: 18pt" in html) == (size == "large")


def test_personal_directions_make_the_page_dosage_general_information():
    """At the counter the pharmacist's directions lead; the page's own dosage is general."""
    from leaflets.model import Personal

    page = (
        b"---\ntitle: Zomirex\n---\n**Usage:** Zomirex eases a zumi.\n\n"
        b"**Dosage:** One tablet a day.\n\n**Side Effects:** Zabo.\n"
    )
    leaflet = parse_page(page, "z.md")
    plain = {b.kind: b.label for b in print_blocks(leaflet, Settings())}
    personal = {b.kind: b.label for b in print_blocks(leaflet, Settings(), Personal(directions="Two a day"))}
    assert plain["dosage"] == "Dosage"
    assert personal["dosage"] == "Dosage (general information)"


def test_personal_directions_reach_the_dosage_of_each_ingredient_of_a_combination():
    """A page with one heading per ingredient keeps each dosage inside that ingredient's block:
    with directions from the counter, those dosages are general information too."""
    from leaflets.model import Personal

    page = (
        b"---\ntitle: Zomirex and Quolan\n---\n"
        b"## Zomirex\n\n### Usage\n\nZomirex eases a zumi.\n\n### Dosage\n\nOne tablet a day.\n\n"
        b"## Quolan\n\n### Usage\n\nQuolan eases a quo.\n\n### Dosage\n\nTwo drops a day.\n\n"
        b"## Side Effects\n\nZabo.\n"
    )
    leaflet = parse_page(page, "z.md")

    def dosage_labels(blocks):
        labels = []
        for block in blocks:
            if block.kind == "dosage":
                labels.append(block.label)
            labels.extend(dosage_labels(block.children))
        return labels

    plain = dosage_labels(print_blocks(leaflet, Settings()))
    personal = dosage_labels(print_blocks(leaflet, Settings(), Personal(directions="Two a day")))
    assert plain == ["Dosage", "Dosage"]
    assert personal == ["Dosage (general information)", "Dosage (general information)"]


def test_qr_modules_are_at_least_half_a_millimetre_even_for_long_urls():
    """Cheap phone cameras need 0.5 mm modules: a long URL makes a bigger symbol, not finer."""
    from leaflets.qr import qr_svg

    for url in (BASE_URL + "/a.html", BASE_URL + "/" + "x" * 400 + ".html"):
        svg = qr_svg(url, "t")
        width = float(re.search(r'width="([0-9.]+)mm"', svg).group(1))
        modules = int(re.search(r'viewBox="0 0 (\d+) ', svg).group(1))
        assert width / modules >= 0.5 - 1e-9
