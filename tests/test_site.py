"""The online version: every QR code resolves, on a local static server, to the right page;
the pages pass axe-core in Chromium, reflow at 200% zoom, and request nothing from outside."""

from __future__ import annotations

import functools
import http.server
import re
import subprocess
import threading
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import zxingcpp
from browser import launch, serious_violations
from conftest import BASE_URL, ROOT
from PIL import Image
from playwright.sync_api import sync_playwright

from leaflets import Settings
from leaflets.build import build_library


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    report = build_library(
        ROOT / "content", out, Settings(base_url=BASE_URL), jobs=2, html=True, sizes=("standard", "large")
    )
    assert report.ok, [(p.source, p.reason) for p in report.pages if p.reason]  # names a missing font
    return out, report


@pytest.fixture(scope="module")
def server(site):
    out, _ = site
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    handler.log_message = lambda *a: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def qr_urls(pdf: Path, tmp: Path) -> list[str]:
    tmp = tmp / pdf.stem
    tmp.mkdir()
    prefix = tmp / pdf.stem
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(prefix)], check=True)
    found = []
    for png in sorted(tmp.glob(f"{pdf.stem}-*.png")):
        found += [r.text for r in zxingcpp.read_barcodes(Image.open(png).convert("L"))]
    return found


def test_every_qr_code_resolves_to_its_page(site, server, tmp_path):
    out, report = site
    checked = 0
    for page in report.pages:
        pdf = next(o for o in page.outputs if o.size == "standard")
        (url,) = qr_urls(out / pdf.path, tmp_path)
        assert url == page.url and url.startswith(BASE_URL)
        with urllib.request.urlopen(server + urlsplit(url).path) as response:
            assert response.status == 200
            html = response.read().decode("utf-8")
        title = re.search(r"<title>(.*?)</title>", html).group(1)
        assert title == page.title.replace("&", "&amp;")
        checked += 1
    assert checked == len(list((ROOT / "content").rglob("*.md")))


def test_pages_link_the_pdfs_this_build_wrote(site, server):
    out, _ = site
    html = (out / "composition/b/baclofen.html").read_text()
    links = re.findall(r'href="([^"]+\.pdf)"', html)
    assert links == ["../../b/baclofen.pdf", "../../b/baclofen.large.pdf"]
    for link in links:
        with urllib.request.urlopen(f"{server}/composition/b/{link}") as response:
            assert response.read(5) == b"%PDF-"


def test_html_only_writes_no_pdfs(tmp_path):
    report = build_library(
        ROOT / "content", tmp_path, Settings(base_url=BASE_URL), jobs=1, pdf=False, html=True
    )
    assert report.ok, [(p.source, p.reason) for p in report.pages if p.reason]
    assert not list(tmp_path.rglob("*.pdf"))
    assert (tmp_path / "composition/s/salbutamol.html").exists()
    assert "Printable PDF" not in (tmp_path / "composition/s/salbutamol.html").read_text()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


def test_site_is_accessible_offline_and_reflows(server, browser):
    context = browser.new_context(viewport={"width": 640, "height": 900})  # 1280 px at 200%
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    for path in (
        "/index.html",
        "/composition/s/salbutamol.html",
        "/composition/a/amoxicillin-clavulanic-acid.html",
    ):
        page.goto(server + path)
        page.wait_for_load_state("networkidle")
        assert serious_violations(page) == [], path
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"{path} scrolls sideways at 200% zoom"
    assert requests and all(u.startswith(server) for u in requests), requests
    assert any(u.endswith(".ttf") for u in requests)  # fonts are served locally
    context.close()


def test_offline_search(server, browser):
    page = browser.new_page()
    page.goto(server + "/index.html")
    page.fill("#q", "amoxicilin")  # one typo
    visible = page.locator("#results li:not([hidden])")
    assert visible.count() == 2
    page.fill("#q", "salbut")
    assert visible.count() == 1
    assert f"1 of {len(list((ROOT / 'content').rglob('*.md')))}" in page.inner_text("#count")
    page.close()


@pytest.mark.parametrize(
    ("path", "lang", "direction"),
    [
        ("/composition/p/paracetamol-ar.html", "ar", "rtl"),
        ("/composition/i/ibuprofen-zh.html", "zh-CN", "ltr"),
        ("/composition/o/omeprazole-ru.html", "ru", "ltr"),
        ("/composition/m/metformin-vi.html", "vi", "ltr"),
    ],
)
def test_pages_in_other_scripts_carry_lang_and_dir(server, browser, path, lang, direction):
    page = browser.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(server + path)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.lang") == lang
    assert page.evaluate("getComputedStyle(document.body).direction") == direction
    assert serious_violations(page) == [], path
    assert all(u.startswith(server) for u in requests), requests  # no font or style from elsewhere
    if direction == "rtl":
        # The callout's thick border and its icon are on the right.
        box = page.evaluate(
            """(() => {
                const c = document.querySelector('.callout'), s = getComputedStyle(c);
                const i = c.querySelector('.icon').getBoundingClientRect(), r = c.getBoundingClientRect();
                return [parseFloat(s.borderRightWidth), parseFloat(s.borderLeftWidth),
                        r.right - i.right, i.left - r.left];
            })()"""
        )
        assert box[0] > box[1] and box[2] < box[3]
    page.close()


def test_site_chrome_speaks_each_pages_language(site):
    from leaflets.i18n import texts

    out, _ = site
    for path, lang in (
        ("composition/p/paracetamol-ar.html", "ar"),
        ("composition/i/ibuprofen-zh.html", "zh"),
    ):
        html = (out / path).read_text(encoding="utf-8")
        words = texts(lang)
        assert f'<a class="skip" href="#main">{words["skip"]}</a>' in html
        assert f'index.html">{words["site_name"]}</a>' in html
        assert "Skip to content" not in html and "Patient leaflets" not in html
    # The index speaks the library's language (English here), and marks each title in another.
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in index and "Medicine name, generic name or ingredient" in index
    assert re.search(r'<a href="\./composition/p/paracetamol-ar.html" lang="ar" dir="rtl">', index)
    assert re.search(r'<a href="\./composition/i/ibuprofen-zh.html" lang="zh-CN" dir="ltr">', index)
    assert re.search(r'<a href="\./composition/b/baclofen.html">', index)


def test_an_index_in_the_librarys_language_searches_in_it(site, browser, tmp_path):
    """[content] lang decides the index's language, the offline search's words included."""
    from leaflets.site import render_index, static_files

    entries = [
        {"title": "Salbutamol", "slug": "salbutamol", "path": "s.html", "lang": "fr"},
        {"title": "باراسيتامول", "slug": "paracetamol-ar", "path": "p.html", "lang": "ar"},
    ]
    for lang, label, found in (
        (
            "fr",
            "Nom du médicament, nom générique ou substance",
            "Résultats pour « \u2068salbut\u2069 » : 1 sur 2",
        ),
        ("ar", "اسم الدواء أو الاسم العلمي أو المادة الفعالة", "نتائج البحث عن «\u2068salbut\u2069»: 1 من 2"),
    ):
        folder = tmp_path / lang
        (folder / "static").mkdir(parents=True)
        html = render_index(entries, Settings(base_url=BASE_URL, lang=lang))
        assert label in html and "Medicine name" not in html
        (folder / "index.html").write_text(html, encoding="utf-8")
        (folder / "static/site.js").write_bytes(static_files()["static/site.js"].read_bytes())
        page = browser.new_page()
        page.goto((folder / "index.html").as_uri())
        assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == [
            lang,
            "rtl" if lang == "ar" else "",
        ]
        page.fill("#q", "salbut")
        assert page.inner_text("#count") == found
        page.close()
