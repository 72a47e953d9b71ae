"""Issue 13 §3 and §5: output paths belong to one page each, links carry no scheme, QR codes go
only to the configured site, only regular files inside the content folder are read, and check
warns about titles disguised with invisible or reordering characters.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import BASE_URL

from leaflets import Settings
from leaflets.build import build_library
from leaflets.check import check_pages
from leaflets.cli import cli
from leaflets.errors import ConfigError, ContentError
from leaflets.library import Library
from leaflets.reader import parse_page, read_page
from leaflets.render import leaflet_url, render_html
from leaflets.settings import load_settings

BODY = (
    "**Usage:** Zomirex eases a stiff back.\n\n**Side Effects:** Common side effects include:\n\n* Yawning\n"
)


def page(title: str, permalink: str | None = None) -> str:
    link = f"permalink: {permalink!r}\n" if permalink is not None else ""
    return f"---\ntitle: {title}\n{link}---\n\n" + BODY.replace("Zomirex", title.strip('"'))


def library(tmp_path: Path, pages: dict[str, str]) -> Path:
    content = tmp_path / "content"
    for name, text in pages.items():
        (content / name).parent.mkdir(parents=True, exist_ok=True)
        (content / name).write_text(text, encoding="utf-8")
    return content


GENUINE = {
    "b/baclofen.md": page("Baclofen"),
    "i/ibuprofen.md": page("Ibuprofen"),
    "m/metformin.md": page("Metformin"),
}
SETTINGS = Settings(base_url=BASE_URL)


# -- canonical paths ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("permalink", "why"),
    [
        ("/composition/b/./baclofen.html", "holds the segment '.'"),
        ("/composition/i/%69buprofen.html", "percent escape"),
        ("/composition/m//x/../metformin.html", "holds '//'"),
        ("/composition/m/x/../metformin.html", "holds the segment '..'"),
        ("/composition/b/", "ends with '/'"),
        ("/composition/b/.hidden.html", "holds the segment '.hidden.html'"),
        ("javascript:alert(document.domain)", "':' (a scheme)"),
        ("/x.html?next=evil", "holds '?'"),
        ("/x.html#top", "holds '#'"),
        ("//evil.example/x.html", "holds '//'"),
        ("/composition\\b\\baclofen.html", "backslash"),
        ("/composition/e/cafe\u0301.html", "NFC"),
    ],
)
def test_only_canonical_site_paths_are_accepted(permalink, why):
    leaflet = parse_page(page("Zomirex", permalink).encode(), "z.md")
    with pytest.raises(ContentError, match=re.escape(why)) as info:
        leaflet_url(leaflet, SETTINGS)
    assert str(info.value).startswith("z.md: permalink")


@pytest.mark.parametrize(
    "permalink",
    [
        "/composition/b/./baclofen.html",
        "/composition/i/%69buprofen.html",
        "/composition/m//x/../metformin.html",
    ],
)
def test_no_spelling_of_a_path_overwrites_the_genuine_online_page(permalink, tmp_path):
    pages = {**GENUINE, "z/zomirex.md": page("Zomirex", permalink)}
    content = library(tmp_path, pages)
    report = build_library(content, tmp_path / "dist", SETTINGS, jobs=1, html=True)
    status = {p.source: (p.status, p.reason) for p in report.pages}
    assert status["z/zomirex.md"][0] == "failed" and "not a canonical site path" in status["z/zomirex.md"][1]
    for name in ("baclofen", "ibuprofen", "metformin"):
        html = (tmp_path / f"dist/composition/{name[0]}/{name}.html").read_text(encoding="utf-8")
        assert f"<h1>{name.title()}</h1>" in html or f">{name.title()}</h1>" in html, name
        assert "Zomirex" not in html


def test_a_permalink_onto_another_pages_path_is_an_error_and_the_genuine_page_keeps_it(tmp_path):
    pages = {**GENUINE, "z/zomirex.md": page("Zomirex", "/composition/b/baclofen.html")}
    content = library(tmp_path, pages)
    report = build_library(content, tmp_path / "dist", SETTINGS, jobs=1, html=True)
    status = {p.source: (p.status, p.reason) for p in report.pages}
    assert status["b/baclofen.md"] == ("rendered", None)
    assert status["z/zomirex.md"] == (
        "failed",
        "its online path 'composition/b/baclofen.html' is also b/baclofen.md's",
    )
    assert not (tmp_path / "dist/z/zomirex.pdf").exists()
    assert "Zomirex" not in (tmp_path / "dist/composition/b/baclofen.html").read_text(encoding="utf-8")
    (one,) = [r for r in check_pages([content], SETTINGS) if r.path.endswith("zomirex.md")]
    assert one.problems[0].level == "error" and "is also b/baclofen.md's" in one.problems[0].message


@pytest.mark.parametrize(
    ("permalink", "owner"),
    [
        ("/manifest.json", "the build"),
        ("/index.html", "the build"),
        ("/static/base.css", "the build"),
        ("/static", "the build"),
        ("/b/baclofen.pdf", "belongs to the PDF of b/baclofen.md"),
        ("/q/quinine.pdf", "the build"),  # no page's PDF yet: a future page's
        ("/composition/b", "cannot be a file and a folder at once"),
        ("/b", "cannot be a file and a folder at once"),
        ("/composition/b/baclofen.html/x.html", "cannot be a file and a folder at once"),
    ],
)
def test_no_page_claims_a_path_the_build_owns(permalink, owner, tmp_path):
    pages = {**GENUINE, "z/zomirex.md": page("Zomirex", permalink)}
    content = library(tmp_path, pages)
    dist = tmp_path / "dist"
    for _ in range(2):  # and the genuine pages keep building, run after run
        report = build_library(content, dist, SETTINGS, jobs=1, html=True)
        status = {p.source: (p.status, p.reason) for p in report.pages}
        assert status["z/zomirex.md"][0] == "failed" and owner in status["z/zomirex.md"][1], status
        assert {s for s, (st, _) in status.items() if st in ("rendered", "unchanged")} == set(GENUINE)
    assert (dist / "composition/b/baclofen.html").is_file() and (dist / "b/baclofen.pdf").is_file()
    assert (dist / "manifest.json").read_text().startswith("{")
    assert not (dist / "z/zomirex.pdf").exists()


def test_check_reports_the_same_ownership_errors(tmp_path):
    content = library(tmp_path, {**GENUINE, "z/zomirex.md": page("Zomirex", "/index.html")})
    reports = {Path(r.path).name: r for r in check_pages([content], SETTINGS)}
    assert reports["zomirex.md"].status == "error"
    assert reports["zomirex.md"].problems[0].message == "its online path 'index.html' belongs to the build"
    assert reports["baclofen.md"].status != "error"


# -- no scheme in site links --------------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.hrefs += [v for k, v in attrs if k in ("href", "src") and v is not None]


def hrefs(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.hrefs


def test_a_scheme_in_a_file_name_or_permalink_never_becomes_a_link(tmp_path):
    pages = {
        **GENUINE,
        "javascript:alert(document.cookie).md": page("Zomirex"),
        "f/filer.md": page("Filer", "file:///etc/passwd"),
        "j/jay.md": page("Jay", "javascript:alert(1)"),
    }
    content = library(tmp_path, pages)
    settings = SETTINGS.replace(path_pattern="/{slug}.html")
    report = build_library(content, tmp_path / "dist", settings, jobs=1, html=True)
    status = {p.source: p.status for p in report.pages}
    assert status["javascript:alert(document.cookie).md"] == "failed"
    assert status["f/filer.md"] == status["j/jay.md"] == "failed"
    site = [p for p in (tmp_path / "dist").rglob("*.html")]
    assert len(site) == 4  # the three genuine pages and the index
    for html_file in site:
        for href in hrefs(html_file.read_text(encoding="utf-8")):
            assert href.startswith(("./", "../", "#")), (html_file, href)
            assert ":" not in href, (html_file, href)


# -- QR codes go only to the configured site ----------------------------------------------------------


@pytest.mark.parametrize(
    "permalink",
    [
        "https://rxhive.zynapte.com.evil.example/login",
        "https://evil.example/composition/b/baclofen.html",
        "https://rxhive.zynapte.com@evil.example/x.html",
        "ftp://rxhive.zynapte.com/x.html",
    ],
)
def test_an_absolute_permalink_on_another_host_is_refused_and_check_flags_it(permalink, tmp_path):
    leaflet = parse_page(page("Zomirex", permalink).encode(), "z.md")
    with pytest.raises(ContentError, match=r"https://|not the site's host"):
        render_html(leaflet, SETTINGS)
    content = library(tmp_path, {"z/zomirex.md": page("Zomirex", permalink)})
    (report,) = check_pages([content], SETTINGS)
    errors = [p for p in report.problems if p.level == "error"]
    assert errors and errors[0].code == "url"


def test_official_hosts_are_allowed_and_the_qr_code_encodes_them(tmp_path):
    config = tmp_path / "leaflets.toml"
    config.write_text(f'[site]\nbase_url = "{BASE_URL}"\nofficial_hosts = ["leaflets.nhs.invalid"]\n')
    settings = load_settings(config)
    on_site = parse_page(page("Zomirex", f"{BASE_URL}/drugs/zomirex.html").encode(), "z.md")
    official = parse_page(page("Zomirex", "https://leaflets.nhs.invalid/z/zomirex.html").encode(), "z.md")
    assert leaflet_url(on_site, settings) == f"{BASE_URL}/drugs/zomirex.html"
    assert leaflet_url(official, settings) == "https://leaflets.nhs.invalid/z/zomirex.html"
    assert "online version of this leaflet: https://leaflets.nhs.invalid/z/zomirex.html" in render_html(
        official, settings
    )
    with pytest.raises(ContentError):
        leaflet_url(official, Settings(base_url=BASE_URL))


@pytest.mark.parametrize("hosts", ['["https://x.invalid"]', '["x..invalid"]', '"x.invalid"', "[1]"])
def test_official_hosts_must_be_host_names(hosts, tmp_path):
    config = tmp_path / "leaflets.toml"
    config.write_text(f"[site]\nofficial_hosts = {hosts}\n")
    with pytest.raises(ConfigError, match="official_hosts"):
        load_settings(config)


# -- only regular files inside the content folder --------------------------------------------------


def test_a_symlink_out_of_the_content_folder_is_refused_everywhere(tmp_path, monkeypatch):
    secret = tmp_path / "outside" / "secret.md"
    secret.parent.mkdir()
    secret.write_text(page("Secretol").replace("stiff back", "QUOKKA-SECRET"))
    content = library(tmp_path, GENUINE)
    (content / "s").mkdir()
    (content / "s/secretol.md").symlink_to(secret)
    (content / "b/baclofen-link.md").symlink_to(content / "b/baclofen.md")  # inside: fine
    reports = {Path(r.path).name: r for r in check_pages([content], SETTINGS)}
    assert "outside the content folder" in reports["secretol.md"].problems[0].message
    assert reports["baclofen-link.md"].status != "error"
    lib = Library(content, SETTINGS)
    assert lib.get("secretol").leaflet is None and lib.get("baclofen-link").leaflet is not None
    report = build_library(content, tmp_path / "dist", SETTINGS.replace(path_pattern="/{path}.html"), jobs=1)
    status = {p.source: p.status for p in report.pages}
    assert status["s/secretol.md"] == "failed" and status["b/baclofen-link.md"] == "rendered"
    assert not (tmp_path / "dist/s/secretol.pdf").exists()
    # By name in the content folder: confined too. By path on the command line: read as named.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "leaflets.toml").write_text('[content]\ndir = "content"\n')
    result = CliRunner().invoke(cli, ["render", "secretol", "--format", "html", "-o", "s.html"])
    assert result.exit_code == 1 and "outside the content folder" in result.output
    assert read_page(secret).title == "Secretol"


# -- §5 titles that look like another's ------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "warned"),
    [
        ("Ibupro\u202efen", True),  # right-to-left override
        ("\u202aIbuprofen\u202c", True),  # embedding
        ("Ibu\u200bprofen", True),  # zero-width space in a Latin word
        ("Ibu\u200dprofen", True),  # zero-width joiner in a Latin word
        ("Ibu\u2060profen", True),  # word joiner
        ("Ibuprofen", False),
        ("\u0627\u06cc\u0628\u0648\u067e\u0631\u0648\u0641\u0646 \u200c\u0647\u0627", False),  # Farsi, ZWNJ
        ("\u0627\u064a\u0628\u0648\u0628\u0631\u0648\u0641\u064a\u0646\u200f", False),  # Arabic, RLM
        ("\u0622\u06cc\u0628\u0648\u067e\u0631\u0648\u0641\u06cc\u0646 \u2067x\u2069", False),  # isolate
        (
            "\u0627\u064a\u0628\u0648\u202e\u0628\u0631\u0648\u0641\u064a\u0646",
            True,
        ),  # an override, any script
    ],
)
def test_check_warns_about_bidi_overrides_and_zero_width_in_latin_titles(title, warned, tmp_path):
    content = library(tmp_path, {"t.md": page(f'"{title}"')})
    (report,) = check_pages([content], SETTINGS)
    codes = [p.code for p in report.problems]
    assert ("disguised-title" in codes) is warned, report.problems
