"""Issue 4: hostile and broken input. Each defence is tested on its own.

1. The sanitiser, with no renderer: hostile markdown and raw HTML in, inert HTML out.
2. End to end through the CLI: a page that names a counting HTTP server on 127.0.0.1 and a secret
   file in every way we know; nothing is fetched, nothing is embedded, nothing executable is left.
   The locked fetcher gets hostile HTML directly (sanitiser bypassed) here and in test_fetcher.py.
3. Presentational hints stay off: ``bgcolor`` and ``<font color>`` paint nothing.
4. Bad files: one line naming the file (and line), exit status 1, no traceback.
5. Pathological but valid pages render, or are refused with a reason.
6. Output: reproducible bytes; a good file is never replaced by a broken or partial one.
"""

from __future__ import annotations

import errno
import html as htmllib
import http.server
import io
import os
import re
import subprocess
import sys
import textwrap
import threading
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pikepdf
import pytest
from click.testing import CliRunner
from conftest import FIXTURES, pdftotext
from PIL import Image

import leaflets.pdf
from leaflets import Kind, RenderError, Settings
from leaflets.assets import styles_dir, templates_dir
from leaflets.cli import cli
from leaflets.errors import ContentError, LeafletError
from leaflets.markdown_ext import SectionConverter
from leaflets.pdf import html_to_pdf, write_atomic, write_pdf
from leaflets.reader import parse_page
from leaflets.render import render_html
from leaflets.sanitize import ALLOWED_TAGS, clean, text_of

HOSTILE = FIXTURES / "hostile"
SECRET_TEXT = "TOP-SECRET-QUOKKA-7781"


# -- shared: a counting HTTP server on 127.0.0.1 and a secret local file -----------------------------


class _Counting(http.server.BaseHTTPRequestHandler):
    """Counts every connection that sends a request line, whatever the method."""

    def handle_one_request(self):
        self.raw_requestline = self.rfile.readline(65537)
        if self.raw_requestline:
            self.server.hits.append(self.raw_requestline.decode("latin-1").strip())
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { background: red }")
        self.close_connection = True

    def log_message(self, *args):
        pass


class _Server:
    def __init__(self):
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
        self.httpd.hits = []
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def hits(self) -> list[str]:
        return self.httpd.hits


@pytest.fixture(scope="module")
def server():
    srv = _Server()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


@pytest.fixture
def secret(tmp_path) -> Path:
    """private/secret.txt, beside a red secret.svg and a secret.css that paints the page red: a file
    read by the renderer shows up in the PDF as the secret's text, an attachment, or red."""
    folder = tmp_path / "private"
    folder.mkdir()
    path = folder / "secret.txt"
    path.write_text(SECRET_TEXT + "\n")
    (folder / "secret.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400">'
        f'<rect width="400" height="400" fill="#ff0000"/><text y="20">{SECRET_TEXT}</text></svg>'
    )
    (folder / "secret.css").write_text("html, body { background: #ff0000 }")
    return path


def hostile_page(name: str, server: _Server, secret: Path, folder: Path) -> Path:
    """A fixture page from tests/fixtures/hostile with the server and secret file filled in."""
    text = (HOSTILE / name).read_text(encoding="utf-8")
    for token, value in {
        "@SERVER@": server.url,
        "@SECRET_URI@": secret.as_uri(),
        "@SECRET_PATH@": str(secret),
        "@SECRET_REL@": os.path.relpath(secret, templates_dir()),
    }.items():
        text = text.replace(token, value)
    page = folder / name
    page.write_text(text, encoding="utf-8")
    return page


def pdf_leaks(data: bytes, secret_text: str) -> list[str]:
    """What a PDF carries that it must not: embedded files, attachments, the secret's text."""
    found = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        names = pdf.Root.get("/Names")
        if names is not None and "/EmbeddedFiles" in names:
            found.append("/EmbeddedFiles in the name tree")
        for n, page in enumerate(pdf.pages, 1):
            for annot in page.get("/Annots", []):
                if annot.get("/Subtype") == "/FileAttachment":
                    found.append(f"file attachment annotation on page {n}")
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream):
                if obj.get("/Type") == "/EmbeddedFile":
                    found.append("an /EmbeddedFile stream")
                try:
                    raw = obj.read_bytes()
                except pikepdf.PdfError:
                    raw = obj.read_raw_bytes()
                if secret_text.encode() in raw:
                    found.append("the secret's bytes in a stream")
    if secret_text in subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode("utf-8", "replace"):
        found.append("the secret's text in the printed text")
    return found


class _Markup(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def markup(fragment: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Markup()
    parser.feed(fragment)
    parser.close()
    return parser.tags


def _squeeze(value: str) -> str:
    """What a browser sees in a URL attribute: entities decoded, whitespace and controls gone."""
    return re.sub(r"[\x00-\x20]+", "", htmllib.unescape(value)).lower()


#: What a sanitised fragment may hold: the allowlist minus img (an image becomes its alt text).
SAFE_TAGS = (ALLOWED_TAGS - {"img"}) | {"span"}
SAFE_ATTRIBUTES = {"start", "colspan", "rowspan", "class", "lang", "title"}


def assert_inert(fragment: str) -> None:
    """No tag or attribute outside the allowlist, nothing that runs, nothing that fetches."""
    low = fragment.lower()
    assert "<script" not in low, fragment
    assert "javascript:" not in _squeeze(fragment), fragment
    for tag, attrs in markup(fragment):
        assert tag in SAFE_TAGS, (tag, fragment)
        for name, value in attrs:
            assert name in SAFE_ATTRIBUTES, (tag, name, fragment)
            assert not name.startswith("on"), (tag, name)
            if name == "class":
                assert value == "li-p", (tag, value)


# -- 1. The sanitiser, with no renderer ---------------------------------------------------------------

S = "http://127.0.0.1:9"  # never contacted: no renderer runs in this part
F = "file:///etc/passwd"

#: (id, raw HTML as a page would hold it). Every case holds the word "Zabo" that must survive.
RAW_HTML = [
    ("script", "<script>alert(1)</script>Zabo"),
    ("script-upper-src", f"<SCRIPT SRC={S}/x.js></SCRIPT>Zabo"),
    ("script-split", "<scr<script>x</script>ipt>alert(1)</script>Zabo"),
    ("style-element", f"<style>body {{ background: url({S}/b.png) }}</style>Zabo"),
    ("iframe", f'<iframe src="{S}/frame"></iframe>Zabo'),
    ("iframe-srcdoc", '<iframe srcdoc="<script>alert(1)</script>"></iframe>Zabo'),
    ("object", f'<object data="{F}" type="text/plain"></object>Zabo'),
    ("embed", f'<embed src="{F}">Zabo'),
    ("link-attachment", f'<link rel="attachment" href="{F}">Zabo'),
    ("link-stylesheet", f"<link rel=stylesheet href={S}/s.css>Zabo"),
    ("base", f'<base href="{S}/">Zabo'),
    ("meta-refresh", f'<meta http-equiv="refresh" content="0;url={S}/">Zabo'),
    ("svg", f'<svg onload="alert(1)"><image href="{F}"/><script>alert(2)</script></svg>Zabo'),
    ("svg-use", f'<svg><use xlink:href="{S}/u.svg#a"/></svg>Zabo'),
    ("svg-animate", "<svg><animate onbegin=alert(1) attributeName=x dur=1s></animate></svg>Zabo"),
    (
        "math",
        '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">x</maction></math>Zabo',
    ),
    ("img-file", f'<img src="{F}" alt="Zabo">'),
    ("img-http", f'<img src="{S}/i.png" alt="Zabo">'),
    ("img-data", '<img src="data:image/png;base64,iVBORw0KGgo=" alt="Zabo">'),
    ("img-srcset", f'<img srcset="{S}/i.png 2x" alt="Zabo">'),
    ("img-onerror", "<img src=x onerror=alert(1) alt=Zabo>"),
    ("img-upper", f'<IMG SRC="{F}" ALT="Zabo" ONERROR="alert(1)">'),
    ("img-alt-markup", '<img src=x alt="<script>alert(1)</script>Zabo">'),
    ("img-title", f'<img src="{F}" alt="Zabo" title="a title">'),
    ("img-lang", f'<img lang="en" src="{F}" alt="Zabo">'),
    ("on-lower", '<p onclick="alert(1)">Zabo</p>'),
    ("on-upper", '<P ONCLICK="alert(1)">Zabo</P>'),
    ("on-mixed", '<b onMouseOver=alert(1) OnFocus = "alert(2)" oNlOaD=alert(3)>Zabo</b>'),
    ("on-slash", "<b/onclick=alert(1)>Zabo</b>"),
    ("on-sub", '<sub onmouseenter="alert(1)">Zabo</sub>'),
    ("on-table", '<table onclick="alert(1)"><tr><td onmouseover="alert(2)">Zabo</td></tr></table>'),
    ("a-js", '<a href="javascript:alert(1)">Zabo</a>'),
    ("a-js-mixed-case", '<a href="JaVaScRiPt:alert(1)">Zabo</a>'),
    (
        "a-js-decimal-entities",
        '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;x">Zabo</a>',
    ),
    ("a-js-hex-entities", '<a href="&#x6A;avascript&#x3A;alert(1)">Zabo</a>'),
    ("a-js-tab", '<a href="jav&#x09;ascript:alert(1)">Zabo</a>'),
    ("a-js-leading-space", '<a href="  javascript:alert(1)">Zabo</a>'),
    ("a-data", '<a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">Zabo</a>'),
    ("a-attachment", f'<a rel="attachment" href="{F}">Zabo</a>'),
    ("style-url", f'<p style="background:url({S}/b.png)">Zabo</p>'),
    ("style-url-escaped", f'<p style="background:u\\72l({F})">Zabo</p>'),
    ("style-url-entity", f'<p style="background:&#117;rl({F})">Zabo</p>'),
    ("style-expression", '<p style="width: expression(alert(1))">Zabo</p>'),
    ("style-on-allowed-tag", f'<sup style="list-style-image:url({S}/b.png)">Zabo</sup>'),
    ("table-background", f'<table background="{S}/t.png"><tr><td background="{F}">Zabo</td></tr></table>'),
    ("form", f'<form action="{S}/"><button formaction="javascript:alert(1)">Zabo</button></form>'),
    ("input-image", f'<input type="image" src="{S}/i.png">Zabo'),
    ("video", f'<video poster="{S}/p.png"><source src="{F}"></video>Zabo'),
    ("audio", f'<audio src="{S}/a.mp3" autoplay></audio>Zabo'),
    ("picture", f'<picture><source srcset="{S}/p.png"><img src="{F}" alt="Zabo"></picture>'),
    ("comment", f'<!-- <img src="{S}/c.png"> -->Zabo'),
    ("conditional-comment", f"<!--[if IE]><img src={S}/ie.png><![endif]-->Zabo"),
    ("template", f'<template><img src="{S}/t.png"></template>Zabo'),
    ("noscript", f'<noscript><img src="{S}/n.png"></noscript>Zabo'),
    ("namespaced-script", '<x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(1)</x:script>Zabo'),
    ("xml-processing", '<?xml-stylesheet href="http://127.0.0.1:9/x.xsl"?>Zabo'),
]

#: Markdown links and images get the same treatment: links become their text, images their alt text.
MARKDOWN = [
    ("md-link-js", "[Zabo](javascript:alert(1))"),
    ("md-link-js-mixed-case", "[Zabo](JaVaScRiPt:alert(1))"),
    ("md-link-js-entity", "[Zabo](&#106;avascript:alert(1))"),
    ("md-link-js-angle", "[Zabo](<javascript:alert(1)>)"),
    ("md-link-file", f"[Zabo]({F})"),
    ("md-link-http", f"[Zabo]({S}/x)"),
    ("md-link-title", f'[Zabo]({S}/x "onmouseover=alert(1)")'),
    ("md-link-data", "[Zabo](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"),
    ("md-image-file", f"![Zabo]({F})"),
    ("md-image-http", f"![Zabo]({S}/i.png)"),
    ("md-image-data", "![Zabo](data:image/png;base64,iVBORw0KGgo=)"),
    ("md-image-title", f'![Zabo]({F} "a title")'),
    ("md-image-reference", f"![Zabo][r]\n\n[r]: {F}"),
    ("md-link-reference", "[Zabo][r]\n\n[r]: javascript:alert(1)"),
    ("md-image-in-link", f"[![Zabo]({S}/i.png)](javascript:alert(1))"),
    ("md-image-alt-html", f"![<script>alert(1)</script>Zabo]({S}/i.png)"),
    ("md-image-alt-quote", f'![Zabo" onerror="alert(1)]({F})'),
    ("md-autolink", f"<{S}/auto> Zabo"),
    ("md-javascript-pseudo-autolink", "<javascript:alert(1)> Zabo"),
    ("md-image-in-list", f"* ![Zabo]({F})\n* [Zumi](javascript:alert(1))"),
    ("md-image-in-table", f"| a |\n|---|\n| ![Zabo]({F}) |"),
]


@pytest.mark.parametrize(("name", "source"), RAW_HTML + MARKDOWN, ids=[c[0] for c in RAW_HTML + MARKDOWN])
def test_converter_output_is_inert(name, source):
    body = SectionConverter().convert(Kind.USAGE, source)
    assert_inert(body.html)
    assert "Zabo" in text_of(body.html), (name, body.html)
    assert "<img" not in body.html.lower()
    assert "passwd" not in body.html and "i.png" not in body.html


@pytest.mark.parametrize(("name", "source"), RAW_HTML, ids=[c[0] for c in RAW_HTML])
def test_clean_alone_is_inert(name, source):
    cleaned = clean(source)
    assert_inert(cleaned)
    assert "Zabo" in text_of(cleaned), (name, cleaned)
    assert "<img" not in cleaned.lower()


@pytest.mark.parametrize(
    ("source", "alt"),
    [
        (f"![Zabo zumi]({F})", "Zabo zumi"),
        (f"Before ![Zabo & <zumi>]({S}/i.png) after", "Zabo & <zumi>"),
        (f'<img src="{F}" alt="Zabo &amp; zumi">', "Zabo & zumi"),
        (f"![]({F})", ""),
    ],
)
def test_image_becomes_its_alt_text_never_a_tag(source, alt):
    html = SectionConverter().convert(Kind.USAGE, source).html
    assert "<img" not in html.lower()
    assert alt in text_of(html)
    assert "passwd" not in html and "127.0.0.1" not in html


def test_markdown_images_and_links_are_defused_before_the_html_sanitiser(monkeypatch):
    """The tree processor turns images into alt text and links into spans on its own: with the
    nh3 pass switched off, markdown still cannot produce an <img> or an href."""
    import leaflets.sanitize

    monkeypatch.setattr(leaflets.sanitize, "clean", lambda fragment: fragment)
    source = f"![Zabo]({F}) [Zumi](javascript:alert(1)) [Zeko]({S}/x) ![Zaru][r]\n\n[r]: {S}/r.png"
    html = SectionConverter().convert(Kind.USAGE, source).html
    assert "<img" not in html and "href" not in html and "src" not in html, html
    assert text_of(html).split() == ["Zabo", "Zumi", "Zeko", "Zaru"]


def test_side_effect_and_faq_fragments_are_sanitised_too():
    """Group labels, items, prose and FAQ pairs are separate fragments: each is cleaned."""
    side_effects = textwrap.dedent(f"""\
        **Common side effects <img src="{S}/l.png" onerror="alert(1)">:**

        * Zabo <script>alert(2)</script>
        * ![Zumi]({F})
        * <span onclick="alert(3)" style="background:url({S}/x)">Zeko</span>

        **Serious side effects:** <a href="javascript:alert(4)">Zaru</a>, <b onmouseover=alert(5)>Zimo</b>

        * **Rare but serious side effects:** <iframe src="{S}/f"></iframe>Zepa, Zori

        <p onclick="alert(6)">Serious side effects can happen. <object data="{F}"></object>Zola.</p>
        """)
    body = SectionConverter().convert(Kind.SIDE_EFFECTS, side_effects)
    fragments = [body.html]
    for group in body.groups:
        fragments.append(group.label or "")
        fragments.extend(block.html for block in group.blocks)
    items = [text_of(i.html) for g in body.groups for i in g.items]
    assert items == ["Zabo", "Zumi", "Zeko", "Zaru", "Zimo", "Zepa", "Zori"]
    faqs = textwrap.dedent(f"""\
        * **Can I <a href="javascript:alert(1)">zabo</a>?** <img src="{S}/i.png" alt="Zumi"> now.
        * **Q: <script>alert(2)</script>Zeko?** A: <iframe src="{S}/f"></iframe>Zaru.

        **Q: Zomo <object data="{F}"></object>?**
        A: <a href="{F}" rel="attachment">Zuna</a>.

        ### **Q4: <img src="{F}" alt="Zilo">?**

        **A:** <svg onload="alert(3)"></svg>Zami.
        """)
    body = SectionConverter().convert(Kind.FAQS, faqs)
    pairs = [(text_of(f.question), text_of(f.answer)) for f in body.faqs]
    assert pairs == [
        ("Can I zabo?", "Zumi now."),
        ("Zeko?", "Zaru."),
        ("Zomo ?", "Zuna."),
        ("Zilo?", "Zami."),
    ]
    fragments += [body.html, *(f.question for f in body.faqs), *(f.answer for f in body.faqs)]
    for fragment in fragments:
        assert_inert(fragment)
        assert "127.0.0.1" not in fragment and "passwd" not in fragment


#: What the real pages use, and must keep: (tag, a fragment that uses it).
KEEP = [
    ("sub", "H<sub>2</sub>O"),
    ("sup", "10<sup>-9</sup> mol/L"),
    ("i", "<i>in vitro</i>"),
    ("em", "<em>not</em> active"),
    ("b", "<b>Zabo</b>"),
    ("strong", "<strong>Zabo</strong>"),
    ("p", "<p>Zabo</p>"),
    ("br", "Zabo<br>Zumi"),
    ("ul", "<ul><li>Zabo</li><li>Zumi</li></ul>"),
    ("ol", '<ol start="3"><li>Zabo</li></ol>'),
    ("li", "<ul><li>Zabo</li></ul>"),
    (
        "table",
        "<table><thead><tr><th colspan=2>Zabo</th></tr></thead>"
        "<tbody><tr><td>1</td><td>2</td></tr></tbody></table>",
    ),
    ("td", "<table><tr><td rowspan=2>Zabo</td></tr></table>"),
]


@pytest.mark.parametrize(("tag", "fragment"), KEEP, ids=[k[0] for k in KEEP])
def test_allowlist_keeps_what_real_pages_use(tag, fragment):
    for html in (clean(fragment), SectionConverter().convert(Kind.USAGE, fragment).html):
        assert tag in {t for t, _ in markup(html)}, html
        assert text_of(html).replace(" ", "") == text_of(fragment).replace(" ", "")


def test_allowlist_keeps_list_start_and_table_spans():
    assert clean('<ol start="3"><li>Zabo</li></ol>') == '<ol start="3"><li>Zabo</li></ol>'
    assert 'colspan="2"' in clean("<table><tr><th colspan=2>Zabo</th></tr></table>")
    assert 'rowspan="2"' in clean("<table><tr><td rowspan=2>Zabo</td></tr></table>")


def test_markdown_tables_and_lists_are_kept():
    source = "| Dose | Age |\n|---|---|\n| 5 mg | 2<sup>+</sup> |\n\n1. Zabo\n2. Zumi\n\n* Zeko\n    * Zaru"
    html = SectionConverter().convert(Kind.DOSAGE, source).html
    tags = [t for t, _ in markup(html)]
    for tag in ("table", "th", "td", "sup", "ol", "ul", "li"):
        assert tag in tags, (tag, html)
    assert tags.count("ul") == 2


# -- 2. End to end through the CLI --------------------------------------------------------------------


def _invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


#: Attributes through which a document fetches, links or runs something. The template writes none
#: of them when no logo is configured.
URL_ATTRIBUTES = {"src", "href", "srcset", "data", "action", "formaction", "background", "poster", "style"}


@pytest.mark.parametrize("page_name", ["everything.md", "gen3-front-matter.md"])
def test_cli_html_output_is_inert_and_prints_nothing_it_should_not(
    page_name, server, secret, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    page = hostile_page(page_name, server, secret, tmp_path)
    out = tmp_path / "out.html"
    server.hits.clear()
    result = _invoke("render", str(page), "--format", "html", "-o", str(out))
    assert result.exit_code == 0, result.output
    document = out.read_text(encoding="utf-8")
    assert "<script" not in document.lower()
    assert "javascript:" not in _squeeze(document)
    assert SECRET_TEXT not in document
    for tag, attrs in markup(document):
        assert tag not in {"script", "iframe", "object", "embed", "link", "base", "img", "form", "input"}, tag
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name, value)
            assert name not in URL_ATTRIBUTES, (tag, name, value)
            if tag == "meta":
                assert name in {"charset", "name", "content"}, (tag, name, value)
    for tag in re.findall(r"<[a-z][^<>]*>", document, re.I):
        # Quoted values hold the page's text (the title in <meta content>), escaped and inert.
        assert not re.search(r"\son[a-z]+\s*=", re.sub(r"\"[^\"]*\"|'[^']*'", '""', tag), re.I), tag
    # Printed by bare WeasyPrint with its default fetcher, the document still reaches nothing.
    from weasyprint import HTML

    pdf = HTML(filename=str(out)).write_pdf()
    assert server.hits == []
    assert pdf_leaks(pdf, SECRET_TEXT) == []


@pytest.mark.parametrize("page_name", ["everything.md", "gen3-front-matter.md"])
def test_cli_pdf_fetches_nothing_and_embeds_nothing(page_name, server, secret, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    page = hostile_page(page_name, server, secret, tmp_path)
    out = tmp_path / "out.pdf"
    server.hits.clear()
    result = _invoke("render", str(page), "-o", str(out), "--base-url", "https://leaflets.invalid")
    assert result.exit_code == 0, result.output
    assert server.hits == []
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    assert pdf_leaks(data, SECRET_TEXT) == []
    assert "Zomirex" in pdftotext(out)


def _doc(body: str, head: str = "") -> str:
    return f"<!DOCTYPE html><html lang=en><head><title>t</title>{head}</head><body>{body}</body></html>"


def fetcher_cases(server: _Server, secret: Path) -> dict[str, str]:
    """References test_fetcher.py does not cover, given to WeasyPrint with the sanitiser bypassed.
    Files named as images or stylesheets are the red secret.svg and secret.css."""
    uri, srv = secret.as_uri(), server.url
    svg = secret.with_suffix(".svg")
    css = secret.with_suffix(".css").as_uri()
    box = 'width="400" height="400"'
    nested_http = f"<svg xmlns='http://www.w3.org/2000/svg'><image href='{srv}/n.png' {box}/></svg>"
    nested_file = f"<svg xmlns='http://www.w3.org/2000/svg' {box}><image href='{svg.as_uri()}' {box}/></svg>"
    traversal = f"{styles_dir().as_uri()}/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e{svg.as_uri()[7:]}"
    return {
        "a-rel-attachment-file": _doc(f'<p><a rel="attachment" href="{uri}">x</a></p>'),
        "a-rel-attachment-http": _doc(f'<p><a rel="attachment" href="{srv}/att">x</a></p>'),
        "link-attachment-localhost": _doc(
            "<p>x</p>", f'<link rel="attachment" href="file://localhost{secret}">'
        ),
        "link-stylesheet-file": _doc("<p>x</p>", f'<link rel="stylesheet" href="{css}">'),
        "css-import-file": _doc("<p>x</p>", f'<style>@import url("{css}");</style>'),
        "img-file-svg": _doc(f'<img src="{svg.as_uri()}" alt="x" {box}>'),
        "img-file-upper-case-scheme": _doc(f'<img src="FILE://{svg}" alt="x" {box}>'),
        "img-file-localhost": _doc(f'<img src="file://localhost{svg}" alt="x" {box}>'),
        "img-percent-encoded-traversal": _doc(f'<img src="{traversal}" alt="x" {box}>'),
        "embed-file": _doc(f'<embed src="{svg.as_uri()}" type="image/svg+xml" {box}>'),
        "object-file": _doc(f'<object data="{svg.as_uri()}" type="image/svg+xml" {box}></object>'),
        "svg-image-file": _doc(f'<svg {box}><image href="{svg.as_uri()}" {box}/></svg>'),
        "svg-image-http": _doc(f'<svg {box}><image href="{srv}/i.png" {box}/></svg>'),
        "svg-use-http": _doc(f'<svg {box}><use href="{srv}/u.svg#a"/></svg>'),
        "background-file": _doc(f'<div style="background: url({svg.as_uri()}); height: 400px">x</div>'),
        "content-url-file": _doc("<p>x</p>", f"<style>p::before {{ content: url({svg.as_uri()}) }}</style>"),
        "list-style-image-http": _doc(f'<ul style="list-style-image: url({srv}/b.png)"><li>x</li></ul>'),
        "border-image-http": _doc(f'<p style="border: 9px solid; border-image: url({srv}/bi.png) 30">x</p>'),
        "font-face-http": _doc(
            "<p>x</p>",
            f"<style>@font-face {{ font-family: z; src: url({srv}/f.ttf) }} p {{ font-family: z }}</style>",
        ),
        "base-href-http": _doc('<img src="relative.png" alt="x">', f'<base href="{srv}/">'),
        "data-svg-nesting-http": _doc(f'<img src="data:image/svg+xml,{nested_http}" alt="x">'),
        "data-svg-nesting-file": _doc(f'<img src="data:image/svg+xml,{nested_file}" alt="x" {box}>'),
        "data-css-import-http": _doc(
            "<p>x</p>", f'<link rel="stylesheet" href="data:text/css,@import url({srv}/n.css);">'
        ),
        # WeasyPrint does not fetch these at all today; kept so that a new version that does is caught.
        "iframe-http": _doc(f'<iframe src="{srv}/frame"></iframe>'),
        "input-image-http": _doc(f'<input type="image" src="{srv}/in.png">'),
        "video-poster-http": _doc(f'<video poster="{srv}/p.png"></video>'),
        "link-icon-http": _doc("<p>x</p>", f'<link rel="icon" href="{srv}/f.ico">'),
    }


FETCHER_NAMES = list(fetcher_cases(SimpleNamespace(url=S), Path("/nowhere/secret.txt")))


@pytest.mark.parametrize("name", FETCHER_NAMES)
def test_locked_fetcher_on_its_own(name, server, secret):
    """Hostile HTML straight to html_to_pdf: a reference is refused (RenderError), or the
    document prints without having fetched or embedded anything."""
    html = fetcher_cases(server, secret)[name]
    server.hits.clear()
    try:
        data, _ = html_to_pdf(html, Settings(), stylesheets=False)
    except RenderError as exc:
        assert "refused" in str(exc), exc
    else:
        assert pdf_leaks(data, SECRET_TEXT) == []
        assert red_pixels(data) == 0, "a secret file was read"
    assert server.hits == []


# -- 3. Presentational hints stay off -----------------------------------------------------------------


def red_pixels(pdf: bytes) -> int:
    png = subprocess.run(
        ["pdftoppm", "-r", "24", "-png", "-f", "1", "-l", "1", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout
    rgb = Image.open(io.BytesIO(png)).convert("RGB").tobytes()
    return sum(1 for i in range(0, len(rgb), 3) if rgb[i] > 200 and rgb[i + 1] < 90 and rgb[i + 2] < 90)


HINTS = {
    "body-bgcolor": '<body bgcolor="#ff0000"><p>Zabo</p></body>',
    "table-bgcolor": '<table bgcolor="#ff0000" width="600" height="400"><tr><td>Zabo</td></tr></table>',
    "td-bgcolor": '<table><tr><td bgcolor="red" width="600" height="400">Zabo</td></tr></table>',
    "tr-bgcolor": '<table width="600"><tr bgcolor="#f00" height="400"><td>Zabo</td></tr></table>',
    "font-color": '<p><font color="#ff0000" size="7">ZABO ZABO ZABO ZABO ZABO ZABO ZABO</font></p>',
    "hr-color": '<hr color="red" size="60" noshade>',
}


def _page(body: str) -> str:
    body = body if body.startswith("<body") else f"<body>{body}</body>"
    return f"<!DOCTYPE html><html lang=en><head><title>t</title></head>{body}</html>"


@pytest.mark.parametrize("name", list(HINTS))
def test_presentational_hints_paint_nothing(name):
    pdf, _ = html_to_pdf(_page(HINTS[name]), Settings(), stylesheets=False)
    assert red_pixels(pdf) == 0


def test_red_detector_sees_red():
    """Control for the test above: CSS red is found, so zero red means the hint was ignored."""
    html = _page('<p style="color: #f00; font-size: 60pt">ZABO ZABO</p>')
    pdf, _ = html_to_pdf(html, Settings(), stylesheets=False)
    assert red_pixels(pdf) > 50


# -- 4. Bad files via the CLI -------------------------------------------------------------------------

GOOD_BODY = b"\n# Zomirex\n\n**Usage:** Zabo zumi.\n"

#: (id, bytes, part of the message, line or None)
BAD_FILES = [
    ("empty", b"", "empty", None),
    ("whitespace", b"  \n\n\t\n", "empty", None),
    ("binary-nul", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary", None),
    ("binary-controls", bytes(range(1, 32)) * 40 + b"**Usage:** x", "binary", None),
    ("utf16", "---\ntitle: Zomirex\n---\n**Usage:** Zabo.\n".encode("utf-16"), "", None),
    (
        "not-utf8-nor-cp1252",
        b"---\ntitle: Zomirex\n---\n\n**Usage:** Zabo \x81\x8d\x8f\x90\x9d zumi.\n",
        "not UTF-8",
        5,
    ),
    (
        "broken-yaml",
        b"---\ntitle: Zomirex\nlayout: default\n  bad: indent\n---\n" + GOOD_BODY,
        "not valid YAML",
        4,
    ),
    ("unclosed-yaml", b"---\ntitle: Zomirex\nlayout: [unclosed\n---\n" + GOOD_BODY, "not valid YAML", 3),
    ("unterminated-front-matter", b"---\ntitle: Zomirex\n\n**Usage:** Zabo.\n", "never ends", 1),
    ("front-matter-list", b"---\n- Zomirex\n- Zumi\n---\n\n**Usage:** Zabo.\n", "must be a mapping", 2),
    ("front-matter-string", b'---\n"Zomirex"\n---\n\n**Usage:** Zabo.\n', "must be a mapping", 2),
    (
        "yaml-python-tag",
        b"---\ntitle: !!python/object/apply:os.system [id]\n---\n" + GOOD_BODY,
        "not valid YAML",
        2,
    ),
    ("yaml-alias-bomb", b"---\na: &a [x, x]\nb: &b [*a, *a]\ntitle: Z\n---\n" + GOOD_BODY, "aliases", 3),
    ("bad-explicit-tags", b"---\ntitle: !!int Zomirex\nlang: !!bool maybe\n---\n" + GOOD_BODY, "", None),
    ("no-title", b"---\nlayout: default\n---\n\n**Usage:** Zabo.\n", "no title", None),
    ("empty-title", b'---\ntitle: ""\n---\n\n**Usage:** Zabo.\n', "no title", None),
    ("title-is-a-mapping", b"---\ntitle: {a: b}\n---\n\n**Usage:** Zabo.\n", "title", None),
    (
        "nested-too-deep",
        b"---\ntitle: Zomirex\n---\n\n**Dosage:**\n\n" + b"- " * 1500 + b"x\n",
        "nested",
        None,
    ),
    ("over-the-size-limit", b"---\ntitle: Zomirex\n---\n\n**Usage:** " + b"Zabo zumi. " * 200, "limit", None),
]


def _bad_file_args(tmp_path: Path, name: str, data: bytes) -> tuple[Path, list[str]]:
    page = tmp_path / "pages" / "page.md"  # a neutral name: the message must say what is wrong
    page.parent.mkdir(exist_ok=True)
    page.write_bytes(data)
    args = ["render", str(page), "-o", str(tmp_path / "out" / "x.pdf")]
    if name == "over-the-size-limit":
        config = tmp_path / "leaflets.toml"
        config.write_text("[content]\nmax_bytes = 1000\n")
        args += ["--config", str(config)]
    return page, args


def _check_one_line(output: str, page: Path, message: str, line: int | None) -> None:
    assert "Traceback" not in output
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    where = f"{page}:{line}:" if line else f"{page}:"
    assert lines[0].startswith(f"error: {where}"), (lines[0], where)
    assert message in lines[0][len(f"error: {where}") :], lines[0]


@pytest.mark.parametrize(("name", "data", "message", "line"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_file_one_line_exit_1(name, data, message, line, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    page, args = _bad_file_args(tmp_path, name, data)
    result = _invoke(*args)
    assert result.exit_code == 1, result.output
    _check_one_line(result.output, page, message, line)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("name", "data", "message", "line"),
    [b for b in BAD_FILES if b[0] in {"empty", "not-utf8-nor-cp1252", "broken-yaml", "nested-too-deep"}],
    ids=["empty", "not-utf8-nor-cp1252", "broken-yaml", "nested-too-deep"],
)
def test_bad_file_in_a_real_process(name, data, message, line, tmp_path):
    page, args = _bad_file_args(tmp_path, name, data)
    proc = subprocess.run(
        [sys.executable, "-m", "leaflets", *args], capture_output=True, text=True, cwd=tmp_path
    )
    assert proc.returncode == 1
    assert proc.stdout == ""
    _check_one_line(proc.stderr, page, message, line)


def test_cp1252_page_is_read_with_a_warning_and_the_text_comes_out_right(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    usage = "Don’t take Zabo – it costs £5 for 10 µg… “Zumi” ‘Zeko’ €3 Œuvre."
    page = tmp_path / "cafe.md"
    page.write_bytes(f"---\ntitle: Café Zomirex\n---\n\n**Usage:** {usage}\n".encode("cp1252"))
    out = tmp_path / "cafe.html"
    result = _invoke(
        "render", str(page), "--format", "html", "-o", str(out), "--base-url", "https://x.invalid"
    )
    assert result.exit_code == 0, result.output
    warnings = [ln for ln in result.output.splitlines() if ln.startswith("warning:")]
    assert len(warnings) == 1, result.output
    assert warnings[0].startswith(f"warning: {page}:2: ") and "1252" in warnings[0], warnings[0]
    document = out.read_text(encoding="utf-8")
    assert ">Café Zomirex</h1>" in document
    # Tags aside: the print wraps doses and phone numbers in no-break spans.
    assert usage in htmllib.unescape(re.sub(r"<[^>]+>", "", document))


# -- 5. Pathological but valid pages ------------------------------------------------------------------

HEAD = "---\ntitle: Zomirex\n---\n\n# Zomirex\n\n**Usage:** Zabo zumi.\n\n"


def render_or_refuse(text: str, tmp_path: Path, reason: str) -> tuple[object, Path | None]:
    """Parse and print ``text``: (leaflet, PDF path), or (None, None) when a LeafletError refuses it
    with ``reason`` in its message."""
    try:
        leaflet = parse_page(text.encode("utf-8"), "patho.md")
        render_html(leaflet)
        path, _ = write_pdf(leaflet, tmp_path / "patho.pdf", Settings())
    except LeafletError as exc:
        assert re.search(reason, str(exc)), exc
        assert str(exc).startswith("patho.md")
        return None, None
    return leaflet, path


def pdfinfo(path: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", "-enc", "UTF-8", str(path)], capture_output=True, check=True, text=True)
    return dict(line.split(":", 1) for line in out.stdout.splitlines() if ":" in line)


def test_two_thousand_faq_items(tmp_path, monkeypatch):
    items = "\n".join(f"* **Zabo question {n}?** Zumi answer {n}." for n in range(2000))
    text = HEAD + f"**FAQs:**\n\n{items}\n"
    leaflet = parse_page(text.encode(), "faqs.md")
    assert len(leaflet.faqs) == 2000
    assert text_of(leaflet.faqs[0].question) == "Zabo question 0?"
    assert text_of(leaflet.faqs[-1].answer) == "Zumi answer 1999."
    page = tmp_path / "faqs.md"
    page.write_text(text)
    monkeypatch.chdir(tmp_path)
    result = _invoke("render", str(page), "-o", str(tmp_path / "faqs.pdf"))
    assert result.exit_code == 0, result.output
    assert int(pdfinfo(tmp_path / "faqs.pdf")["Pages"]) > 20


def test_five_thousand_character_word(tmp_path):
    word = "Zabo" + "z" * 4996
    leaflet, pdf = render_or_refuse(HEAD + f"**How it Works:** {word} zumi.\n", tmp_path, "too long|limit")
    if leaflet is not None:
        assert word in render_html(leaflet)
        assert int(pdfinfo(pdf)["Pages"]) >= 1


def test_258_character_title(tmp_path):
    title = " ".join(f"Zabo{n:03d}" for n in range(31)) + " Zumiquoxel"
    assert len(title) == 258
    text = f"---\ntitle: {title}\n---\n\n**Usage:** Zabo zumi.\n"
    leaflet, pdf = render_or_refuse(text, tmp_path, "title")
    if leaflet is not None:
        assert leaflet.title == title
        assert f">{title}</h1>" in render_html(leaflet)
        info = pdfinfo(pdf)
        assert info["Title"].strip() == title
        assert int(info["Pages"]) >= 1


def test_lists_nested_fifty_deep(tmp_path):
    nested = "".join("    " * depth + f"* Zabo level {depth}\n" for depth in range(50))
    leaflet, pdf = render_or_refuse(HEAD + f"**Dosage:**\n\n{nested}", tmp_path, "nested too deeply")
    if leaflet is not None:
        html = render_html(leaflet)
        assert html.count("<ul>") == 50
        assert "Zabo level 49" in html
        assert int(pdfinfo(pdf)["Pages"]) >= 1


@pytest.mark.parametrize(
    "body",
    [
        "**Dosage:**\n\n" + "- " * 1500 + "Zabo\n",  # too deep for the markdown parser
        "**Dosage:**\n\n" + ">" * 600 + " Zabo\n",  # parses, too deep for the layout
        "**Dosage:** " + "<ul><li>Zabo" * 600 + "</li></ul>" * 600 + "\n",
    ],
    ids=["dash-lists-1500", "blockquotes-600", "html-lists-600"],
)
def test_far_too_deep_nesting_is_refused_with_a_reason(body, tmp_path):
    leaflet, pdf = render_or_refuse(HEAD + body, tmp_path, "nested too deeply")
    if leaflet is not None:
        assert int(pdfinfo(pdf)["Pages"]) >= 1


def test_very_long_permalink(tmp_path):
    """A permalink longer than a QR code holds: printed without a QR, or refused with a reason."""
    text = (
        "---\ntitle: Zomirex\npermalink: https://leaflets.invalid/"
        + "z" * 3000
        + "\n---\n\n**Usage:** Zabo.\n"
    )
    leaflet, pdf = render_or_refuse(text, tmp_path, "permalink|URL|QR")
    if leaflet is not None:
        assert int(pdfinfo(pdf)["Pages"]) >= 1


# -- 6. Output ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("dated", [True, False], ids=["page-date", "no-date"])
def test_same_input_gives_identical_pdfs_in_separate_processes(dated, tmp_path):
    """Two processes (different hash seeds, a second apart, no SOURCE_DATE_EPOCH) print the same bytes."""
    page = tmp_path / "zomirex.md"
    date = "date: 2025-03-14\n" if dated else ""
    page.write_text(
        f"---\ntitle: Zomirex\n{date}---\n\n# Zomirex\n\n**Usage:** Zabo H<sub>2</sub>O.\n\n"
        "**Side Effects:** Common side effects include:\n\n* Zeko\n\n**Serious side effects:**\n\n* Zaru\n\n"
        "**FAQs:**\n\n* **Zabo?** Zumi.\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    outputs = []
    for seed, name in (("1", "one.pdf"), ("2", "two.pdf")):
        args = ["render", str(page), "-o", name, "--base-url", "https://x.invalid"]
        proc = subprocess.run(
            [sys.executable, "-m", "leaflets", *args],
            cwd=tmp_path,
            env={**env, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, proc.stderr
        outputs.append((tmp_path / name).read_bytes())
    assert outputs[0] == outputs[1]


@pytest.fixture
def good_output(tmp_path, monkeypatch):
    """A folder holding one good leaflet, rendered by the CLI: (folder, {format: path})."""
    monkeypatch.chdir(tmp_path)
    page = tmp_path / "good.md"
    page.write_text(HEAD + "**Side Effects:** Common side effects include:\n\n* Zeko\n")
    out = tmp_path / "out"
    paths = {}
    for fmt in ("pdf", "html"):
        target = out / f"good.{fmt}"
        assert _invoke("render", str(page), "--format", fmt, "-o", str(target)).exit_code == 0
        paths[fmt] = target
    return out, paths


def _unchanged(out: Path, paths: dict[str, Path], before: dict[str, bytes]) -> None:
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in paths.values())
    for fmt, path in paths.items():
        assert path.read_bytes() == before[fmt], fmt


@pytest.mark.parametrize("fmt", ["pdf", "html"])
def test_refused_page_never_replaces_a_good_file(fmt, good_output, tmp_path):
    out, paths = good_output
    before = {f: p.read_bytes() for f, p in paths.items()}
    for name, data in (
        ("empty", b""),
        ("yaml", b"---\ntitle: [x\n---\n"),
        ("deep", (HEAD + "**Dosage:**\n\n" + "- " * 1500 + "x\n").encode()),
    ):
        bad = tmp_path / f"{name}.md"
        bad.write_bytes(data)
        result = _invoke("render", str(bad), "--format", fmt, "-o", str(paths[fmt]))
        assert result.exit_code == 1, result.output
    _unchanged(out, paths, before)


@pytest.mark.parametrize("error", [RenderError("boom: layout failed"), RuntimeError("boom")])
def test_failed_render_never_replaces_a_good_pdf(error, good_output, tmp_path, monkeypatch):
    out, paths = good_output
    before = {f: p.read_bytes() for f, p in paths.items()}

    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(leaflets.pdf, "html_to_pdf", broken)
    page = tmp_path / "good.md"
    result = CliRunner().invoke(cli, ["render", str(page), "-o", str(paths["pdf"])])
    assert result.exit_code != 0
    if isinstance(error, LeafletError):
        assert result.exit_code == 1 and "boom" in result.output and "Traceback" not in result.output
    _unchanged(out, paths, before)


def _atomic_module():
    return sys.modules[write_atomic.__module__]


def test_write_atomic_failing_midway_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "leaflet.pdf"
    target.write_bytes(b"%PDF-old and good")
    real_fdopen = os.fdopen

    class HalfWriter:
        def __init__(self, fh):
            self.fh = fh

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

        def write(self, data):
            self.fh.write(data[: len(data) // 2])
            self.fh.flush()
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name):
            return getattr(self.fh, name)

    monkeypatch.setattr(
        _atomic_module().os, "fdopen", lambda fd, *a, **k: HalfWriter(real_fdopen(fd, *a, **k))
    )
    with pytest.raises(OSError):
        write_atomic(b"%PDF-new " + b"x" * 10_000, target)
    assert target.read_bytes() == b"%PDF-old and good"
    assert [p.name for p in tmp_path.iterdir()] == ["leaflet.pdf"]


def test_write_atomic_over_a_file_size_limit_keeps_the_old_file(tmp_path):
    """The write really fails midway (RLIMIT_FSIZE), whatever write_atomic does inside."""
    target = tmp_path / "leaflet.pdf"
    target.write_bytes(b"%PDF-old and good")
    code = textwrap.dedent(f"""\
        import resource, signal, sys
        from leaflets.pdf import write_atomic
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
        try:
            write_atomic(b"%PDF-new " + b"x" * 100_000, {str(target)!r})
        except OSError as exc:
            sys.exit(3)
        """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 3, proc.stderr
    assert target.read_bytes() == b"%PDF-old and good"
    assert [p.name for p in tmp_path.iterdir()] == ["leaflet.pdf"]


def test_content_error_names_the_file_from_the_library_too():
    with pytest.raises(ContentError) as info:
        parse_page(b"\x81\x8d\x8f\x90\x9d", "pages/x.md")
    assert str(info.value) == "pages/x.md:1: file is not UTF-8 text"


@pytest.mark.parametrize(("key", "value"), [("date", "2025-02-30"), ("lastModified", "0000-01-01")])
def test_impossible_dates_print_as_written_and_check_warns(key, value, tmp_path, monkeypatch):
    """A typo in the page's date is shown, as the page wrote it, never a crash; check flags it."""
    monkeypatch.chdir(tmp_path)
    page = tmp_path / "dated.md"
    page.write_bytes(f"---\ntitle: Zomirex\n{key}: {value}\n---\n".encode() + GOOD_BODY)
    result = CliRunner().invoke(cli, ["render", str(page), "--format", "html", "-o", "d.html"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert value in (tmp_path / "d.html").read_text(encoding="utf-8")
    checked = CliRunner().invoke(cli, ["check", str(page)])
    assert f"date {value!r} is not a real date" in checked.output


# -- Bounded layout time: limits checked before WeasyPrint sees the page --------------------------


@pytest.mark.parametrize("count", [300, 301, 4000])
def test_inline_markup_per_paragraph_is_capped(count):
    page = b"---\ntitle: Zomirex\n---\n**Usage:** " + b"<i>z</i>" * count + b"\n"
    if count <= 300:
        assert parse_page(page, "fuzz.md").sections
        return
    with pytest.raises(ContentError, match="pieces of inline markup") as info:
        parse_page(page, "fuzz.md")
    assert info.value.line == 4


@pytest.mark.parametrize(
    "body",
    [
        "\n".join("    " * i + "* z" for i in range(120)),
        "- " * 150 + "z",
        "> " * 150 + "z",
        "<ul><li>" * 150 + "z" + "</li></ul>" * 150,
    ],
    ids=["indented-lists", "dash-markers", "quotes", "html-lists"],
)
def test_deep_nesting_is_refused_before_parsing(body):
    page = f"---\ntitle: Zomirex\n---\n**Usage:**\n\n{body}\n".encode()
    with pytest.raises(ContentError, match="nested too deeply"):
        parse_page(page, "fuzz.md")


def test_render_deadline_stops_a_slow_render(tmp_path, monkeypatch):
    """Defence in depth behind the input limits: a render past [print] timeout is stopped."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "leaflets.toml").write_text("[print]\ntimeout = 0.01\n")
    page = tmp_path / "p.md"
    page.write_bytes(b"---\ntitle: Zomirex\n---\n" + GOOD_BODY)
    result = CliRunner().invoke(cli, ["render", str(page), "-o", "p.pdf"])
    assert result.exit_code == 1
    assert "rendering took longer than 0.01 s and was stopped" in result.output
    assert not (tmp_path / "p.pdf").exists()
    (tmp_path / "leaflets.toml").write_text("[print]\ntimeout = 60\n")
    assert CliRunner().invoke(cli, ["render", str(page), "-o", "p.pdf"]).exit_code == 0


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_an_alarm_dropped_inside_a_destructor_is_still_a_timeout():
    """Python drops an exception raised in a destructor (or a gc callback): the deadline must not
    depend on where its alarm happens to land."""
    import time

    class SlowToDie:
        def __del__(self):
            end = time.monotonic() + 0.5
            while time.monotonic() < end:
                pass

    with pytest.raises(leaflets.pdf.RenderTimeout), leaflets.pdf.deadline(0.05):
        SlowToDie()  # made and destroyed at once: the alarm fires inside __del__
