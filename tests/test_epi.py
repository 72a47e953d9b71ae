"""Issue 17: FHIR ePI bundles read into the same content model as markdown pages.

The three CC0 samples (tests/fixtures/official, see its README) print as PDF/UA-1 leaflets; two of
them are read only through named normalisations; hostile variants give one-line errors.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import page as pdf_validator
import pikepdf
import pytest
from click.testing import CliRunner
from conftest import BASE_URL, FIXTURES, pdftotext, squash

from leaflets import Kind, Settings, Severity
from leaflets.cli import cli
from leaflets.errors import ContentError
from leaflets.labels import classify
from leaflets.pdf import write_pdf
from leaflets.reader import parse_page, read_page
from leaflets.render import leaflet_url, render_html

OFFICIAL = FIXTURES / "official"
PARACETAMOL = OFFICIAL / "bundle-epi-type1-example-paracetamol.json"
MORPHINE = OFFICIAL / "bundle-epi-type1-example-morphine.json"
IBRANCE = OFFICIAL / "Bundle-ibranceusppibundleEnglish.json"
SETTINGS = Settings(base_url=BASE_URL, content_dir=OFFICIAL)


def read(path: Path, settings: Settings = SETTINGS):
    return read_page(path, content_root=settings.content_dir, **settings.read_options)


def parse(data: dict, name: str = "variant.json", settings: Settings = SETTINGS):
    return parse_page(json.dumps(data).encode(), name, **settings.read_options)


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def kinds(leaflet) -> list[tuple[str, str]]:
    return [(s.kind.value, s.label) for s in leaflet.sections]


# -- mapping ---------------------------------------------------------------------------------


def test_paracetamol_sections_map_by_qrd_number_inside_the_wrapper():
    leaflet = read(PARACETAMOL)
    assert leaflet.source_format == "epi" and leaflet.slug == "bundle-epi-type1-example-paracetamol"
    assert [k for k, _ in kinds(leaflet)] == [
        "usage",
        "precautions",
        "dosage",
        "side_effects",
        "storage",
        "other",
    ]
    assert leaflet.sections[3].label == "4. Possible side effects"  # QRD numbering stays
    assert leaflet.lang == "en"
    assert leaflet.revision.startswith("epi-paracetamol-t1 · ")  # Bundle.identifier
    assert leaflet.date == "2024-03-20T10:00:00Z"  # as written
    codes = {p.code for p in leaflet.problems}
    assert {"r4-single-value", "wrapper", "repeated-title", "composition-narrative"} <= codes


def test_section_four_urgent_paragraph_is_the_serious_callout():
    side = read(PARACETAMOL).of_kind(Kind.SIDE_EFFECTS)[0]
    serious = [g for g in side.groups if g.severity is Severity.SERIOUS]
    common = [g for g in side.groups if g.severity is Severity.COMMON]
    assert len(serious) == 1 and "immediately" in serious[0].blocks[0].html
    assert "not everybody gets them" in common[0].blocks[0].html


def test_morphine_codes_that_contradict_the_qrd_number_are_warned_and_read_by_title():
    leaflet = read(MORPHINE)
    assert [k for k, _ in kinds(leaflet)][3:] == ["side_effects", "storage", "other"]
    mismatches = [p for p in leaflet.problems if p.code == "code-mismatch"]
    assert len(mismatches) == 3 and all(p.level == "warning" and p.line for p in mismatches)
    assert leaflet.revision.startswith("composition-morphine-type1 · ")  # no Bundle.identifier


def test_ibrance_question_titles_map_by_the_vocabulary():
    leaflet = read(IBRANCE)
    assert kinds(leaflet)[:6] == [
        ("intro", "PATIENT PACKAGE INSERT SECTION"),
        ("side_effects", "What is the most important information I should know about IBRANCE?"),
        ("usage", "What is IBRANCE?"),
        (
            "precautions",
            "Before taking IBRANCE, tell your healthcare provider about all of your medical "
            "conditions, including if you:",
        ),
        ("dosage", "How should I take IBRANCE?"),
        ("side_effects", "What are the possible side effects of IBRANCE?"),
    ]
    assert all(s.code for s in leaflet.sections[1:])  # every one mapped: no unknown warning
    most = leaflet.sections[1]
    assert all(g.severity is Severity.SERIOUS for g in most.groups)


def test_each_normalisation_is_named_in_a_check_info_line():
    result = CliRunner().invoke(cli, ["check", str(IBRANCE), str(PARACETAMOL), str(MORPHINE)])
    out = result.output
    for words in (
        "empty string(s)",
        "is a single value (R4)",
        "(R4) moved to meta.security",
        "(R4) moved to contact",
    ):
        assert any(": info: tolerated:" in line and words in line for line in out.splitlines()), words
    tolerated = [line for line in out.splitlines() if ": info: tolerated:" in line]
    assert sum("Bundle-ibrance" in line for line in tolerated) == 4
    assert sum("paracetamol" in line for line in tolerated) == 1
    assert not any("morphine" in line for line in tolerated)  # already strict R5
    assert "confidentiality (R4) moved to meta.security" in out
    assert "Traceback" not in out


def test_without_the_normalisations_strict_r5_rejects_the_samples(monkeypatch):
    import leaflets.epi

    monkeypatch.setattr(leaflets.epi, "normalise", lambda data: (data, []))
    for path in (PARACETAMOL, IBRANCE):
        with pytest.raises(ContentError, match="not a valid FHIR R5 Bundle"):
            read(path)
    read(MORPHINE)


def test_anything_else_strict_r5_rejects_is_an_error():
    data = load(MORPHINE)
    data["entry"][0]["resource"]["colour"] = "blue"
    with pytest.raises(ContentError, match=r"variant.json: not a valid FHIR R5 Bundle: .*colour"):
        parse(data)


def test_a_bundle_that_is_not_a_document_is_refused():
    data = load(MORPHINE)
    data["type"] = "collection"
    with pytest.raises(ContentError, match="first entry is a Composition"):
        parse(data)


# -- printing --------------------------------------------------------------------------------

KEY_PHRASES = {
    PARACETAMOL: [
        "1. What Paracetamol 500 mg tablets is and what it is used for",
        "relieve mild to moderate pain and fever",
        "Do not take Paracetamol:",
        "Do not take more than 6 tablets in any 24-hour period",
        "Stop taking the medicine and tell your doctor immediately",
        "Keep this medicine out of the sight and reach of children",
        "pregelatinized starch",
    ],
    MORPHINE: [
        "opioid analgesic used for severe pain",
        "Do not take if allergic to morphine",
        "Use as directed by your doctor",
        "May cause nausea, vomiting, or constipation",
        "Keep out of reach of children",
        "Morphine hydrochloride 1 mg/ml",
    ],
    IBRANCE: [
        "PATIENT INFORMATION",
        "Low white blood cell counts (neutropenia)",
        "It is not known if IBRANCE is safe and effective in children",
        "Talk to your healthcare provider about birth control methods",
        "Swallow IBRANCE tablets whole",
        "hair thinning or hair loss",
        "Store IBRANCE at 68 °F to 77 °F",
        "Inactive ingredients: microcrystalline cellulose",
        "This Patient Information has been approved by the U.S. Food and Drug Administration",
    ],
}


@pytest.mark.slow
@pytest.mark.parametrize("path", list(KEY_PHRASES), ids=lambda p: p.stem)
def test_samples_print_as_pdf_ua_with_every_sections_key_phrases(path, tmp_path):
    leaflet = read(path)
    out = tmp_path / "leaflet.pdf"
    write_pdf(leaflet, out, SETTINGS)
    text = squash(pdftotext(out))
    for phrase in KEY_PHRASES[path]:
        assert squash(phrase) in text, phrase
    for section in leaflet.sections:
        if section.kind is not Kind.INTRO:
            assert squash(section.label) in text, section.label
    report = pdf_validator.validate_pdf(str(out), profile="ua1")
    assert report.is_compliant, sorted({f.rule_id for f in report.failures})
    assert squash(f"{path.name} · revision {leaflet.revision}") in text  # traceable


@pytest.mark.slow
def test_lang_comes_from_the_composition_or_else_from_settings(tmp_path):
    spanish = load(PARACETAMOL)
    composition = spanish["entry"][0]["resource"]
    composition["language"] = "es"
    composition["title"] = "Prospecto: información para el usuario - Paracetamol 500 mg comprimidos"
    composition["section"][0]["section"][3]["title"] = "4. Posibles efectos adversos"
    composition["section"][0]["section"][3]["text"]["div"] = (
        '<div xmlns="http://www.w3.org/1999/xhtml"><p>Deje de tomar el medicamento y consulte a su '
        "médico inmediatamente si nota una erupción en la piel.</p></div>"
    )
    leaflet = parse(spanish, "paracetamol-es.json")
    assert leaflet.lang == "es"
    side = leaflet.of_kind(Kind.SIDE_EFFECTS)[0]
    assert side.groups[0].severity is Severity.SERIOUS  # "inmediatamente", the same vocabulary
    out = tmp_path / "es.pdf"
    write_pdf(leaflet, out, SETTINGS)
    with pikepdf.open(out) as pdf:
        assert str(pdf.Root.Lang) == "es"
    # Morphine's Composition has no language: [content] lang decides.
    french = SETTINGS.replace(lang="fr")
    morphine = read(MORPHINE, french)
    assert morphine.lang == "fr"
    write_pdf(morphine, out, french)
    with pikepdf.open(out) as pdf:
        assert str(pdf.Root.Lang) == "fr"


def test_qr_goes_to_the_site_or_an_official_host_only():
    leaflet = read(MORPHINE)
    assert (
        leaflet_url(leaflet, SETTINGS) == f"{BASE_URL}/composition/b/bundle-epi-type1-example-morphine.html"
    )
    data = load(MORPHINE)
    data["entry"][0]["resource"]["url"] = "https://epi.example.eu/leaflets/morphine"
    official = parse(data)
    with pytest.raises(ContentError, match="official_hosts"):
        leaflet_url(official, SETTINGS)
    allowed = SETTINGS.replace(official_hosts=("epi.example.eu",))
    assert leaflet_url(official, allowed) == "https://epi.example.eu/leaflets/morphine"


# -- hostile variants --------------------------------------------------------------------------


def test_xhtml_script_style_and_file_images_are_inert():
    data = load(MORPHINE)
    data["entry"][0]["resource"]["section"][0]["text"]["div"] = (
        '<div xmlns="http://www.w3.org/1999/xhtml"><p>Safe words.</p>'
        "<script>alert('owned')</script><style>body{background:url(file:///etc/passwd)}</style>"
        '<p><img src="file:///etc/passwd" alt="pack photo"/> <a href="javascript:alert(1)">link text</a>'
        '<span onclick="x()" style="color:red">styled</span></p></div>'
    )
    leaflet = parse(data)
    html = render_html(leaflet, SETTINGS)
    assert "Safe words." in html and "pack photo" in html and "link text" in html
    for bad in ("alert", "<script", "<style>body", "file:", "javascript", "onclick", "<img", "color:red"):
        assert bad not in html.split("<main>")[1], bad


def test_deeply_nested_sections_are_refused_in_one_line():
    data = load(MORPHINE)
    section = {
        "title": "Deep",
        "text": {"status": "additional", "div": '<div xmlns="http://www.w3.org/1999/xhtml">x</div>'},
    }
    top = node = copy.deepcopy(section)
    for _ in range(150):
        child = copy.deepcopy(section)
        node["section"] = [child]
        node = child
    data["entry"][0]["resource"]["section"].append(top)
    with pytest.raises(ContentError, match="nested too deeply") as info:
        parse(data)
    assert "\n" not in str(info.value)


def test_a_50_mb_bundle_is_refused_at_max_bytes_xml(tmp_path):
    big = tmp_path / "big.json"
    with big.open("wb") as fh:
        fh.write(b'{"resourceType": "Bundle", "type": "document", "entry": [], "pad": "')
        fh.truncate(50 * 1024 * 1024)
    result = CliRunner().invoke(cli, ["check", str(big)])
    assert result.exit_code == 1
    assert "big.json: error: file is 52,428,800 bytes, over the 20,000,000-byte limit" in result.output
    assert "Traceback" not in result.output


def test_broken_json_gives_file_and_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"resourceType": "Bundle",\n "type": document}\n')
    with pytest.raises(ContentError, match=r"bad.json:2: not valid JSON"):
        read(bad)


# -- writing ePI: the round trip -----------------------------------------------------------------

CONTENT = Path(__file__).resolve().parent.parent / "content"
CONTENT_PAGES = sorted(CONTENT.rglob("*.md"))
CONFIG = CONTENT.parent / "leaflets.toml"


def _shape(leaflet) -> list[tuple]:
    """Sections (kind, label), their groups (severity, label, heading?) with each block's severity
    and words, and FAQ pairs: what the print is made of."""
    from leaflets.sanitize import text_of

    def words(html: str) -> str:
        return " ".join(text_of(html).split())

    return sorted(
        (
            (
                s.kind.value,
                s.label,
                tuple(
                    (
                        g.severity.value,
                        words(g.label or ""),
                        g.label_is_heading,
                        tuple((type(b).__name__, b.severity.value, words(b.html)) for b in g.blocks),
                    )
                    for g in s.groups
                ),
                tuple((words(f.question), words(f.answer)) for f in s.faqs),
                words(s.html),
            )
            for s in leaflet.all_sections()
        ),
        key=repr,
    )


def _printed_words(leaflet) -> str:
    from leaflets.sanitize import text_of

    main = render_html(leaflet, SETTINGS).split("<main>")[1].split("</main>")[0]
    return " ".join(text_of(main).split())


@pytest.mark.parametrize("page", CONTENT_PAGES, ids=lambda p: p.stem)
def test_round_trip_prints_the_same_words_sections_and_severities(page):
    from fhir.resources.bundle import Bundle

    from leaflets.epi_export import export_epi

    original = read_page(page, content_root=CONTENT, **SETTINGS.read_options)
    data = export_epi(original)
    bundle = json.loads(data)
    Bundle.model_validate(bundle)  # strict R5, on its own
    assert bundle["type"] == "document" and bundle["identifier"]["value"].startswith("urn:uuid:")
    entries = bundle["entry"]
    assert len(entries) == 1 and entries[0]["resource"]["resourceType"] == "Composition"
    composition = entries[0]["resource"]
    assert composition["type"]["coding"][0]["code"] == "100000155538"  # Package Leaflet
    assert composition["language"] == original.lang and composition["status"] == "preliminary"
    assert "RegulatedAuthorization" not in data.decode() and "spor.ema.europa.eu/v1/lists/2000" not in str(
        composition["subject"]
    )
    numbers = [
        qrd[2]
        for s in composition["section"]
        for c in s.get("code", {}).get("coding", [])
        if (qrd := __import__("leaflets.codes").codes.QRD.get(c["code"]))
    ]
    assert numbers == sorted(numbers) and 4 in numbers  # QRD order, side effects coded
    titles = [s.get("title") for s in composition["section"]]
    # the disclaimer and note come last, under the page's own labels, in the page's language
    assert [classify(t) for t in titles[-2:]] == [Kind.DISCLAIMER, Kind.NOTE]
    again = parse_page(data, str(page.with_suffix(".json")), content_root=CONTENT, **SETTINGS.read_options)
    assert again.title == original.title and again.lang == original.lang
    assert _shape(again) == _shape(original)
    assert _printed_words(again) == _printed_words(original)


def test_serious_groups_are_titled_sub_sections_of_section_four():
    from leaflets.epi_export import to_bundle

    leaflet = read_page(CONTENT / "p" / "paracetamol.md", content_root=CONTENT)
    composition = to_bundle(leaflet)["entry"][0]["resource"]
    side = next(s for s in composition["section"] if s.get("title") == "Side Effects")
    assert side["code"]["coding"][0]["code"] == "200000029910"
    titles = [s.get("title") for s in side["section"]]
    assert "Less common but more serious side effects include:" in titles


def test_export_cli_writes_one_bundle_per_page_and_reports_bad_ones(tmp_path):
    result = CliRunner().invoke(
        cli,
        ["export", "baclofen", "no-such-page", str(IBRANCE), "-o", str(tmp_path), "--config", str(CONFIG)],
    )
    assert result.exit_code == 1
    assert (tmp_path / "b" / "baclofen.json").is_file()  # the content folder's layout
    assert "no page named 'no-such-page'" in result.output
    assert "only markdown pages are exported as ePI" in result.output
    assert "Traceback" not in result.output
    assert read(tmp_path / "b" / "baclofen.json").title == "Baclofen"


# -- folders that mix markdown, ePI and SPL ------------------------------------------------------


@pytest.fixture()
def mixed(tmp_path):
    import shutil

    root = tmp_path / "content"
    (root / "b").mkdir(parents=True)
    shutil.copy(CONTENT / "b" / "baclofen.md", root / "b" / "baclofen.md")
    shutil.copy(MORPHINE, root / "b" / "morphine.json")
    shutil.copy(OFFICIAL / "cough.xml", root / "b" / "cough.xml")
    return root


@pytest.mark.slow
def test_build_and_site_work_on_a_mixed_folder_incrementally(mixed, tmp_path):
    from leaflets.build import build_library

    out = tmp_path / "dist"
    report = build_library(mixed, out, SETTINGS, jobs=1, html=True)
    assert {p.source: p.status for p in report.pages} == {
        "b/baclofen.md": "rendered",
        "b/cough.xml": "rendered",
        "b/morphine.json": "rendered",
    }
    for name in ("b/morphine.pdf", "b/cough.pdf", "composition/m/morphine.html", "composition/c/cough.html"):
        assert (out / name).is_file(), name
    assert "Morphine Unimedic" in (out / "index.html").read_text()
    again = build_library(mixed, out, SETTINGS, jobs=1, html=True)
    assert {p.status for p in again.pages} == {"unchanged"}
    (mixed / "b" / "morphine.json").write_text(
        MORPHINE.read_text().replace("Keep out of reach", "Keep away from")
    )
    third = build_library(mixed, out, SETTINGS, jobs=1, html=True)
    assert {p.source: p.status for p in third.pages}["b/morphine.json"] == "rendered"
    assert {p.source: p.status for p in third.pages}["b/cough.xml"] == "unchanged"


def test_a_slug_shared_with_a_markdown_page_is_an_error(mixed, tmp_path):
    import shutil

    from leaflets.build import build_library

    shutil.copy(PARACETAMOL, mixed / "b" / "baclofen.json")
    result = CliRunner().invoke(cli, ["check", str(mixed)])
    assert result.exit_code == 1
    assert "baclofen.json: error: slug 'baclofen' is also" in result.output
    assert "baclofen.md: error: slug 'baclofen' is also" in result.output
    report = build_library(mixed, tmp_path / "dist", SETTINGS, jobs=1, pdf=False, html=False)
    failed = {p.source: p.reason for p in report.pages if p.status == "failed"}
    assert set(failed) == {"b/baclofen.md", "b/baclofen.json"}


def test_the_counter_serves_official_leaflets(mixed):
    from starlette.testclient import TestClient

    from leaflets.web import create_app

    app = create_app(mixed, SETTINGS, workers=0)
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:  # the bound address
        app.state.library.wait(120)
        hits = client.get("/api/search", params={"q": "morphine"}).json()["results"]
        assert [h["slug"] for h in hits] == ["morphine"]
        page = client.get("/leaflets/cough")
        assert page.status_code == 200 and "Drug Facts" not in page.text  # prints what it says
        assert "Stop use and ask a doctor if" in page.text
        pdf = client.get("/leaflets/morphine.pdf")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"


def test_check_warns_only_about_sections_nothing_maps():
    out = CliRunner().invoke(cli, ["check", str(OFFICIAL)]).output
    unknown = [line for line in out.splitlines() if "unknown section" in line]
    assert unknown and all("cough.xml" in line for line in unknown)  # "Other informaton", …
    assert "Contents of the pack" not in "".join(unknown) and "Manufacturer" not in "".join(unknown)
    assert "no FAQ section" not in out and "no note" not in out  # markdown-page conventions
