"""Leaflets in Arabic, Chinese, Russian and Vietnamese: fonts, direction, bidi, glyphs, callouts."""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import page as pdf_validator
import pdfplumber
import pikepdf
import pytest
from conftest import ROOT, pdftotext
from PIL import Image

from leaflets import Settings, read_page, render_html
from leaflets import scripts as scripts_module
from leaflets.errors import MissingFontError
from leaflets.i18n import texts
from leaflets.labels import classify
from leaflets.model import Kind, Severity
from leaflets.pdf import write_pdf
from leaflets.prescription import build, render_prescription
from leaflets.sanitize import text_of
from leaflets.scripts import font_lang, isolate_ltr, typesetting
from leaflets.settings import Pharmacy
from leaflets.site import render_page
from leaflets.vocabulary import says_serious as marks_serious

CONTENT = ROOT / "content"
SAMPLES = {
    "ar": (CONTENT / "p" / "paracetamol-ar.md", "ar", "Noto-Sans-Arabic"),
    "zh": (CONTENT / "i" / "ibuprofen-zh.md", "zh-CN", "Noto-Sans-CJK-SC"),
    "ru": (CONTENT / "o" / "omeprazole-ru.md", "ru", "Noto-Sans"),
    "vi": (CONTENT / "m" / "metformin-vi.md", "vi", "Noto-Sans"),
}
SETTINGS = Settings(base_url="https://leaflets.example")
_BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    out = tmp_path_factory.mktemp("scripts")
    cache: dict[tuple[str, str], Path] = {}

    def get(lang: str, size: str = "standard") -> Path:
        if (lang, size) not in cache:
            target = out / f"{lang}.{size}.pdf"
            write_pdf(read_page(SAMPLES[lang][0]), target, SETTINGS.replace(size=size))
            cache[lang, size] = target
        return cache[lang, size]

    return get


def _source_paragraphs(lang: str) -> list[str]:
    """The page's own text, one string per paragraph or item (what must come back out)."""
    leaflet = read_page(SAMPLES[lang][0])
    words = texts(lang)
    parts = [leaflet.title, *(words[k] for k in ("serious", "online"))]
    # The trace line: "Revision" in the page's language and the first 8 digits of the hash of the
    # file's bytes (these pages have no date).
    digest = hashlib.sha256(SAMPLES[lang][0].read_bytes()).hexdigest()[:8]
    assert leaflet.date is None
    parts.append(words["trace_revision"].format(revision=digest))
    for section in leaflet.all_sections():
        body = section.html + "".join(f"{b.html}</p>" for g in section.groups for b in g.blocks)
        body += "".join(f"<p>{f.question}</p><p>{f.answer}</p>" for f in section.faqs)
        parts.append(section.label)
        parts += re.split(r"</(?:p|li|h\d)>", body)
    out = []
    for part in parts:
        text = text_of(part).strip()
        if text and "{page}" not in text:
            out.append(text)
    return out


def _words(text: str) -> list[str]:
    """Words, split where the script changes (pdftotext may glue "Paracetamol" to Arabic)."""
    clean = _BIDI_CONTROLS.sub("", unicodedata.normalize("NFKC", text))
    return re.findall(r"[A-Za-z\u00c0-\u024f]+|[0-9]+|[^\W\dA-Za-z\u00c0-\u024f_]+", clean)


@pytest.mark.parametrize("size", ["standard", "large"])
@pytest.mark.parametrize("lang", list(SAMPLES))
def test_sample_page_prints_in_its_script(pdfs, lang, size):
    pdf = pdfs(lang, size)
    _, tag, font = SAMPLES[lang]
    # PDF/UA-1, with the language the fonts expect.
    report = pdf_validator.validate_pdf(str(pdf), profile="ua1")
    assert report.is_compliant, sorted({f.rule_id for f in report.failures})
    with pikepdf.open(pdf) as doc:
        assert str(doc.Root.Lang) == tag
    # Every font embedded, and the script's own font among them.
    rows = [line.split() for line in _pdffonts(pdf).splitlines()[2:]]
    assert rows and all(r[-5] == "yes" for r in rows), rows
    assert any(r[0].split("+", 1)[1].startswith(font) for r in rows), rows
    text = pdftotext(pdf)
    assert "\ufffd" not in text
    _round_trips(lang, text)
    # The severity callout is found and printed with the translated label.
    leaflet = read_page(SAMPLES[lang][0])
    serious = [g for g in leaflet.side_effect_groups if g.severity is Severity.SERIOUS]
    common = [g for g in leaflet.side_effect_groups if g.severity is Severity.COMMON]
    assert len(serious) == 1 and len(serious[0].items) == 2 and common
    label = texts(lang)["serious"]
    assert all(w in _words(text) for w in _words(label)), label
    assert _no_notdef_glyphs(pdf)


def test_vietnamese_letters_with_a_dot_below_read_back_as_themselves(pdfs):
    """Noto Sans's ccmp split ị ụ ọ ẹ into a letter and a dot below, and WeasyPrint's one text per
    glyph gave the shared mark the letter of its first use: "trị" read "triị", every "ụ" "uị"
    (assets._NO_CCMP). The text layer is what a screen reader and a search read."""
    text = unicodedata.normalize("NFC", pdftotext(pdfs("vi")))
    source = " ".join(_source_paragraphs("vi"))
    letters = [letter for letter in "ẹịọụ" if letter in source]
    assert len(letters) >= 3
    for letter in letters:
        assert text.count(letter) >= source.count(letter), letter
    for base in "iuoe":
        assert f"{base}ị" not in text
    _round_trips("vi", text)


def _round_trips(lang: str, text: str) -> None:
    """Every word of the page comes back out of pdftotext."""
    if lang == "zh":
        # CJK breaks lines between characters: compare with all whitespace removed.
        flat = re.sub(r"\s+", "", text)
        for para in _source_paragraphs(lang):
            assert re.sub(r"\s+", "", para) in flat, para
    elif lang == "ar":
        # pdftotext writes lam-alef and other ligatures back in reverse order ("االسم"), so an
        # Arabic word is compared as the letters it holds; each must come back as a word.
        have = {"".join(sorted(w)) for w in _words(text)}
        for para in _source_paragraphs(lang):
            for word in _words(para):
                assert "".join(sorted(word)) in have, (word, para)
    else:
        flat = " ".join(text.split())
        for para in _source_paragraphs(lang):
            assert " ".join(para.split()) in flat, para


def _pdffonts(pdf: Path) -> str:
    return subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout


def _glyph_count(font: pikepdf.Dictionary) -> int | None:
    """How many glyphs the embedded program of a Type0 font has (None when it cannot be read)."""
    import io

    from fontTools.ttLib import TTFont

    descriptor = font.DescendantFonts[0].FontDescriptor
    for key in ("/FontFile2", "/FontFile3"):
        if key in descriptor:
            try:
                return TTFont(io.BytesIO(descriptor[key].read_bytes()), lazy=True)["maxp"].numGlyphs
            except Exception:  # a bare CFF program: only glyph 0 is checked
                return None
    return None


def _no_notdef_glyphs(pdf: Path) -> bool:
    """No text operator shows .notdef (the tofu box): glyph 0, or a glyph the embedded font does
    not have (what Pango emits for a character no installed font covers)."""
    with pikepdf.open(pdf) as doc:
        for page in doc.pages:
            fonts = page.Resources.get("/Font", {})
            two_byte = {name for name, f in fonts.items() if f.get("/Subtype") == "/Type0"}
            counts = {name: _glyph_count(fonts[name]) for name in two_byte}
            current = None
            for operands, operator in pikepdf.parse_content_stream(page):
                op = str(operator)
                if op == "Tf":
                    current = str(operands[0])
                elif op in ("Tj", "'", '"', "TJ"):
                    strings = operands[0] if op == "TJ" else operands[-1:]
                    for s in strings:
                        if isinstance(s, pikepdf.String):
                            raw = bytes(s)
                            width = 2 if current in two_byte else 1
                            gids = [
                                int.from_bytes(raw[i : i + width], "big") for i in range(0, len(raw), width)
                            ]
                            limit = counts.get(current) or float("inf")
                            if 0 in gids or any(g >= limit for g in gids):
                                return False
    return True


@pytest.mark.parametrize("lang", ["ar", "zh"])
def test_page_one_has_ink_for_every_glyph(pdfs, lang, tmp_path):
    """Rendered to PNG, every character box on page 1 holds ink (a missing glyph prints blank or
    a box; the .notdef check above catches the box, this the blank)."""
    pdf = pdfs(lang)
    subprocess.run(
        ["pdftoppm", "-r", "100", "-f", "1", "-l", "1", "-png", str(pdf), str(tmp_path / "p")], check=True
    )
    image = Image.open(next(tmp_path.glob("p*.png"))).convert("L")
    scale = 100 / 72
    with pdfplumber.open(pdf) as doc:
        chars = [
            c
            for c in doc.pages[0].chars
            if c["text"].strip() and unicodedata.category(c["text"][0])[0] in "LN"
        ]
    assert len(chars) > 100
    blank = []
    for c in chars:
        box = (
            int(c["x0"] * scale),
            int(c["top"] * scale),
            int(c["x1"] * scale) + 1,
            int(c["bottom"] * scale) + 1,
        )
        if image.crop(box).getextrema()[0] > 128:
            blank.append(c["text"])
    assert not blank, blank


def _red_runs(row: list[tuple[int, int, int]]) -> list[tuple[int, int]]:
    """Column runs of the callout's dark red (#8a0000) in one pixel row."""
    runs: list[tuple[int, int]] = []
    for x, (r, g, b) in enumerate(row):
        if not (r > 100 and g < 60 and b < 60):
            continue
        if runs and x - runs[-1][1] <= 4:  # across the icon's white "!" (2-3 px)
            runs[-1] = (runs[-1][0], x + 1)
        else:
            runs.append((x, x + 1))
    return runs


def _callout_geometry(pdf: Path, tmp_path: Path) -> tuple[list[tuple[int, int]], float]:
    """The red column runs across the middle of the callout's icon, and the page's scale."""
    with pdfplumber.open(pdf) as doc:
        page = doc.pages[0]
        icon = next(
            o
            for o in page.objects["curve"]
            if o.get("fill") and tuple(round(v, 2) for v in o["non_stroking_color"]) == (0.54, 0.0, 0.0)
        )
    subprocess.run(
        ["pdftoppm", "-r", "100", "-f", "1", "-l", "1", "-png", str(pdf), str(tmp_path / "c")], check=True
    )
    image = Image.open(next(tmp_path.glob("c*.png"))).convert("RGB")
    scale = 100 / 72
    y = int((icon["top"] + icon["bottom"]) * 0.5 * scale) + 2  # below the icon's "!" stroke
    return _red_runs([image.getpixel((x, y)) for x in range(image.width)]), scale


def test_rtl_callout_icon_sits_at_the_right_edge(pdfs, tmp_path):
    runs, scale = _callout_geometry(pdfs("ar"), tmp_path)
    # From the right: the thick (10 pt) border, then the icon; the left border is thin (3 pt).
    border_right, icon = runs[-1], runs[-2]
    assert border_right[1] - border_right[0] >= 8 * scale
    assert runs[0][1] - runs[0][0] <= 4 * scale
    assert icon[1] - icon[0] >= 10 * scale  # the triangle, not a letter stroke
    assert border_right[0] - icon[1] < 25 * scale  # the padding, and nothing else, between them


def test_ltr_callout_icon_sits_at_the_left_edge(rendered, tmp_path):
    runs, scale = _callout_geometry(rendered(ROOT / "content" / "p" / "paracetamol.md"), tmp_path)
    border_left, icon = runs[0], runs[1]
    assert border_left[1] - border_left[0] >= 8 * scale
    assert runs[-1][1] - runs[-1][0] <= 4 * scale
    assert icon[1] - icon[0] >= 10 * scale
    assert icon[0] - border_left[1] < 25 * scale


def test_arabic_page_is_right_to_left_with_isolated_latin(pdfs):
    html = render_html(read_page(SAMPLES["ar"][0]), SETTINGS)
    assert '<html lang="ar" dir="rtl">' in html
    # The Latin run is isolated whole, its dose kept on one line inside it.
    assert '<bdi>Paracetamol <span class="nowrap">500 mg</span></bdi>' in html
    # Printed left to right inside the Arabic line: "500" before "mg", not "mg 500".
    with pdfplumber.open(pdfs("ar")) as doc:
        words = doc.pages[0].extract_words()
        five = next(w for w in words if w["text"] == "500")
        # ("mg." when the sentence's full stop follows it.)
        mg = min(
            (w for w in words if w["text"].strip(".") == "mg"), key=lambda w: abs(w["top"] - five["top"])
        )
        assert five["x1"] < mg["x0"]
        # The footer mirrors: the page number on the left, the running title on the right.
        bottom = [w for w in words if w["top"] > doc.pages[0].height - 70]
        half = doc.pages[0].width / 2
    numbers = [w for w in bottom if w["text"].isdigit()]
    assert numbers and all(w["x1"] < half for w in numbers)
    assert any(w["x0"] > half and not w["text"].isdigit() for w in bottom)


def test_isolates_wrap_text_never_tags_or_entities():
    html = '<p>يستخدم <a href="https://x.example/a">Paracetamol 500 mg</a> &amp; 4 g.</p>'
    out = isolate_ltr(html)
    link = '<a href="https://x.example/a"><bdi>Paracetamol 500 mg</bdi></a>'
    assert out == f"<p>يستخدم {link} &amp; <bdi>4 g</bdi>.</p>"
    assert isolate_ltr(out) == out  # idempotent: a run already isolated stays as it is


def test_language_tags_fonts_expect():
    assert font_lang("zh") == "zh-CN" and font_lang("zh-Hans") == "zh-CN"
    assert font_lang("zh-Hant") == "zh-TW" and font_lang("zh-TW") == "zh-TW" and font_lang("zh-HK") == "zh-HK"
    assert font_lang("ar") == "ar" and font_lang("ko") == "ko"
    assert typesetting("zh", "布洛芬").families == ("Noto Sans CJK SC",)
    assert typesetting("zh-TW", "布洛芬").families == ("Noto Sans CJK TC",)
    assert typesetting("ko", "이부프로펜").families == ("Noto Sans CJK KR",)
    assert typesetting("am", "መድኃኒት").families == ("Noto Sans Ethiopic",)
    assert typesetting("my", "ဆေး").families == ("Noto Sans Myanmar",)
    assert typesetting("ne", "औषधि").families == ("Noto Sans Devanagari",)
    # Vietnamese and Russian letters Atkinson Hyperlegible lacks: Noto Sans sets the whole page.
    assert typesetting("vi", "Tác dụng phụ nghiêm trọng").primary == "Noto Sans"
    assert typesetting("en", "Baclofen is used to treat muscle spasms.").primary == "Atkinson Hyperlegible"


def test_a_script_without_an_installed_font_names_the_package(monkeypatch, tmp_path):
    families = dict(scripts_module.installed_families())
    families.pop("Noto Sans Arabic")
    families.pop("Noto Naskh Arabic")
    monkeypatch.setattr(scripts_module, "installed_families", lambda: families)
    with pytest.raises(MissingFontError, match="fonts-noto-core"):
        write_pdf(read_page(SAMPLES["ar"][0]), tmp_path / "x.pdf", SETTINGS)
    assert not (tmp_path / "x.pdf").exists()
    from click.testing import CliRunner

    from leaflets.cli import cli

    result = CliRunner().invoke(cli, ["render", str(SAMPLES["ar"][0]), "-o", str(tmp_path / "y.pdf")])
    assert result.exit_code == 2 and "fonts-noto-core" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(cli, ["check", str(SAMPLES["ar"][0])])
    assert "error: " in result.output and "fonts-noto-core" in result.output
    # A build lists the reason under the page's name, so the reason does not name it again.
    from leaflets.build import build_library, render_job

    class InProcess:  # the monkeypatched fonts reach only this process
        def run(self, fn, jobs):
            return map(render_job, jobs)

        def cancel(self):
            pass

        def close(self):
            pass

    (tmp_path / "lib" / "p").mkdir(parents=True)
    (tmp_path / "lib" / "p" / "page.md").write_bytes(SAMPLES["ar"][0].read_bytes())
    report = build_library(tmp_path / "lib", tmp_path / "out", SETTINGS, executor=InProcess())
    [page] = report.pages
    assert page.status == "failed" and page.reason.startswith("no installed font for the Arabic script")


def test_build_key_follows_the_fonts_a_page_needs(monkeypatch):
    arabic = SAMPLES["ar"][0].read_text(encoding="utf-8")
    english = (CONTENT / "p" / "paracetamol.md").read_text(encoding="utf-8")
    before = (scripts_module.fonts_fingerprint(arabic), scripts_module.fonts_fingerprint(english))
    families = dict(scripts_module.installed_families())
    families["Noto Sans Arabic"] = ()
    monkeypatch.setattr(scripts_module, "installed_families", lambda: families)
    after = (scripts_module.fonts_fingerprint(arabic), scripts_module.fonts_fingerprint(english))
    assert before[0] != after[0]  # the Arabic page rebuilds
    assert before[1] == after[1] == ""  # the English page does not


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        ("الآثار الجانبية", Kind.SIDE_EFFECTS),
        ("الاستخدام", Kind.USAGE),
        ("طريقة الاستخدام", Kind.DOSAGE),
        ("الجرعة", Kind.DOSAGE),
        ("الأسئلة الشائعة", Kind.FAQS),
        ("إخلاء المسؤولية", Kind.DISCLAIMER),
        ("副作用", Kind.SIDE_EFFECTS),
        ("常见副作用", Kind.SIDE_EFFECTS),
        ("用途", Kind.USAGE),
        ("用法用量", Kind.DOSAGE),
        ("注意事项", Kind.PRECAUTIONS),
        ("药物相互作用", Kind.INTERACTIONS),
        ("作用机制", Kind.HOW_IT_WORKS),
        ("常见问题：", Kind.FAQS),
        ("Побочные эффекты", Kind.SIDE_EFFECTS),
        ("Способ применения и дозы", Kind.DOSAGE),
        ("Показания к применению", Kind.USAGE),
        ("Примечание", Kind.NOTE),
        ("Tác dụng phụ", Kind.SIDE_EFFECTS),
        ("Công dụng", Kind.USAGE),
        ("Chống chỉ định", Kind.PRECAUTIONS),
        ("Liều dùng", Kind.DOSAGE),
        ("Ghi chú", Kind.NOTE),
    ],
)
def test_section_labels_in_new_languages(label, kind):
    assert classify(label) is kind
    # Vietnamese typed with combining accents (NFD) is the same label.
    assert classify(unicodedata.normalize("NFD", label)) is kind


@pytest.mark.parametrize(
    ("line", "serious"),
    [
        ("الآثار الجانبية الخطيرة تشمل:", True),
        ("الآثار الجانبية الشائعة غير الخطيرة:", False),
        ("اطلب المساعدة فوراً إذا ظهرت:", True),
        ("严重副作用包括：", True),
        ("常见副作用（通常不严重）：", False),
        ("如出现以下情况，请立即就医：", True),
        ("Серьёзные побочные эффекты:", True),
        ("Побочные эффекты обычно не серьёзные:", False),
        ("Tác dụng phụ nghiêm trọng:", True),
        ("Tác dụng phụ thường gặp, không nghiêm trọng:", False),
    ],
)
def test_severity_words_in_new_languages(line, serious):
    assert marks_serious(line) is serious
    assert marks_serious(unicodedata.normalize("NFD", line)) is serious


def test_chinese_words_match_inside_a_sentence_without_spaces():
    # No \b between Han characters: the keyword is found inside a longer label.
    assert classify("关于布洛芬的副作用") is Kind.SIDE_EFFECTS
    assert marks_serious("以下副作用比较严重：")


def test_chinese_lines_break_between_characters_without_hyphens(pdfs):
    # Every page (page 1 holds the masthead, so fewer lines of prose).
    with pdfplumber.open(pdfs("zh", "large")) as doc:
        lines = []
        for page in doc.pages:
            lines += [line["text"] for line in page.extract_text_lines()]
            assert all(c["x1"] <= page.width - 40 for c in page.chars)
    han = [line for line in lines if re.search(r"[\u4e00-\u9fff]{10}", line)]
    assert len(han) >= 3
    assert not any(line.rstrip().endswith(("-", "‐")) for line in lines)
    # Strict line breaking: no line starts with closing punctuation.
    assert not any(line.lstrip()[:1] in "。，、；：）」" for line in lines), lines


def test_pages_name_their_translations():
    english = read_page(CONTENT / "p" / "paracetamol.md")
    arabic = read_page(SAMPLES["ar"][0])
    assert english.translations == (("ar", "p/paracetamol-ar"),)
    assert arabic.translations == (("en", "p/paracetamol"),)
    html = render_page(arabic, SETTINGS, "composition/p/paracetamol-ar.html", [])
    assert (
        '<a href="../../composition/p/paracetamol.html" hreflang="en" lang="en" dir="ltr">English</a>' in html
    )
    html = render_page(english, SETTINGS, "composition/p/paracetamol.html", [])
    assert (
        'href="../../composition/p/paracetamol-ar.html" hreflang="ar" lang="ar" dir="rtl">العربية</a>' in html
    )


def test_a_bad_translations_map_is_a_warning(tmp_path):
    page = tmp_path / "x.md"
    page.write_text("---\ntitle: X\ntranslations: [ar]\n---\n**Usage:** u.\n", encoding="utf-8")
    assert read_page(page).translations == () and "translations" in read_page(page).warnings[0]
    page.write_text(
        "---\ntitle: X\ntranslations:\n  ar: ../../etc/passwd\n  zh: i/x-zh\n---\n**Usage:** u.\n"
    )
    assert read_page(page).translations == (("zh", "i/x-zh"),)


def test_rtl_bullets_sit_on_the_right(pdfs):
    with pdfplumber.open(pdfs("ar")) as doc:
        page = doc.pages[0]
        bullets = [c for c in page.chars if c["text"] == "•"]
        letters = [c for c in page.chars if "\u0600" <= c["text"][:1] <= "\u06ff"]
    assert len(bullets) >= 3
    # Inside the text column (whose right edge the heading rules mark), not in the margin.
    right = max(c["x1"] for c in letters)
    assert all(b["x1"] <= right + 1 for b in bullets)
    # Each bullet is to the right of the text of its line.
    for bullet in bullets:
        line = [c for c in letters if abs(c["bottom"] - bullet["bottom"]) < 10]
        assert line and bullet["x0"] > max(c["x1"] for c in line), bullet


def test_notdef_check_can_fail(tmp_path):
    """A character no installed font has (a private-use one) prints .notdef, and the check sees it."""
    from leaflets.pdf import html_to_pdf

    html = '<html lang="en"><title>x</title><p>Private use: \ue000\ue001</p></html>'
    data, _ = html_to_pdf(html, SETTINGS, stylesheets=False)
    (tmp_path / "n.pdf").write_bytes(data)
    assert not _no_notdef_glyphs(tmp_path / "n.pdf")


def test_check_says_which_catalogues_no_native_speaker_reviewed(tmp_path, monkeypatch):
    from click.testing import CliRunner

    import leaflets.i18n as i18n
    from leaflets.cli import cli

    out = CliRunner().invoke(cli, ["check", str(SAMPLES["ar"][0])]).output
    assert "info: the tool's 'ar' words (machine draft (LLM), 2026-12-01) have not been reviewed" in out
    # A reviewed catalogue gets no such line.
    po = (i18n.LOCALE_DIR / "ar" / "LC_MESSAGES" / "leaflets.po").read_text(encoding="utf-8")
    folder = tmp_path / "ar" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    reviewed = po.replace("X-Native-Review: none", "X-Native-Review: A. Reviewer, 2026-12-01")
    (folder / "leaflets.po").write_text(reviewed, encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n._load.cache_clear()
    try:
        assert i18n.provenance("ar").reviewed_by == "A. Reviewer, 2026-12-01"
        out = CliRunner().invoke(cli, ["check", str(SAMPLES["ar"][0])]).output
        assert "have not been reviewed" not in out
    finally:
        i18n._load.cache_clear()


BIDI_PAGE = """---
title: باراسيتامول Panadol 500 mg
---
**الاستخدام:** مسكن للألم والحمى.

## الجرعة Paracetamol 500 mg

قرص كل 6 ساعات.
"""


def _visual_lines(data: bytes) -> list[list[str]]:
    """Each printed line's words from left to right, page by page (the order a reader's eye meets).
    Words share a line when their vertical middles are within 4 pt (Arabic and Latin glyphs have
    different tops)."""
    lines = []
    with pdfplumber.open(io.BytesIO(data)) as doc:
        for page in doc.pages:
            rows: list[list[dict]] = []
            for word in sorted(page.extract_words(), key=lambda w: w["top"] + w["bottom"]):
                middle = (word["top"] + word["bottom"]) / 2
                if rows and abs(middle - (rows[-1][0]["top"] + rows[-1][0]["bottom"]) / 2) < 4:
                    rows[-1].append(word)
                else:
                    rows.append([word])
            lines += [[w["text"] for w in sorted(row, key=lambda w: w["x0"])] for row in rows]
    return lines


def test_latin_runs_the_tool_adds_to_an_arabic_leaflet_keep_their_order(tmp_path):
    """The title and headings, the running header and footer, the pharmacy under the QR code,
    the pharmacist's box and the prescription summary: each Latin name, dose and number prints
    left to right inside the Arabic line ("500 mg", never "mg 500"), and the line's parts in
    right-to-left order (render.isolated, isolated_text)."""
    page = tmp_path / "x-ar.md"
    page.write_text(BIDI_PAGE.replace("---\n**", "lang: ar\n---\n**", 1), encoding="utf-8")
    settings = SETTINGS.replace(pharmacy=Pharmacy("Corner Pharmacy", "1 High St", "0123 456 789"))
    item = {"page": str(page), "directions": "قرص واحد 250 mg كل 6 ساعات", "strength": "500 mg"}
    rx = build([{**item, "quantity": "20 mL"}], patient="Jane Doe", initials="JS", lang="ar")
    data, _ = render_prescription([read_page(page, settings)], rx, settings)
    lines = [" ".join(words) for words in _visual_lines(data)]
    text = "\n".join(lines)
    for backwards in ("mg 500", "mg 250", "mL 20", "789 456 0123", "High St 1", "Doe Jane"):
        assert backwards not in text, (backwards, text)
    # Summary: strength, title; leaflet: title, heading, footer, box (strength, medicine).
    assert text.count("500 mg") >= 7, text
    assert text.count("250 mg") == 2 and text.count("20 mL") == 2, text
    assert text.count("1 High St") == 2 and text.count("0123 456 789") >= 4, text
    # The running header reads right to left: the patient first, at the right.
    headers = [line for line in lines if "Jane Doe" in line and "Corner" in line]
    assert len(headers) >= 2 and all(h.index("Corner") < h.index("Jane") for h in headers), headers


def test_installed_fonts_are_read_without_importing_weasyprint():
    """The build's parent asks fontconfig for the fonts of a page's scripts (the build key) and
    renders nothing: it reads the same list as WeasyPrint's binding, without importing it (which
    cost the parent a second before any worker started)."""
    code = (
        "import sys; from leaflets.scripts import fonts_fingerprint, installed_families;"
        "print(bool(fonts_fingerprint('布洛芬 مرحبا')), 'weasyprint' in sys.modules);"
        "own = installed_families(); theirs = installed_families(weasyprint=True);"
        "print(own == theirs, len(own) > 0)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "False", "True", "True"], out
