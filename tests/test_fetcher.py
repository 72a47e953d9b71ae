"""The locked URL fetcher on its own: hostile HTML straight to the renderer, sanitiser bypassed."""

from __future__ import annotations

import http.server
import threading
from typing import ClassVar

import pytest

from leaflets import RenderError, Settings
from leaflets.assets import font_dirs, styles_dir
from leaflets.pdf import LockedFetcher, html_to_pdf


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self):
        _Counter.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red }")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture
def secret(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-CONTENT-42")
    return path


def _doc(body: str, head: str = "") -> str:
    return f"<!DOCTYPE html><html lang=en><head><title>t</title>{head}</head><body>{body}</body></html>"


def hostile_cases(server: str, secret) -> list[tuple[str, str]]:
    uri = secret.as_uri()
    return [
        ("attachment-file", _doc("<p>x</p>", f'<link rel="attachment" href="{uri}">')),
        ("attachment-http", _doc("<p>x</p>", f'<link rel="attachment" href="{server}/att">')),
        ("img-file", _doc(f'<p><img src="{uri}" alt="x"></p>')),
        ("img-http", _doc(f'<p><img src="{server}/img.png" alt="x"></p>')),
        ("stylesheet-http", _doc("<p>x</p>", f'<link rel="stylesheet" href="{server}/s.css">')),
        ("css-import", _doc("<p>x</p>", f'<style>@import url("{server}/i.css");</style>')),
        ("css-url-file", _doc(f'<p style="background: url({uri})">x</p>')),
        ("css-url-http", _doc("<p>x</p>", f"<style>p {{ background: url({server}/bg.png) }}</style>")),
        ("object-http", _doc(f'<object data="{server}/o.svg" type="image/svg+xml"></object>')),
        ("traversal", _doc(f'<img src="{styles_dir().as_uri()}/../../../../{uri[8:]}" alt="x">')),
        ("relative", _doc('<img src="../../../../etc/hostname" alt="x">')),
    ]


@pytest.mark.parametrize("case", range(11))
def test_fetcher_refuses_hostile_references(server, secret, case):
    name, html = hostile_cases(server, secret)[case]
    _Counter.hits.clear()
    with pytest.raises(RenderError, match="refused to fetch"):
        html_to_pdf(html, Settings(), stylesheets=False)
    assert _Counter.hits == [], name


def test_fetcher_unit_allows_only_asset_roots(secret, tmp_path):
    fetcher = LockedFetcher((styles_dir(), *font_dirs()))
    font = next(font_dirs()[0].glob("*.ttf"))
    assert fetcher.fetch(font.as_uri()).read()[:4] in (b"\x00\x01\x00\x00", b"true", b"OTTO")
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"
    for url in (
        secret.as_uri(),
        "http://127.0.0.1:1/x",
        "https://example.org/x",
        "file://otherhost/etc/passwd",
        "ftp://127.0.0.1/x",
        f"{styles_dir().as_uri()}/../../../../etc/hostname",
    ):
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(url)


def test_symlink_out_of_asset_root_is_refused(tmp_path, secret):
    root = tmp_path / "root"
    root.mkdir()
    (root / "link.css").symlink_to(secret)
    fetcher = LockedFetcher((root,))
    with pytest.raises(ValueError, match="refused"):
        fetcher.fetch((root / "link.css").as_uri())
