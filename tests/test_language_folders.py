"""Between languages: the same file name in language folders (``en/b/baclofen.md``,
``fr/b/baclofen.md``) is the same medicine in each language, linked as ``translations:`` links."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from conftest import BASE_URL, ROOT
from test_web import counter

from leaflets import Settings, read_page
from leaflets.build import build_library
from leaflets.check import check_pages
from leaflets.cli import cli
from leaflets.discover import folder_language, folder_translations, page_slug
from leaflets.translations import translations
from leaflets.web import create_app

ARABIC = """---
title: باكلوفين
---
**الاستخدام:** باكلوفين يرخي العضلات المتيبسة.
"""


@pytest.fixture
def library(tmp_path):
    """A library with the same page in English, French and Arabic, and one page outside them."""
    root = tmp_path / "content"
    for lang in ("en", "fr"):
        (root / lang / "b").mkdir(parents=True)
        shutil.copy(ROOT / "content/b/baclofen.md", root / lang / "b/baclofen.md")
    (root / "ar/b").mkdir(parents=True)
    (root / "ar/b/baclofen.md").write_text(ARABIC, encoding="utf-8")
    (root / "s").mkdir()
    shutil.copy(ROOT / "content/s/salbutamol.md", root / "s/salbutamol.md")
    return root


def test_a_language_folder_is_a_language_tag_babel_knows():
    assert [folder_language(n) for n in ("fr", "ar", "zh-CN", "zh-Hans", "pt-BR")] == [
        "fr",
        "ar",
        "zh-CN",
        "zh-Hans",
        "pt-BR",
    ]
    # Letter folders, unknown codes, other spellings and three-letter names that Babel knows
    # (``src`` is Sranan Tongo) are plain folders.
    assert not any(folder_language(n) for n in ("b", "xx", "EN", "fr_FR", "src", "composition"))


def test_a_page_in_a_language_folder_has_the_language_in_its_slug():
    assert page_slug("fr/b/baclofen.md") == "baclofen-fr"
    assert page_slug("zh-CN/i/ibuprofen") == "ibuprofen-zh-cn"
    assert page_slug("fr/b/baclofen-fr.md") == "baclofen-fr"  # said once
    assert page_slug("b/baclofen.md") == "baclofen"
    assert page_slug("src/b/baclofen.md") == "baclofen"
    # A top-level file is in no folder, whatever its name.
    assert page_slug("fr.md") == "fr"


def test_pages_in_language_folders_are_that_language_and_name_each_other(library):
    settings = Settings(base_url=BASE_URL, content_dir=library)
    french = read_page(library / "fr/b/baclofen.md", settings)
    assert (french.lang, french.slug, french.relpath) == ("fr", "baclofen-fr", "fr/b/baclofen")
    assert french.translations == ()  # the front matter names none: the folders do
    found = {t.lang: t for t in translations(french, settings)}
    assert set(found) == {"ar", "en"}
    assert (found["ar"].slug, found["ar"].path, found["ar"].dir) == (
        "baclofen-ar",
        "composition/b/baclofen-ar.html",
        "rtl",
    )
    assert folder_translations(library / "ar/b/baclofen.md", "ar/b/baclofen.md") == (
        ("en", "en/b/baclofen"),
        ("fr", "fr/b/baclofen"),
    )
    # A page outside the language folders has none, even with the same file name.
    shutil.copy(library / "en/b/baclofen.md", library / "b.md")
    assert folder_translations(library / "s/salbutamol.md", "s/salbutamol.md") == ()
    # The front matter's map wins for a language it names.
    page = library / "en/b/baclofen.md"
    page.write_text(
        page.read_text().replace("title: Baclofen", "title: Baclofen\ntranslations: {fr: s/salbutamol}")
    )
    english = read_page(page, settings)
    assert {t.lang: t.slug for t in translations(english, settings)} == {
        "fr": "salbutamol",
        "ar": "baclofen-ar",
    }


def test_a_page_that_says_another_language_than_its_folder_is_warned(library):
    page = library / "fr/b/baclofen.md"
    page.write_text(page.read_text().replace("title: Baclofen", "title: Baclofen\nlang: de"))
    leaflet = read_page(page, Settings(content_dir=library))
    assert leaflet.lang == "de"
    assert any("'fr/'" in w and "'de'" in w for w in leaflet.warnings), leaflet.warnings


def test_the_site_gives_each_language_its_own_page_and_links_them(library, tmp_path):
    out = tmp_path / "site"
    report = build_library(library, out, Settings(base_url=BASE_URL), jobs=0, pdf=False, html=True)
    # Before language folders, all three claimed composition/b/baclofen.html, and all three lost.
    assert report.ok, [(p.source, p.reason) for p in report.pages if p.status != "rendered"]
    manifest = {p["source"]: p for p in json.loads((out / "manifest.json").read_text())["pages"]}
    assert {s: (p["slug"], p["lang"]) for s, p in manifest.items()} == {
        "ar/b/baclofen.md": ("baclofen-ar", "ar"),
        "en/b/baclofen.md": ("baclofen-en", "en"),
        "fr/b/baclofen.md": ("baclofen-fr", "fr"),
        "s/salbutamol.md": ("salbutamol", "en"),
    }
    assert manifest["fr/b/baclofen.md"]["url"] == f"{BASE_URL}/composition/b/baclofen-fr.html"
    french = (out / "composition/b/baclofen-fr.html").read_text()
    assert (
        '<a href="../../composition/b/baclofen-ar.html" hreflang="ar" lang="ar" dir="rtl">العربية</a>'
        in french
    )
    assert '<a href="../../composition/b/baclofen-en.html" hreflang="en"' in french
    assert 'class="translations"' not in (out / "composition/s/salbutamol.html").read_text()
    # A page added in another folder relinks the others at the next build (it is in their key).
    (library / "de/b").mkdir(parents=True)
    shutil.copy(library / "en/b/baclofen.md", library / "de/b/baclofen.md")
    report = build_library(library, out, Settings(base_url=BASE_URL), jobs=0, pdf=False, html=True)
    status = {p.source: p.status for p in report.pages}
    assert status == {
        "ar/b/baclofen.md": "rendered",
        "de/b/baclofen.md": "rendered",
        "en/b/baclofen.md": "rendered",
        "fr/b/baclofen.md": "rendered",
        "s/salbutamol.md": "unchanged",
    }
    assert (
        'href="../../composition/b/baclofen-de.html" hreflang="de"'
        in (out / "composition/b/baclofen-fr.html").read_text()
    )


def test_a_translation_link_goes_where_its_page_says_it_lives(library, tmp_path):
    """A linked page's own ``permalink:`` is where the link goes, and moving it relinks the
    pages that name it, in a folder or in a ``translations:`` map, at the next build."""
    arabic = library / "ar/b/baclofen.md"
    arabic.write_text(ARABIC.replace("---\n**", "permalink: /ar/baclofen.html\n---\n**"), encoding="utf-8")
    salbutamol = library / "s/salbutamol.md"
    salbutamol.write_text(
        salbutamol.read_text().replace("---\n", "---\ntranslations:\n  ar: ar/b/baclofen\n", 1)
    )
    out, settings = tmp_path / "site", Settings(base_url=BASE_URL)
    report = build_library(library, out, settings, jobs=0, pdf=False, html=True)
    assert report.ok, [(p.source, p.reason) for p in report.pages if p.status != "rendered"]
    assert (out / "ar/baclofen.html").exists()
    for page in ("composition/b/baclofen-fr.html", "composition/s/salbutamol.html"):
        assert 'href="../../ar/baclofen.html" hreflang="ar"' in (out / page).read_text(), page
    arabic.write_text(
        arabic.read_text().replace("/ar/baclofen.html", "/ar/b/baclofen.html"), encoding="utf-8"
    )
    report = build_library(library, out, settings, jobs=0, pdf=False, html=True)
    assert {p.source for p in report.pages if p.status == "rendered"} == {
        "ar/b/baclofen.md",
        "en/b/baclofen.md",
        "fr/b/baclofen.md",
        "s/salbutamol.md",
    }
    for page in ("composition/b/baclofen-fr.html", "composition/s/salbutamol.html"):
        assert 'href="../../ar/b/baclofen.html" hreflang="ar"' in (out / page).read_text(), page


def test_a_language_folder_page_and_a_page_of_the_same_slug_share_no_path(library):
    """``b/baclofen-fr.md`` and ``fr/b/baclofen.md`` are both ``baclofen-fr``: neither owns it."""
    shutil.copy(library / "en/b/baclofen.md", library / "s/baclofen-fr.md")
    reports = check_pages([library], Settings(base_url=BASE_URL, content_dir=library))
    lost = {r.source for r in reports if any(p.code == "duplicate-url" for p in r.problems)}
    assert lost == {"fr/b/baclofen.md", "s/baclofen-fr.md"}


def test_the_counter_offers_each_language_and_prints_it(library):
    settings = Settings(base_url=BASE_URL)
    with counter(create_app(library, settings, workers=0)) as client:
        html = client.get("/leaflets/baclofen-en").text
        offer = '<a href="/leaflets/baclofen-{}">Print in <span lang="{}" dir="{}">{}</span></a>'
        assert offer.format("fr", "fr", "ltr", "français") in html
        assert offer.format("ar", "ar", "rtl", "العربية") in html
        arabic = client.get("/leaflets/baclofen-ar")
        assert arabic.status_code == 200 and 'lang="ar" dir="rtl"' in arabic.text
        assert client.get("/leaflets/baclofen-fr.pdf").content.startswith(b"%PDF-")
        # Each is listed once, under its own name: no page shadows another.
        slugs = sorted(r["slug"] for r in client.get("/api/search?q=baclofen").json()["results"])
        assert slugs == ["baclofen-ar", "baclofen-en", "baclofen-fr"]
        # A page removed is no longer offered; one added is offered at once.
        (library / "ar/b/baclofen.md").unlink()
        (library / "de/b").mkdir(parents=True)
        shutil.copy(library / "en/b/baclofen.md", library / "de/b/baclofen.md")
        client.app.state.library.scan()
        assert client.app.state.library.wait(60)
        html = client.get("/leaflets/baclofen-en").text
        assert "/leaflets/baclofen-ar" not in html
        assert offer.format("de", "de", "ltr", "Deutsch") in html


def test_the_command_line_finds_a_page_by_its_slug(library, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "leaflets.toml").write_text(f'[content]\ndir = "{library}"\n')
    result = CliRunner().invoke(cli, ["render", "baclofen-ar", "-o", "out/"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out/baclofen-ar.pdf").read_bytes().startswith(b"%PDF-")


def test_a_name_that_fits_several_pages_is_a_usage_error_that_lists_them(library, tmp_path, monkeypatch):
    """``render baclofen`` with only language-folder copies used to print the first (en) one."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "leaflets.toml").write_text(f'[content]\ndir = "{library}"\n')
    result = CliRunner().invoke(cli, ["render", "baclofen", "-o", "out/"])
    assert result.exit_code == 2, result.output
    assert "'baclofen' names 3 pages" in result.output
    for lang in ("ar", "en", "fr"):
        assert f"baclofen-{lang} ({lang}/b/baclofen.md)" in result.output
    assert not (tmp_path / "out").exists()
    assert "Traceback" not in result.output
