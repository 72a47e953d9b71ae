"""Pagination on paper (issue 12), measured with pdfplumber on every fixture page in every size ×
paper the issue lists: page fill, the QR code's page and place, the continued label of a split
callout, list items that never split, the running header and footer.

Each PDF is rendered once per test process (``layout_pdf``); each (page, size, paper) is one test
that checks every rule, so xdist spreads the renders without repeating them.
"""

from __future__ import annotations

import re
import statistics
import subprocess
from functools import cache
from pathlib import Path

import lxml.html
import page as pdf_validator
import pdfplumber
import pytest
import zxingcpp
from conftest import BASE_URL, FIXTURES, ROOT, pdftotext, squash
from pdf_layout import PT_PER_MM, measure, printable_area, short_last_page, under_filled
from PIL import Image

from leaflets import NotALeafletError, Settings, read_page
from leaflets.discover import page_files
from leaflets.i18n import texts
from leaflets.model import Personal, Severity
from leaflets.paper import display_date, short_revision
from leaflets.pdf import render_pdf
from leaflets.render import leaflet_url, print_blocks, render_html
from leaflets.sanitize import text_of
from leaflets.scripts import direction
from leaflets.settings import Pharmacy

#: The combinations the issue's "Done when" names.
COMBOS = [("standard", "a4"), ("large", "a4"), ("xl", "a4"), ("standard", "letter"), ("standard", "a5")]
MEDIAN_PT = {"standard": 14, "large": 18, "xl": 24}
LONGTESTOL = FIXTURES / "layout" / "longtestol.md"
NOBREAKOL = FIXTURES / "layout" / "nobreakol.md"
NOBREAK_TOKENS = [
    "500 mg",
    "2.5 mL",
    "250 mcg",
    "01234 567890",
    "0800 123 4567",
    "+44 20 7946 0958",
    "1-800-222-1222",
]
BACLOFEN = ROOT / "content" / "b" / "baclofen.md"
PHARMACY = Pharmacy(name="High Street Pharmacy", address="1 High Street", phone="01234 567890")
PERSONAL = Personal(patient="Jane Doe", directions="Take one 500 mg tablet twice a day", initials="AB")


def _leaflet_pages() -> list[Path]:
    pages = []
    for path in page_files(FIXTURES):
        try:
            read_page(path)
        except NotALeafletError:
            continue  # refusals are not printed
        pages.append(path)
    return [*pages, BACLOFEN]


PAGES = _leaflet_pages()


def _settings(size: str, paper: str, personal: bool) -> Settings:
    pharmacy = PHARMACY if personal else Pharmacy()
    return Settings(base_url=BASE_URL, size=size, paper=paper, pharmacy=pharmacy)


@pytest.fixture(scope="session")
def layout_pdf(tmp_path_factory):
    """layout_pdf(page, size, paper, personal=False) → Path of the PDF, rendered once per process."""
    out = tmp_path_factory.mktemp("layout")

    @cache
    def render(page: Path, size: str, paper: str, personal: bool = False) -> Path:
        settings = _settings(size, paper, personal)
        data, _ = render_pdf(read_page(page, settings), settings, PERSONAL if personal else None)
        target = out / f"{page.parent.name}-{page.stem}.{size}.{paper}{'.p' if personal else ''}.pdf"
        target.write_bytes(data)
        return target

    return render


#: A list item of prose (not a side effect) may split like a paragraph, three lines either side
#: (print.css); one this short holds fewer than six lines in every size and paper, so never.
SHORT_ITEM = 100


def list_items(html: str) -> list[tuple[str, bool]]:
    """(text, is a side effect) of every list item, without the lists nested in it."""
    root = lxml.html.fromstring(html)
    items = []
    for li in root.iter("li"):
        inline = [child for child in li if child.tag not in ("ul", "ol")]
        text = "".join(lxml.html.tostring(c, method="text", encoding="unicode") for c in inline)
        words = squash((li.text or "") + text)
        if words:
            items.append((words, "effects" in (li.getparent().get("class") or "").split()))
    return items


def callout_pages(leaflet, pages) -> list[tuple[int, int]]:
    """(first, last) page of each serious callout, from where its items and prose begin and end."""
    texts = [squash(p.text) for p in pages]
    spans = []
    for group in leaflet.side_effect_groups:
        if group.severity is not Severity.SERIOUS:
            continue
        found = []
        for block in group.blocks:
            words = squash(text_of(block.html))
            for piece in {words[:30], words[-30:]} - {""}:
                found += [n for n, t in enumerate(texts, 1) if piece in t][:1]
        if found:
            spans.append((min(found), max(found)))
    return spans


def decode_page_one(pdf: Path, dpi: int = 150) -> list[str]:
    prefix = pdf.with_suffix(f".r{dpi}")
    subprocess.run(["pdftoppm", "-r", str(dpi), "-l", "1", "-png", str(pdf), str(prefix)], check=True)
    png = next(pdf.parent.glob(f"{prefix.name}*.png"))
    image = Image.open(png).convert("L")
    return [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


def _holds(text: str, phrase: str) -> bool:
    return squash(phrase) in squash(text)


def _holds_rtl(text: str, phrase: str) -> bool:
    """Right-to-left text comes out of pdfplumber in visual order (each word's letters reversed,
    the words of a line right to left): every word of the phrase, in either order of letters."""
    words = set(re.findall(r"\w+", text))
    words |= {w[::-1] for w in words}
    return all(w in words for w in re.findall(r"\w+", phrase))


def pagination_problems(page: Path, size: str, paper: str, pdf: Path, personal: bool = False) -> list[str]:
    """Every rule of issue 12 this PDF breaks, as readable lines."""
    settings = _settings(size, paper, personal)
    leaflet = read_page(page, settings)
    text = texts(leaflet.lang)
    pages = measure(pdf, paper)
    problems = []
    n = len(pages)
    # No page but the last under 55% full; no last page for a few lines.
    problems += [f"page {p.number} of {n} is {p.fill:.0%} full" for p in under_filled(pages)]
    if short_last_page(pages):
        problems.append(f"the last page holds only {pages[-1].lines} lines")
    # The QR code: on page 1, in the masthead (the top of the page), with its address; never alone.
    qr_pages = [p.number for p in pages if p.qr]
    url = leaflet_url(leaflet, settings)
    if qr_pages != [1]:
        problems.append(f"QR code on pages {qr_pages}, not on page 1 alone")
    else:
        with pdfplumber.open(pdf) as doc:
            area = printable_area(float(doc.pages[0].width), float(doc.pages[0].height), paper)
        # In the masthead: below the title, above the first section of the body (the first block
        # whose opening words page 1 prints once: a heading block may repeat the title's words).
        page_one = squash(pages[0].text)
        starts = [
            squash(b.label or text_of(b.html))[:30]
            for b in print_blocks(leaflet, settings)
            if b.kind != "glance"
        ]
        start = next((s for s in starts if s and page_one.count(s) == 1), starts[0])
        # A body that starts on page 2 (the personal box fills page 1 in xl) is below the QR too.
        body = page_one.find(start) if start in page_one else len(page_one)
        if pages[0].qr[1] - area.top > 0.6 * area.height or page_one.find(squash(url)) > body:
            problems.append("the QR code is not in page 1's masthead")
        if pages[0].qr_module < 0.5 * PT_PER_MM - 0.01:
            problems.append(f"QR modules of {pages[0].qr_module / PT_PER_MM:.2f} mm")
        if squash(url) not in squash(pages[0].text):
            problems.append("the QR code's address is not printed on page 1")
        if decode_page_one(pdf) != [url]:
            problems.append("the QR code does not decode to the address at 150 dpi")
    # A side effect never splits, nor a short item of another list: its words all stand on one
    # page.
    page_texts = [squash(p.text) for p in pages]
    # (Or whole in one ruled box of one page: a list in a table column interleaves with the next.)
    page_regions = [[squash(r) for r in p.regions] for p in pages]
    for item, effect in list_items(render_html(leaflet, settings, personal=PERSONAL if personal else None)):
        whole = any(
            item in t or any(item in r for r in rs) for t, rs in zip(page_texts, page_regions, strict=True)
        )
        if len(item) < (1200 if effect else SHORT_ITEM) and not whole:
            problems.append(f"list item split across pages: {item[:50]}…")
    # A split callout is labelled on each page it continues onto, and on no other page.
    label = text["continued"].format(label=text["serious"])
    expected = {n for first, last in callout_pages(leaflet, pages) for n in range(first + 1, last + 1)}
    labelled = {p.number for p in pages if squash(label) in squash(p.margin_text)}
    if labelled != expected:
        problems.append(f"'{label}' on pages {sorted(labelled)}, callout continues on {sorted(expected)}")
    # The running footer: the trace beside "Page X of Y" on every page, at 9 pt or more.
    trace = text["trace_revision"].format(revision=short_revision(leaflet.revision))
    holds = _holds_rtl if direction(leaflet.lang) == "rtl" else _holds
    for p in pages:
        counter = text["page_of"].format(page=p.number, pages=n)
        if not holds(p.margin_text, trace) or not holds(p.margin_text, counter):
            problems.append(f"page {p.number}: footer lacks the trace or the page counter")
    if not holds(pages[-1].text, trace):
        problems.append("the trace is not at the end of the body")
    if leaflet.lang.startswith("en"):
        # "Page 2 of 5" and the page's date never break across the footer's lines (a date the
        # tool formats; one written as something else is cut short there).
        date = display_date(leaflet.date, leaflet.lang) if leaflet.date else ""
        date = "" if date == leaflet.date else date
        for number, sheet in enumerate(pdftotext(pdf, "-layout").split("\f")[:n], 1):
            lines = [" ".join(line.split()) for line in sheet.splitlines()]
            for words in (text["page_of"].format(page=number, pages=n), date):
                if words and not any(words in line for line in lines):
                    problems.append(f"page {number}: {words!r} breaks across lines")
    if any(".md" in p.text or ".md" in p.margin_text for p in pages):
        problems.append("the source path is printed")
    sizes = [size for p in pages for size in p.sizes + p.margin_sizes]
    footer = [size for p in pages for size in p.margin_sizes]
    if statistics.median(sizes) < MEDIAN_PT[size] - 0.05:
        problems.append(f"median text size {statistics.median(sizes):.1f} pt")
    if min(footer, default=99) < 9:
        problems.append(f"footer text at {min(footer):.1f} pt")
    if personal:
        for p in pages:
            if squash("Jane Doe") not in squash(p.margin_text) or "01234567890" not in squash(p.margin_text):
                problems.append(f"page {p.number}: running header lacks the patient or the phone")
    return problems


@pytest.mark.parametrize(("size", "paper"), COMBOS, ids=[f"{s}-{p}" for s, p in COMBOS])
@pytest.mark.parametrize("page", PAGES, ids=[f"{p.parent.name}/{p.stem}" for p in PAGES])
def test_pagination_rules(layout_pdf, page, size, paper):
    pdf = layout_pdf(page, size, paper)
    assert pagination_problems(page, size, paper, pdf) == []


@pytest.mark.parametrize(("size", "paper"), COMBOS, ids=[f"{s}-{p}" for s, p in COMBOS])
@pytest.mark.parametrize("page", [BACLOFEN, LONGTESTOL], ids=["baclofen", "longtestol"])
def test_personalised_leaflet_pagination_and_header(layout_pdf, page, size, paper):
    pdf = layout_pdf(page, size, paper, personal=True)
    assert pagination_problems(page, size, paper, pdf, personal=True) == []


@pytest.mark.parametrize(("size", "paper"), COMBOS, ids=[f"{s}-{p}" for s, p in COMBOS])
def test_long_serious_callout_splits_with_its_label(layout_pdf, size, paper):
    """The fixture's callout is longer than a page in every size: it must split, labelled."""
    pdf = layout_pdf(LONGTESTOL, size, paper)
    pages = measure(pdf, paper)
    spans = callout_pages(read_page(LONGTESTOL), pages)
    assert len(spans) == 1 and spans[0][1] > spans[0][0], spans
    first, last = spans[0]
    assert all("Serious side effects (continued)" in p.margin_text for p in pages[first:last])
    assert not any("continued" in p.margin_text for p in pages[:first] + pages[last:])


@pytest.mark.parametrize(("size", "paper"), COMBOS, ids=[f"{s}-{p}" for s, p in COMBOS])
@pytest.mark.parametrize("personal", [False, True], ids=["plain", "personal"])
def test_pdf_ua_in_every_size_and_paper(layout_pdf, size, paper, personal):
    report = pdf_validator.validate_pdf(str(layout_pdf(LONGTESTOL, size, paper, personal)), profile="ua1")
    assert report.is_compliant, sorted({f.rule_id for f in report.failures})


def test_paper_and_page_sizes(layout_pdf):
    expected = {
        "a4": "595.276 x 841.89 pts (A4)",
        "letter": "612 x 792 pts (letter)",
        "a5": "419.528 x 595.276",
    }
    for paper, words in expected.items():
        info = subprocess.run(
            ["pdfinfo", str(layout_pdf(BACLOFEN, "standard", paper))], capture_output=True, text=True
        ).stdout
        assert words in info, info


def test_lead_in_sentence_is_normal_weight_and_labels_bold(layout_pdf):
    with pdfplumber.open(layout_pdf(BACLOFEN, "standard", "a4")) as pdf:
        words = [w for p in pdf.pages for w in p.extract_words(extra_attrs=["fontname"])]
    lead = [w for w in words if w["text"] in ("settle", "gets")]
    label = [w for w in words if w["text"] == "Sleepiness:"]
    assert lead and all("Bold" not in w["fontname"] for w in lead), lead
    assert label and all("Bold" in w["fontname"] for w in label)


@pytest.mark.parametrize(("size", "paper"), COMBOS, ids=[f"{s}-{p}" for s, p in COMBOS])
def test_phone_numbers_and_doses_never_break(layout_pdf, size, paper):
    """The fixture has 48 doses and phone numbers in running text: wherever a line ends, each
    stands whole on one line."""
    pdf = layout_pdf(NOBREAKOL, size, paper, personal=True)
    lines = [line.replace(" ", "") for p in measure(pdf, paper) for line in p.text.split("\n")]
    whole = "".join(lines)
    for token in NOBREAK_TOKENS:
        token = token.replace(" ", "")
        on_one_line = sum(line.count(token) for line in lines)
        assert on_one_line == whole.count(token) > 0, f"{token!r} breaks across a line"


def test_url_breaks_only_after_slash_or_hyphen(layout_pdf):
    long_title = next((FIXTURES / "content" / "a").glob("alphacillin-*.md"))
    pdf = layout_pdf(long_title, "standard", "a5")
    url = leaflet_url(read_page(long_title), _settings("standard", "a5", False))
    lines = [line.strip() for p in measure(pdf, "a5") for line in p.text.splitlines()]
    start = next(i for i, line in enumerate(lines) if line.startswith("https://"))
    pieces, joined = [], ""
    for line in lines[start:]:
        pieces.append(line)
        joined += line
        if len(joined) >= len(url):
            break
    assert joined == url
    assert len(pieces) > 1 and all(p.endswith(("/", "-")) for p in pieces[:-1]), pieces


def test_build_size_all_writes_xl_and_the_site_links_it(tmp_path):
    from click.testing import CliRunner

    from leaflets.cli import cli

    content = tmp_path / "content" / "b"
    content.mkdir(parents=True)
    content.joinpath("baclofen.md").write_bytes(BACLOFEN.read_bytes())
    out = tmp_path / "dist"
    args = ["build", str(tmp_path / "content"), "-o", str(out), "--size", "all", "--html", "-j", "1"]
    result = CliRunner().invoke(cli, [*args, "--base-url", BASE_URL, "--paper", "a5", "--quiet"])
    assert result.exit_code == 0, result.output
    for name in ("baclofen.pdf", "baclofen.large.pdf", "baclofen.xl.pdf"):
        info = subprocess.run(["pdfinfo", str(out / "b" / name)], capture_output=True, text=True).stdout
        assert "419.528 x 595.276" in info, (name, info)
    site = (out / "composition/b/baclofen.html").read_text()
    assert 'href="../../b/baclofen.xl.pdf">Printable PDF (extra-large print)</a>' in site
    assert "baclofen.md" not in re.sub(r"<meta[^>]*>", "", site)  # the source path is metadata only


def test_counter_prints_xl_on_a5(tmp_path):
    from starlette.testclient import TestClient

    from leaflets.web import create_app

    content = tmp_path / "content" / "b"
    content.mkdir(parents=True)
    content.joinpath("baclofen.md").write_bytes(BACLOFEN.read_bytes())
    settings = Settings(base_url=BASE_URL, pharmacy=PHARMACY)
    here = "http://127.0.0.1:8000"  # the counter's bound address, as its own page talks to it
    app = create_app(tmp_path / "content", settings, workers=0)
    with TestClient(app, base_url=here, headers={"Origin": here}) as client:
        assert app.state.library.wait(120)
        preview = client.get("/leaflets/baclofen")
        assert 'value="xl"' in preview.text and 'value="a5"' in preview.text
        assert 'href="/static/counter-print.css" media="print"' in preview.text
        sheet = client.get("/static/counter-print.css").text
        assert "@media print" in sheet and ".print-form" in sheet
        response = client.post(
            "/leaflets/baclofen.pdf", data={"size": "xl", "paper": "a5", "patient": "Jane Doe"}
        )
    assert response.status_code == 200
    pdf = tmp_path / "counter.pdf"
    pdf.write_bytes(response.content)
    pages = measure(pdf, "a5")
    assert statistics.median(s for p in pages for s in p.sizes) >= 24
    assert all(squash("Jane Doe") in squash(p.margin_text) for p in pages)


def test_keep_together_wraps_text_never_tags():
    from leaflets.paper import keep_together

    html = '<p title="500 mg">Take 500 mg or call 01234 567890; in 2024 12 people, 2-3 tablets.</p>'
    assert keep_together(html) == (
        '<p title="500 mg">Take <span class="nowrap">500 mg</span> or call '
        '<span class="nowrap">01234 567890</span>; in 2024 12 people, '
        '<span class="nowrap">2-3 tablets</span>.</p>'
    )


def test_trace_line_dates_in_the_page_language():
    assert display_date("2024-11-23", "en") == "23 Nov 2024"
    assert display_date("2024-11-23", "fr") == "23 nov. 2024"
    assert display_date("November 2024", "en") == "November 2024"  # as written


def test_trace_line_names_an_official_document_by_its_own_short_id():
    # A page: its content hash. ePI: Bundle.identifier without "urn:uuid:"; SPL: setId and version.
    assert short_revision("4539173c5e1f") == "4539173c"
    assert short_revision("urn:uuid:d139b471-6c01-45d3-a566-01dcb505c149 · b8b072937bc3") == "d139b471"
    assert short_revision("608d4f0d-b19f-46d3-749a-7159aa5f933d v1560 · 0a1b2c3d4e5f") == "608d4f0d v1560"
    assert short_revision("epi-paracetamol-t1 · a6ebe58d5ca2") == "epi-paracetamol-t1"
    oid = "urn:oid:2.16.840.1.113883.3.9999.1.2.3.4.5.6.7.8.9 v2 · a6ebe58d5ca2"
    assert short_revision(oid) == "…113883.3.9999.1.2.3.4.5.6.7.8.9 v2"


def test_a_prescription_keeps_each_leaflets_pagination_and_one_running_header(tmp_path):
    """Each leaflet of a prescription meets the rules on its own pages (its own refit; the
    summary page, laid out once, is exempt from the 55% rule), and every page, the summary's
    too, carries the one running header: the patient and the pharmacy's phone, once."""
    from leaflets.prescription import build, render_prescription

    settings = _settings("standard", "a4", personal=True)
    # Two leaflets whose first layout ends on a page of a few lines, and the long callout.
    pages = [
        FIXTURES / "shapes" / "issue11" / "01-bare-group-labels.md",
        FIXTURES / "shapes" / "label-heading.md",
        LONGTESTOL,
    ]
    rx = build([{"page": str(p), "directions": "One at night"} for p in pages], patient="Jane Doe")
    data, count = render_prescription([read_page(p, settings) for p in pages], rx, settings)
    pdf = tmp_path / "rx.pdf"
    pdf.write_bytes(data)
    measured = measure(pdf, "a4")
    assert len(measured) == count
    for p in measured:
        header = squash(p.margin_text)
        assert header.count(squash("Jane Doe")) == 1 and header.count("01234567890") == 1, p.margin_text
    # Each leaflet restarts "Page 1 of N": its pages follow the summary, one run per leaflet.
    starts = [p.number for p in measured if re.search(r"Page 1 of \d+", p.margin_text)]
    summary = starts[0]  # "Page 1 of 1" of the summary
    runs = [measured[a - 1 : b - 1] for a, b in zip(starts[1:], [*starts[2:], count + 1], strict=True)]
    assert summary == 1 and len(runs) == len(pages)
    for page, run in zip(pages, runs, strict=True):
        assert under_filled(run) == [] and not short_last_page(run), (page.stem, [p.fill for p in run])
        assert run[0].qr is not None  # the QR code on each leaflet's own page 1
