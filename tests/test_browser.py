"""The whole counter flow in a real headless Chromium (Debian's), driven by Playwright, with
axe-core checking the index and the preview for serious accessibility violations."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import uvicorn
from browser import launch, serious_violations
from conftest import BASE_URL, ROOT, pdftotext
from playwright.sync_api import sync_playwright

from leaflets import Settings
from leaflets.web import create_app


@pytest.fixture(scope="module")
def server():
    settings = Settings(base_url=BASE_URL)
    app = create_app(ROOT / "content", settings, workers=1)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "server did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def page():
    with sync_playwright() as p:
        browser = launch(p)
        # axe is injected as an inline script, which the page's CSP (rightly) forbids.
        yield browser.new_context(bypass_csp=True).new_page()
        browser.close()


def test_pharmacist_flow(server, page, tmp_path):
    page.goto(server + "/")
    assert serious_violations(page) == []
    page.fill("#q", "amox")
    page.wait_for_function("document.querySelectorAll('#results li').length === 2")
    assert "2 leaflets match" in page.inner_text("#count")
    page.fill("#q", "clavulanic")
    page.wait_for_function("document.querySelectorAll('#results li').length === 1")
    page.click("text=Amoxicillin + Clavulanic Acid")
    page.wait_for_url("**/leaflets/amoxicillin-clavulanic-acid")
    assert serious_violations(page) == []
    page.check("input[name=size][value=large]")
    page.fill("#patient", "Maria O’Neill")
    page.fill("#directions", "Take 1 tablet three times a day with food")
    page.fill("#initials", "JS")
    # Chromium shows a PDF in its viewer, whose page is not the PDF: take the bytes on the wire.
    captured = {}

    def keep(route):
        response = route.fetch()
        captured.update(
            method=route.request.method,
            status=response.status,
            headers=response.headers,
            body=response.body(),
            form=route.request.post_data or "",
        )
        route.fulfill(response=response)

    page.route("**/leaflets/*.pdf", keep)
    page.click("button[type=submit]")
    page.wait_for_function("true")
    deadline = time.monotonic() + 60
    while "body" not in captured and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert captured["method"] == "POST" and captured["status"] == 200
    assert "Maria" not in page.url  # patient data travels in the body, never in the URL
    assert "patient=Maria" in captured["form"]
    assert captured["headers"]["cache-control"] == "no-store"
    assert captured["headers"]["content-type"] == "application/pdf"
    pdf = tmp_path / "printed.pdf"
    pdf.write_bytes(captured["body"])
    text = pdftotext(pdf, "-layout")
    top = text.split("Generic Name")[0]
    assert "Maria O’Neill" in top
    assert "Take 1 tablet three times a day with food" in top
    assert "Amoxicillin + Clavulanic Acid" in top
    import pdfplumber

    with pdfplumber.open(pdf) as doc:
        sizes = sorted(c["size"] for c in doc.pages[0].chars if c["text"].strip())
    assert sizes[len(sizes) // 2] >= 18  # large print was chosen


def test_search_works_without_javascript(server, page):
    page.goto(server + "/?q=salbutamol")
    assert page.locator("#results li").count() == 1


def test_axe_check_can_fail(page):
    """The checker itself works: an unlabelled field and an image without alt are caught."""
    page.set_content("<!DOCTYPE html><html><body><input type=text><img src='data:,'></body></html>")
    found = serious_violations(page)
    assert any(v.startswith("label:") for v in found)
    assert any(v.startswith("image-alt:") for v in found)


def test_counter_previews_a_right_to_left_leaflet(server, page):
    page.goto(server + "/leaflets/paracetamol-ar")
    article = page.locator("article.leaflet")
    assert article.get_attribute("lang") == "ar" and article.get_attribute("dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.querySelector('article.leaflet')).direction") == "rtl"
    assert serious_violations(page) == []
    page.goto(server + "/leaflets/ibuprofen-zh")
    assert page.locator("article.leaflet").get_attribute("lang") == "zh-CN"
    assert serious_violations(page) == []
