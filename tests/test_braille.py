"""BRF: checked by back-translating with liblouis's own command, lou_translate, and by geometry."""

from __future__ import annotations

import dataclasses
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, ROOT, pdftotext, require
from fidelity import source_words

from leaflets import Settings, read_page
from leaflets.braille import BRF_CELLS, TABLES, USUAL_GRADE, Translator, brf_bytes, louis, table_for
from leaflets.cli import cli
from leaflets.errors import ConfigError
from leaflets.front_matter import split_front_matter
from leaflets.i18n import texts
from leaflets.model import Personal
from leaflets.reader import decode
from leaflets.render import render_html
from leaflets.settings import load_settings

FORMATS = FIXTURES / "formats"
SAMPLES = [ROOT / "content" / p for p in ("b/baclofen.md", "i/ibuprofen.md", "m/metformin.md")]
SAMPLES.append(ROOT / "content" / "a" / "amoxicillin-clavulanic-acid.md")
LANG_PAGES = {"en": ROOT / "content" / "b" / "baclofen.md"}
LANG_PAGES.update({lang: FIXTURES / "lang" / f"exemplol-{lang}.md" for lang in ("fr", "es")})


def pages_of(data: bytes) -> list[list[str]]:
    text = data.decode("ascii")
    assert text.endswith("\r\n\f")
    return [page.split("\r\n")[:-1] for page in text.split("\f")[:-1]]


def back(lines: list[str], table: str) -> list[str]:
    """Back-translate BRF lines with lou_translate, which reads backslash escapes: escape them."""
    tool = require("lou_translate")
    feed = "".join(line.replace("\\", "\\\\") + "\n" for line in lines)
    done = subprocess.run(
        [tool, "--backward", f"en-us-brf.dis,{table}"], input=feed, capture_output=True, text=True, check=True
    )
    out = done.stdout.split("\n")[: len(lines)]
    assert len(out) == len(lines), done.stderr
    return out


def tokens(text: str) -> Counter[str]:
    # Letters and digits apart: liblouis's Spanish table backtranslates ":" as "3" ("Uso3").
    return Counter(w.casefold() for w in re.findall(r"[^\W\d_]+|\d+", text))


def body_of(path: Path) -> str:
    text, _ = decode(path.read_bytes(), str(path), 1_000_000)
    return "\n".join(split_front_matter(text, str(path))[1])


@pytest.fixture(scope="module")
def brf(settings):
    cache: dict = {}

    def make(path: Path, cfg: Settings | None = None, **changes) -> bytes:
        key = (path, cfg, tuple(sorted(changes.items())))
        if key not in cache:
            s = (cfg or settings).replace(**changes)
            cache[key] = brf_bytes(read_page(path, s), s)[0]
        return cache[key]

    return make


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_every_line_and_page_fits(brf, path):
    for cells, lines in ((40, 25), (32, 20)):
        pages = pages_of(brf(path, braille_cells=cells, braille_lines=lines))
        assert len(pages) >= 2  # a title page, then the text
        for number, page in enumerate(pages, 1):
            assert len(page) == lines
            assert all(len(row) <= cells and set(row) <= BRF_CELLS for row in page), page
            # The page number sits alone at the right of the last line, and reads back as itself.
            assert page[-1].startswith(" ") and page[-1].endswith(page[-1].split()[-1])
            assert len(page[-1]) == cells
            assert back([page[-1].strip()], "en-ueb-g2.ctb")[0] == str(number)
            assert not page[0].strip() or number == 1 or page[0].strip()


@pytest.mark.parametrize(
    "lang,grade", [("en", 2), ("en", 1), ("fr", 2), ("fr", 1), ("es", 1)], ids=lambda v: str(v)
)
def test_words_come_back(brf, settings, lang, grade):
    path = LANG_PAGES[lang]
    data = brf(path, braille_grade=grade)
    table = TABLES[lang][grade]
    text = " ".join(back([row for page in pages_of(data) for row in page], table))
    wanted = tokens(" ".join(source_words(body_of(path)).elements()))
    got = tokens(text)
    kept = sum(min(n, got[w]) for w, n in wanted.items())
    assert kept / sum(wanted.values()) >= 0.97, sorted((wanted - got).items())


ALL_TABLES = sorted({t for grades in TABLES.values() for t in grades.values()})


def _lang_grade(table: str) -> tuple[str, int]:
    return next((lang, g) for lang, grades in TABLES.items() for g, t in grades.items() if t == table)


@pytest.mark.parametrize("table", ALL_TABLES)
def test_no_escapes_in_any_table(settings, table):
    lang, grade = _lang_grade(table)
    leaflet = dataclasses.replace(read_page(FORMATS / "symbols.md", settings), lang=lang)
    data, _ = brf_bytes(leaflet, settings.replace(braille_grade=grade))
    rows = [row for page in pages_of(data) for row in page]
    assert all(set(row) <= BRF_CELLS for row in rows)
    text = "\n".join(back(rows, table))
    assert not re.search(r"\\x[0-9a-f]{4}|x[0-9a-f]{4}'", text, re.I), text


#: Tables whose back-translation of these symbols is defined (fr-bfu-comp6 writes "≥" but reads
#: its cells back as dots; es-g2 reads much back wrongly), so the round trip can be checked.
SYMMETRIC = {"en-ueb-g1.ctb", "en-ueb-g2.ctb", "fr-bfu-g2.ctb", "es-g1.ctb"}


@pytest.mark.parametrize("table", ALL_TABLES)
def test_symbols_become_cells_never_a_question_mark(table):
    lang, _ = _lang_grade(table)
    translate = Translator(table, texts(lang))
    question = translate("?")
    for symbol in ("≥", "µg", "β", "≤", "°", "½", "™", "²"):
        cells = translate(symbol)
        assert cells.strip() and cells.strip() != question, (symbol, cells)
        assert set(cells) <= BRF_CELLS
        if table in SYMMETRIC:
            (text,) = back([cells.strip()], table)
            assert "?" not in text and "\\" not in text, (symbol, text)


def test_english_symbols_back_translate_exactly(brf):
    text = "\n".join(back([r for p in pages_of(brf(FORMATS / "symbols.md")) for r in p], "en-ueb-g2.ctb"))
    flat = re.sub(r"\s+", " ", text)
    for phrase in ("≥ 5 µg", "≤ 1 µg", "β receptors", "25 °C"):
        assert phrase in flat, phrase


def _print_headings(path: Path, settings) -> list[str]:
    """Section headings (h2) of the printed document, in order."""
    html = render_html(read_page(path, settings), settings)
    main = html.split("<main>", 1)[1].split("</main>", 1)[0]
    main = re.sub(r"<svg\b.*?</svg>", "", main, flags=re.S)  # the callout icon's title
    return [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<h2[^>]*>(.*?)</h2>", main, re.S)]


def _braille_headings(data: bytes, table: str, cells: int = 40) -> list[str]:
    """Centred rows after the title page: a centred heading has a blank row above it."""
    centred = []
    for page in pages_of(data)[1:]:
        rows = page[:-1]
        for i, row in enumerate(rows):
            lead = len(row) - len(row.lstrip())
            above = i == 0 or not rows[i - 1]
            if row.strip() and lead > 4 and abs(lead - (cells - len(row))) <= 1 and above:
                centred.append(row.strip())
    return back(centred, table)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_heading_order_matches_print(brf, settings, rendered, path):
    printed = _print_headings(path, settings)
    headings = _braille_headings(brf(path), "en-ueb-g2.ctb")
    assert [h.casefold() for h in headings] == [h.casefold() for h in printed]
    assert printed[1] == "Serious side effects" and printed[0] == "Usage"
    # And the PDF prints them in that order.
    text = re.sub(r"\s+", " ", pdftotext(rendered(path)))
    positions = [text.index(h, text.index(printed[i - 1]) if i else 0) for i, h in enumerate(printed)]
    assert positions == sorted(positions)


def test_grade_one_is_uncontracted(brf):
    two = brf(SAMPLES[0])
    one = brf(SAMPLES[0], braille_grade=1)
    assert len(one) > len(two)
    assert ",BACLOFEN" in one.decode() and ",BACLOFEN" not in two.decode()  # "(" contracts "of" in g2


def test_table_names_exist():
    tables = Path("/usr/share/liblouis/tables")
    for lang, grades in TABLES.items():
        for table in grades.values():
            assert (tables / table).is_file(), f"{table}: install the Debian package liblouis-data"
        assert table_for(lang, Settings()) == grades[USUAL_GRADE.get(lang, 2)]
    with pytest.raises(Exception, match="no braille table for the language 'xx'"):
        table_for("xx", Settings())


def test_personal_braille(settings):
    leaflet = read_page(SAMPLES[0], settings)
    data, _ = brf_bytes(leaflet, settings, Personal(patient="Ann Example", directions="One tablet at night"))
    rows = [r for p in pages_of(data) for r in p]
    text = " ".join(back(rows, "en-ueb-g2.ctb"))
    assert "Ann Example" in text and "One tablet at night" in text
    assert text.index("Directions from your pharmacist") < text.index("Usage")


def test_braille_settings(tmp_path):
    config = tmp_path / "leaflets.toml"
    config.write_text("[braille]\ngrade = 1\ncells = 32\nlines = 20\n")
    s = load_settings(config)
    assert (s.braille_grade, s.braille_cells, s.braille_lines) == (1, 32, 20)
    for bad in ("grade = 3", "cells = 5", "lines = 2", 'grade = "2"'):
        config.write_text(f"[braille]\n{bad}\n")
        with pytest.raises(ConfigError, match=r"\[braille\]"):
            load_settings(config)


def test_cli_writes_brf(tmp_path):
    out = tmp_path / "b.brf"
    result = CliRunner().invoke(
        cli,
        [
            "render",
            str(SAMPLES[0]),
            "--format",
            "brf",
            "-o",
            str(out),
            "--config",
            str(ROOT / "leaflets.toml"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "braille pages" in result.output and pages_of(out.read_bytes())


def test_missing_liblouis_is_a_clear_error_and_pdf_still_works(tmp_path, monkeypatch):
    import ctypes

    def no_library(name, *args, **kwargs):
        raise OSError(f"{name}: cannot open shared object file")

    louis.cache_clear()
    monkeypatch.setattr("leaflets.braille.ctypes.util.find_library", lambda name: None)
    monkeypatch.setattr("leaflets.braille.ctypes.CDLL", no_library)
    try:
        runner = CliRunner()
        args = ["render", str(SAMPLES[0]), "--config", str(ROOT / "leaflets.toml")]
        result = runner.invoke(cli, [*args, "--format", "brf", "-o", str(tmp_path / "x.brf")])
        assert result.exit_code == 2
        assert "liblouis-bin" in result.output and "Traceback" not in result.output
        assert not (tmp_path / "x.brf").exists()
        result = runner.invoke(cli, [*args, "-o", str(tmp_path / "x.pdf")])
        assert result.exit_code == 0 and (tmp_path / "x.pdf").read_bytes().startswith(b"%PDF")
    finally:
        monkeypatch.setattr("leaflets.braille.ctypes.CDLL", ctypes.CDLL)
        louis.cache_clear()


def test_addresses_are_written_uncontracted():
    """In contracted (grade 2) braille, a web or e-mail address is still written letter by
    letter, so that a reader can type it back; the text around it stays contracted."""
    from leaflets.braille import Translator

    tr = Translator("en-ueb-g2.ctb", texts("en"))
    url = "https://leaflets.example.org/composition/b/baclofen.html"
    cells = tr(f"Read the leaflet at {url}, or write to help@example.org.")
    words = cells.split(" ")
    assert back([words[4]], "en-ueb-g1.ctb") == [url + ","]
    assert back([words[8]], "en-ueb-g1.ctb") == ["help@example.org."]
    assert back([" ".join(words[:3])], "en-ueb-g2.ctb") == ["Read the leaflet"]
    assert words[2] != back([words[2]], "en-ueb-g1.ctb")[0].upper()  # "leaflet" is contracted there


def test_long_words_are_divided_within_the_line(brf):
    rows = [r for p in pages_of(brf(SAMPLES[0], braille_cells=20, braille_lines=12)) for r in p]
    assert all(len(r) <= 20 for r in rows)
    assert any(r.rstrip().endswith('"') for r in rows)  # the URL, with UEB's continuation indicator


def test_counter_offers_braille_and_audio(settings):
    from starlette.testclient import TestClient

    from leaflets.web import create_app

    # The counter answers at its bound address, and takes POSTs from its own pages only.
    app = create_app(ROOT / "content", settings, workers=0)
    with TestClient(
        app, base_url="http://127.0.0.1:8000", headers={"Origin": "http://127.0.0.1:8000"}
    ) as client:
        preview = client.get("/leaflets/baclofen").text
        assert 'href="/leaflets/baclofen.brf"' in preview and ">Braille (BRF)<" in preview
        assert 'href="/leaflets/baclofen.mp3"' in preview and ">Audio (MP3)<" in preview
        plain = client.get("/leaflets/baclofen.brf")
        assert plain.status_code == 200, plain.text  # names a missing liblouis
        assert plain.headers["content-type"].startswith("application/x-brf")
        assert plain.content == brf_bytes(read_page(SAMPLES[0], settings), settings)[0]
        form = {"patient": "Ann Example", "directions": "One tablet at night", "initials": "JS"}
        personal = client.post("/leaflets/baclofen.brf", data=form)
        assert personal.status_code == 200 and personal.headers["cache-control"] == "no-store"
        text = " ".join(back([r for p in pages_of(personal.content) for r in p], "en-ueb-g2.ctb"))
        assert "Ann Example" in text and "Ann" not in " ".join(
            back(pages_of(plain.content)[1], "en-ueb-g2.ctb")
        )
        assert client.get("/leaflets/nothing.brf").status_code == 404
        audio = client.get("/leaflets/baclofen.mp3")
        assert audio.status_code == 200 and audio.headers["content-type"] == "audio/mpeg"
        assert audio.content[:3] == b"ID3"


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_a_heading_is_never_left_at_the_foot_of_a_page(brf, path):
    for cells, lines in ((40, 25), (32, 20), (24, 12)):
        for page in pages_of(brf(path, braille_cells=cells, braille_lines=lines))[1:]:
            body = page[:-1]
            for i, row in enumerate(body):
                lead = len(row) - len(row.lstrip())
                heading = row.strip() and lead > 3 and (i == 0 or not body[i - 1])
                if heading and i > 0:
                    assert any(r.strip() for r in body[i + 1 :]), (cells, lines, body)


# -- a whole prescription ---------------------------------------------------------------------

RX_PAGES = [ROOT / "content" / p for p in ("s/salbutamol.md", "b/baclofen.md", "i/ibuprofen.md")]


def rx_of(settings, patient="Ann Example"):
    from leaflets.prescription import build

    leaflets = [read_page(p, settings) for p in RX_PAGES]
    items = [
        {"page": "salbutamol", "directions": "Two puffs when needed", "strength": "Inhaler", "quantity": "1"},
        {"page": "baclofen", "directions": "Half a tablet at night"},
        {"page": "ibuprofen", "quantity": "24"},
    ]
    return leaflets, build(items, patient=patient, initials="JS", date="2026-12-01")


def test_a_prescription_in_braille_starts_with_its_summary(settings):
    """Summary first (patient, directions exactly as typed, each medicine in order), then each
    leaflet from its own title page; pages numbered straight through, and the summary's "page N"
    is the braille page where that leaflet's title page is."""
    from leaflets.braille import prescription_brf

    leaflets, rx = rx_of(settings)
    data, count = prescription_brf(leaflets, rx, settings)
    pages = pages_of(data)
    assert count == len(pages) > 3
    numbers = [" ".join(back([p[-1].strip()], "en-ueb-g2.ctb")) for p in pages]
    assert numbers == [str(n) for n in range(1, len(pages) + 1)]
    read = [" ".join(back([r for r in p[:-1] if r.strip()], "en-ueb-g2.ctb")) for p in pages]
    summary = read[1]
    assert "Your medicines" in summary and "Ann Example" in summary
    assert "Two puffs when needed" in summary and "Half a tablet at night" in summary
    titles = [lf.title for lf in leaflets]
    assert [summary.index(t) for t in titles] == sorted(summary.index(t) for t in titles)
    starts = [int(n) for n in re.findall(r"page (\d+)", summary)]
    assert len(starts) == 3
    for title, start in zip(titles, starts, strict=True):
        assert read[start - 1].split()[0] == title.split()[0], (title, start)  # its title page
    # Each leaflet's own personal box, with its directions.
    assert "Half a tablet at night" in " ".join(read[starts[1] :])


def test_counter_makes_a_prescription_in_braille_and_audio(settings):
    from urllib.parse import urlencode

    from starlette.testclient import TestClient

    from leaflets.web import create_app

    app = create_app(ROOT / "content", settings, workers=0)
    here = "http://127.0.0.1:8000"
    typed = {"content-type": "application/x-www-form-urlencoded"}
    with TestClient(app, base_url=here, headers={"Origin": here}) as client:
        app.state.library.wait(60)
        form = [("patient", "Ann Example"), ("date", "2026-12-01"), ("slug", "salbutamol")]
        form += [("directions", "Two puffs when needed"), ("slug", "baclofen"), ("directions", "")]
        for suffix, kind in (("brf", "application/x-brf"), ("mp3", "audio/mpeg")):
            response = client.post(f"/prescriptions.{suffix}", content=urlencode(form), headers=typed)
            assert response.status_code == 200, response.text
            assert response.headers["content-type"].startswith(kind)
            assert response.headers["cache-control"] == "no-store"
            assert f'filename="prescription-2026-12-01.{suffix}"' in response.headers["content-disposition"]
        brf = client.post("/prescriptions.brf", content=urlencode(form), headers=typed).content
        assert "Two puffs when needed" in " ".join(back(pages_of(brf)[1], "en-ueb-g2.ctb"))
        # A medicine whose language has no braille table is named, not a crash.
        arabic = [("slug", "paracetamol-ar"), ("slug", "baclofen")]
        refused = client.post("/prescriptions.brf", content=urlencode(arabic), headers=typed)
        assert refused.status_code == 503 and "paracetamol-ar" in refused.text


def test_render_several_pages_as_one_braille_file(tmp_path):
    out = tmp_path / "pack.brf"
    result = CliRunner().invoke(cli, ["render", "salbutamol", "baclofen", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "2 leaflets" in result.output and "braille pages" in result.output
    pages = pages_of(out.read_bytes())
    summary = " ".join(back(pages[1], "en-ueb-g2.ctb"))
    assert "Your medicines" in summary and summary.index("Salbutamol") < summary.index("Baclofen")
    # The file holds the leaflets too, not just the summary: each starts on the page it names.
    starts = [int(n) for n in re.findall(r"page (\d+)", summary)]
    assert len(starts) == 2 and starts[-1] <= len(pages)
    for title, start in zip(("Salbutamol", "Baclofen"), starts, strict=True):
        first_words = " ".join(back([r for r in pages[start - 1] if r.strip()], "en-ueb-g2.ctb")).split()
        assert first_words[0] == title, (title, start)
    assert CliRunner().invoke(cli, ["render", "salbutamol", "baclofen", "--format", "html"]).exit_code == 2


def test_the_title_page_traces_the_revision_not_the_source_file(brf, settings):
    """As in print (issue 12): "Revision … · date" for the reader, the file path only in the
    manifest and metadata."""
    leaflet = read_page(SAMPLES[0], settings)
    title_page = " ".join(back(pages_of(brf(SAMPLES[0]))[0], "en-ueb-g2.ctb"))
    assert f"Revision {leaflet.revision[:8]}" in title_page
    assert ".md" not in title_page and "Source" not in title_page
