"""Real PDFs, judged by tools nobody here wrote: poppler, page (PDF/UA), zxing-cpp, pdfplumber."""

from __future__ import annotations

import statistics
import subprocess
from pathlib import Path

import page as pdf_validator
import pdfplumber
import pikepdf
import pytest
import zxingcpp
from conftest import FIXTURE_CONTENT, ROOT, pdftotext, squash
from PIL import Image

from leaflets import read_page

BACLOFEN = ROOT / "content" / "b" / "baclofen.md"
LONG = next((FIXTURE_CONTENT / "a").glob("alphacillin-*.md"))
SIZES = ["standard", "large"]


def decode_qr(pdf: Path, tmp_path: Path, dpi: int = 150) -> list[str]:
    prefix = tmp_path / f"r{dpi}"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(prefix)], check=True)
    found = []
    for png in sorted(tmp_path.glob(f"r{dpi}-*.png")):
        img = Image.open(png).convert("L")
        found += [r.text for r in zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode)]
    return found


@pytest.mark.parametrize("size", SIZES)
def test_text_holds_every_side_effect_faq_disclaimer_and_note(rendered, settings, size):
    pdf = rendered(BACLOFEN, size)
    text = squash(pdftotext(pdf))
    leaflet = read_page(BACLOFEN, settings)
    from leaflets.sanitize import text_of

    expected = [text_of(i.html) for g in leaflet.side_effect_groups for i in g.items]
    expected += [text_of(f.question) for f in leaflet.faqs]
    expected += [text_of(leaflet.disclaimer.html), text_of(leaflet.note.html)]
    assert len(expected) > 15
    missing = [e for e in expected if squash(e) not in text]
    assert not missing


@pytest.mark.parametrize("size", SIZES)
def test_fonts_embedded_and_chosen_font_used(rendered, size):
    out = subprocess.run(
        ["pdffonts", str(rendered(BACLOFEN, size))], check=True, capture_output=True, text=True
    ).stdout.splitlines()[2:]
    assert out, "no fonts listed"
    rows = [line.split() for line in out]
    assert all(r[-5] == "yes" for r in rows), out  # emb column
    assert all(r[-3] == "yes" for r in rows), out  # uni column: text can be extracted
    names = [r[0].split("+")[-1] for r in rows]
    assert "Atkinson-Hyperlegible" in names and "Atkinson-Hyperlegible-Bold" in names


def test_fallback_font_covers_symbols(rendered):
    pdf = rendered(ROOT / "content" / "s" / "salbutamol.md")
    text = pdftotext(pdf)
    for ch in "β₂µ≥’–":
        assert ch in text
    assert "\ufffd" not in text
    fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert "Noto-Sans" in fonts


@pytest.mark.parametrize("size", SIZES)
def test_qr_decodes_to_the_online_url(rendered, tmp_path, size):
    found = decode_qr(rendered(BACLOFEN, size), tmp_path)
    assert found == ["https://rxhive.zynapte.com/composition/b/baclofen.html"]
    assert "https://rxhive.zynapte.com/composition/b/baclofen.html" in pdftotext(rendered(BACLOFEN, size))


def test_long_combination_qr_and_title(rendered, fixture_settings, tmp_path):
    expected = (
        "https://rxhive.zynapte.com/composition/a/alphacillin-betamolol-gammazole-"
        "deltaprofen-epsilonide-zetamycin-etacort-thetaphylline-iotastatin-kappavir-"
        "lambdazine-muprolol.html"
    )
    assert len(expected) > 150
    pdf = rendered(LONG, "standard", fixture_settings)
    assert decode_qr(pdf, tmp_path) == [expected]
    text = squash(pdftotext(pdf))
    assert squash(read_page(LONG).title) in text
    assert squash(expected) in text


@pytest.mark.parametrize("size", SIZES)
def test_pdf_ua_validator_reports_compliant(rendered, size):
    report = pdf_validator.validate_pdf(str(rendered(BACLOFEN, size)), profile="ua1")
    failures = sorted({f.rule_id for f in report.failures})
    assert report.is_compliant, failures


@pytest.mark.parametrize(("size", "minimum"), [("standard", 14), ("large", 18)])
def test_median_body_text_size(rendered, size, minimum):
    with pdfplumber.open(rendered(BACLOFEN, size)) as pdf:
        sizes = [round(c["size"], 1) for p in pdf.pages for c in p.chars if c["text"].strip()]
    assert statistics.median(sizes) >= minimum


def test_metadata_title_lang_bookmarks_and_footer(rendered):
    pdf_path = rendered(BACLOFEN)
    with pikepdf.open(pdf_path) as pdf:
        assert str(pdf.docinfo["/Title"]) == "Baclofen"
        assert str(pdf.Root.Lang) == "en"
        assert pdf.Root.MarkInfo.Marked
        with pdf.open_outline() as outline:
            titles = [item.title for item in outline.root]
        n_pages = len(pdf.pages)
    assert titles and titles[0] == "Baclofen"
    assert [t.title for t in outline.root[0].children][:2] == ["Usage", "Serious side effects"]
    layout = pdftotext(pdf_path, "-layout")
    for n in range(1, n_pages + 1):
        assert f"Page {n} of {n_pages}" in layout
    assert layout.count("Baclofen ") >= n_pages


def test_paper_sizes(rendered, settings, tmp_path):
    from leaflets.pdf import write_pdf

    leaflet = read_page(BACLOFEN, settings)
    target, _ = write_pdf(leaflet, tmp_path / "letter.pdf", settings.replace(paper="letter"))
    info = subprocess.run(["pdfinfo", str(target)], capture_output=True, text=True).stdout
    assert "612 x 792 pts (letter)" in info
    info = subprocess.run(["pdfinfo", str(rendered(BACLOFEN))], capture_output=True, text=True).stdout
    assert "(A4)" in info


def test_same_input_gives_identical_bytes(settings):
    from leaflets.pdf import pdf_bytes

    leaflet = read_page(BACLOFEN, settings)
    assert pdf_bytes(leaflet, settings) == pdf_bytes(read_page(BACLOFEN, settings), settings)


def test_html_output_prints_the_same_with_bare_weasyprint(settings, tmp_path):
    """--format html is the very document WeasyPrint prints."""
    from weasyprint import HTML

    from leaflets import render_html

    html = render_html(read_page(BACLOFEN, settings), settings, inline_css=True)
    pdf = tmp_path / "bare.pdf"
    HTML(string=html, base_url=str(tmp_path)).write_pdf(pdf, pdf_variant="pdf/ua-1")
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert "Atkinson-Hyperlegible" in fonts
    layout = pdftotext(pdf, "-layout")
    assert "Page 1 of" in layout and "Serious side effects" in layout


def test_configured_logo_and_pharmacy_are_printed(tmp_path, settings):
    from leaflets.pdf import pdf_bytes
    from leaflets.settings import Pharmacy

    logo = tmp_path / "logo.png"
    Image.new("RGB", (60, 20), (0, 90, 40)).save(logo)
    cfg = settings.replace(logo=logo, pharmacy=Pharmacy(name="Corner Pharmacy", phone="0123"))
    data = pdf_bytes(read_page(BACLOFEN, cfg), cfg)
    out = tmp_path / "logo.pdf"
    out.write_bytes(data)
    assert "Corner Pharmacy" in pdftotext(out)
    with pikepdf.open(out) as pdf:
        images = {img.objgen for img in pdf.pages[0].get_images().values()}
    assert len(images) == 1
    report = pdf_validator.validate_pdf(str(out), profile="ua1")
    assert report.is_compliant, sorted({f.rule_id for f in report.failures})


def test_fallback_font_pages_are_reproducible_across_processes(tmp_path):
    """Noto Sans is a variable font that WeasyPrint re-saves with fontTools, which stamps the time:
    two renders a second apart in two processes must still give the same bytes."""
    import sys
    import time

    outputs = []
    for n in range(2):
        target = tmp_path / f"s{n}.pdf"
        subprocess.run(
            [sys.executable, "-m", "leaflets", "render", "salbutamol", "-o", str(target)],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        outputs.append(target.read_bytes())
        time.sleep(1.1)
    assert outputs[0] == outputs[1]
