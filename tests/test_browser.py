"""The whole counter flow in a real headless Chromium (Debian's), driven by Playwright, with
axe-core checking every state of the pages for serious accessibility violations."""

from __future__ import annotations

import io
import logging
import os
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pikepdf
import pytest
import uvicorn
from browser import launch, serious_violations
from conftest import BASE_URL, ROOT
from playwright.sync_api import sync_playwright

from leaflets import Settings
from leaflets.settings import Pharmacy
from leaflets.web import create_app

PATIENT = "Maria Quintessa O’Neill"


class Collect(logging.Handler):
    """Every log line the server writes, access log included, formatted as it would print."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture(scope="module")
def logs():
    handler = Collect()
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(previous)


@pytest.fixture(scope="module")
def server(logs):
    settings = Settings(base_url=BASE_URL, pharmacy=Pharmacy("Corner Pharmacy", "1 High St", "0123 456"))
    app = create_app(ROOT / "content", settings, workers=1)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="debug", access_log=True, log_config=None
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "server did not start"
    assert app.state.library.wait(120), "the pages were not read"
    yield f"http://127.0.0.1:{port}", app
    srv.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        chromium = launch(p)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    # axe is injected as an inline script, which the page's CSP (rightly) forbids.
    context = browser.new_context(bypass_csp=True)
    yield context.new_page()
    context.close()


def text(pdf: bytes, *args: str) -> str:
    """pdftotext from memory: the patient's PDF is never written to disk, even by the test."""
    return subprocess.run(
        ["pdftotext", *args, "-enc", "UTF-8", "-", "-"], input=pdf, check=True, capture_output=True
    ).stdout.decode()


def capture_pdfs(page) -> list[dict]:
    """The PDF responses on the wire (Chromium shows a PDF in its viewer, whose page is not the PDF)."""
    captured: list[dict] = []

    def keep(route):
        response = route.fetch()
        captured.append(
            {
                "method": route.request.method,
                "url": route.request.url,
                "status": response.status,
                "headers": response.headers,
                "body": response.body(),
                "form": route.request.post_data or "",
            }
        )
        route.fulfill(response=response)

    page.route("**/*.pdf", keep)
    return captured


STUB_PRINT = """() => {
  // Stub the print dialog on the hidden frame, before the counter's own load handler calls it.
  window.__printed = [];
  const frame = document.getElementById("print-frame");
  frame.addEventListener("load", () => {
    const win = frame.contentWindow;
    win.print = () => window.__printed.push(win.location.href);
  });
}"""


def add(page, query: str, directions: str, strength: str = "", quantity: str = "") -> None:
    """Search, Enter on the single match, then type the medicine's fields (Enter goes back)."""
    before = page.locator("#items > li").count()
    page.fill("#q", query)
    page.wait_for_function(
        "q => document.getElementById('count').textContent.includes('\u2068' + q + '\u2069')", arg=query
    )
    assert page.locator("#results li").count() == 1, query
    page.press("#q", "Enter")
    page.wait_for_function(f"document.querySelectorAll('#items > li').length === {before + 1}")
    item = page.locator("#items > li").nth(before)
    assert page.evaluate("document.activeElement.name") == "directions"
    page.keyboard.type(directions)
    if strength:
        item.locator("input[name=strength]").fill(strength)
    if quantity:
        item.locator("input[name=quantity]").fill(quantity)
    item.locator("input[name=directions]").press("Enter")
    assert page.evaluate("document.activeElement.id") == "q"


def print_and_wait(page, captured) -> dict:
    count = len(captured)
    page.evaluate(STUB_PRINT)
    page.click("#print")
    page.wait_for_function("window.__printed && window.__printed.length === 1", timeout=180_000)
    assert page.evaluate("window.__printed[0]").startswith("blob:")  # called on the frame
    assert len(captured) == count + 1
    return captured[-1]


def new_files_with(name: str, since: float, folders) -> list[str]:
    """Files changed since ``since`` under ``folders`` that hold ``name`` (a PDF is read as text)."""
    found = []
    for folder in folders:
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = [d for d in dirnames if d not in (".git", ".venv", "__pycache__")]
            for filename in filenames:
                path = Path(dirpath) / filename
                try:
                    if not path.is_file() or path.stat().st_mtime < since or path.stat().st_size > 50_000_000:
                        continue
                    data = path.read_bytes()
                except OSError:
                    continue
                if data.startswith(b"%PDF"):  # read as text; a PDF still being written by
                    done = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True)
                    data = done.stdout if done.returncode == 0 else data  # another process: raw
                if name.encode() in data or name.encode("utf-16-le") in data:
                    found.append(str(path))
    return found


def test_prescription_flow(server, page, logs):
    """Search, add three medicines with directions, print in one click: the print dialog is
    called on the hidden frame, and the PDF is the whole prescription."""
    base, app = server
    started = time.time()
    captured = capture_pdfs(page)
    page.goto(base + "/")
    assert page.evaluate("document.activeElement.id") == "q"  # focus on load
    assert serious_violations(page) == []
    add(page, "ventolin", "Two puffs as needed", "100 micrograms inhaler", "1")
    add(page, "lipitor", "One, three times a day", "500 mg capsules", "21")
    add(page, "losec", "One each morning", "20 mg capsules", "28")
    page.fill("#patient", PATIENT)
    page.fill("#initials", "JS")
    assert serious_violations(page) == []
    # A search with no match suggests the nearest names, and that state is accessible too.
    page.fill("#q", "baklofin")
    page.wait_for_function("!document.getElementById('suggestions').hidden")
    assert "Did you mean Baclofen?" in page.inner_text("#suggestions")
    assert serious_violations(page) == []

    sent = print_and_wait(page, captured)
    assert sent["method"] == "POST" and sent["status"] == 200 and sent["url"].endswith("/prescriptions.pdf")
    assert "Maria" not in page.url and "Maria" not in sent["url"]  # in the body, never the URL
    assert sent["headers"]["cache-control"] == "no-store"
    assert sent["headers"]["content-type"] == "application/pdf"
    assert "Maria" not in sent["headers"]["content-disposition"]
    assert page.is_visible("#open-pdf")  # the new-tab fallback is offered
    assert "print dialog is open" in page.inner_text("#rx-status")
    assert serious_violations(page) == []

    pdf = sent["body"]
    pages = text(pdf).split("\f")[:-1]
    summary = text(pdf, "-layout", "-f", "1", "-l", "1")
    rows = [line for line in summary.splitlines() if "page " in line and "Leaflet" not in line]
    assert [r.split()[0] for r in rows] == ["Salbutamol", "Atorvastatin", "Omeprazole"]
    for row, directions in zip(
        rows, ["Two puffs as needed", "One, three times a day", "One each morning"], strict=True
    ):
        assert directions in row
    starts = [int(r.rsplit("page ", 1)[1].split()[0]) for r in rows]
    for title, directions, start in zip(
        ["Salbutamol", "Atorvastatin", "Omeprazole"],
        ["Two puffs as needed", "One, three times a day", "One each morning"],
        starts,
        strict=True,
    ):
        assert (
            title in pages[start - 1] and directions in pages[start - 1] and "Page 1 of" in pages[start - 1]
        )
    assert all(PATIENT in p for p in pages), "the patient's name is on every page"
    with pikepdf.open(io.BytesIO(pdf)) as doc, doc.open_outline() as tree:
        assert [i.title for i in tree.root] == ["Your medicines", "Salbutamol", "Atorvastatin", "Omeprazole"]
        assert PATIENT not in str(doc.docinfo.get("/Title")) and PATIENT not in str(doc.open_metadata())

    # The remembered staff choices, and nothing personal, in localStorage.
    stored = page.evaluate("JSON.stringify(Object.assign({}, window.localStorage))")
    assert '"leaflets.initials":"JS"' in stored and "Maria" not in stored and "puffs" not in stored

    # New prescription: one click, the form empty again but for the staff choices.
    page.click("#new")
    assert page.locator("#items > li").count() == 0
    assert page.input_value("#patient") == "" and page.input_value("#initials") == "JS"
    assert page.evaluate("document.activeElement.id") == "q"
    assert serious_violations(page) == []

    # After the flow: the name in no log line, no new file, no cache entry.
    assert logs.lines, "the server logged nothing at all: the log check would prove nothing"
    assert any("POST /prescriptions.pdf" in line for line in logs.lines)  # the access log is seen
    assert not [line for line in logs.lines if "Maria" in line or "Quintessa" in line]
    assert new_files_with("Quintessa", started - 1, [Path.cwd(), Path(tempfile.gettempdir())]) == []
    cache = app.state.renderer.cache
    assert not any("Quintessa" in str(key) for key in cache)
    assert not any("Quintessa" in text(value) for value in cache.values())


def test_a_prescription_of_five_and_of_one(server, page):
    base, _ = server
    captured = capture_pdfs(page)
    page.goto(base + "/")
    for query in ("ventolin", "augmentin", "losec", "nurofen", "lipitor"):
        add(page, query, f"As directed for {query}")
    page.fill("#patient", "Five Items")
    sent = print_and_wait(page, captured)
    with pikepdf.open(io.BytesIO(sent["body"])) as doc, doc.open_outline() as tree:
        assert [i.title for i in tree.root][1:] == [
            "Salbutamol",
            "Amoxicillin + Clavulanic Acid",
            "Omeprazole",
            "Ibuprofen",
            "Atorvastatin",
        ]
    page.click("#new")
    add(page, "baclofen", "Half a tablet at night")
    sent = print_and_wait(page, captured)
    assert "Half a tablet at night" in text(sent["body"], "-f", "1", "-l", "1")
    # A second print reuses the frame: the dialog is called once more, on the new PDF.


def test_the_prescription_downloads_as_braille_and_audio(server, page):
    """The same form gives the whole prescription as a BRF or an MP3 file, saved by the page
    (the patient's name in the POST body only)."""
    base, _ = server
    page.goto(base + "/")
    add(page, "ventolin", "Two puffs as needed")
    add(page, "baclofen", "Half a tablet at night")
    page.fill("#patient", "Braille Reader")
    for button, name, magic in (
        ("#rx-brf", "prescription.brf", None),
        ("#rx-mp3", "prescription.mp3", b"ID3"),
    ):
        with page.expect_download(timeout=180_000) as info:
            page.click(button)
        download = info.value
        assert download.suggested_filename == name
        data = Path(download.path()).read_bytes()
        assert data.startswith(magic) if magic else data.decode("ascii").endswith("\r\n\f")
        assert "saved" in page.inner_text("#rx-status")
    assert "Braille Reader" not in page.url
    assert serious_violations(page) == []


def test_the_preview_prints_one_leaflet(server, page):
    """Today's route still works: the preview's form gives one personalised leaflet. (Not routed
    through Playwright, whose re-issued navigation would lose the Origin header the browser sends.)"""
    base, _ = server
    page.goto(base + "/leaflets/amoxicillin-clavulanic-acid")
    assert serious_violations(page) == []
    page.fill("#patient", "Maria O’Neill")
    page.fill("#directions", "Take 1 tablet three times a day with food")
    with page.expect_response("**/leaflets/*.pdf", timeout=180_000) as info:
        page.click("form.print-form button[type=submit]")
    response = info.value
    assert response.request.method == "POST" and response.status == 200
    sent = response.request.all_headers()
    # Our pages send no referrer, so Chromium says "Origin: null" and "Sec-Fetch-Site: same-origin".
    assert sent["origin"] in (base, "null") and sent["sec-fetch-site"] == "same-origin"
    # Chromium's viewer keeps the navigation's body: replay the request exactly as it was sent.
    again = page.request.post(response.url, headers=sent, data=response.request.post_data_buffer)
    assert again.status == 200 and again.headers["cache-control"] == "no-store"
    # The patient's box stands in page 1's masthead, above the body's first section, in USP <17>
    # order: patient, medicine, directions.
    top = text(again.body(), "-layout", "-f", "1", "-l", "1").split("\nUsage")[0]
    box = top.split("Directions from your pharmacist")[1]
    order = [box.find(w) for w in ("Maria O’Neill", "Amoxicillin + Clavulanic Acid", "Take 1 tablet")]
    assert -1 not in order and order == sorted(order), box
    assert "Take 1 tablet three times a day with food" in box


def test_ctrl_p_on_the_preview_prints_the_qr_code_at_its_own_size(server, page):
    """On screen the symbol is 8rem; printed, it keeps the size qr.py gives it (more than 32 mm
    for a long address, so that no module is under 0.5 mm): no print rule may shrink it."""
    page.goto(server[0] + "/leaflets/baclofen")
    qr = "document.querySelector('.leaflet svg.qr')"
    rem = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert page.evaluate(f"{qr}.getBoundingClientRect().width") == pytest.approx(8 * rem, abs=1)
    page.emulate_media(media="print")
    page.evaluate(f"{qr}.setAttribute('width', '45mm'), {qr}.setAttribute('height', '45mm')")
    width_mm = page.evaluate(f"{qr}.getBoundingClientRect().width") * 25.4 / 96
    assert width_mm == pytest.approx(45, abs=0.5)


def test_search_works_without_javascript(server, page):
    page.goto(server[0] + "/?q=salbutamol")
    assert page.locator("#results li").count() == 1


def test_axe_check_can_fail(page):
    """The checker itself works: an unlabelled field and an image without alt are caught."""
    page.set_content("<!DOCTYPE html><html><body><input type=text><img src='data:,'></body></html>")
    found = serious_violations(page)
    assert any(v.startswith("label:") for v in found)
    assert any(v.startswith("image-alt:") for v in found)


def test_counter_previews_a_right_to_left_leaflet(server, page):
    base, _ = server
    page.goto(base + "/leaflets/paracetamol-ar")
    article = page.locator("article.leaflet")
    assert article.get_attribute("lang") == "ar" and article.get_attribute("dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.querySelector('article.leaflet')).direction") == "rtl"
    assert serious_violations(page) == []
    page.goto(base + "/leaflets/ibuprofen-zh")
    assert page.locator("article.leaflet").get_attribute("lang") == "zh-CN"
    assert serious_violations(page) == []


def test_the_counter_in_arabic_from_the_browsers_language(server, browser):
    """Chromium's locale sets Accept-Language: the counter answers in Arabic, right to left, with
    its script's words too, passes axe in each state, and the switch changes it without script."""
    from leaflets.i18n import texts

    base, _ = server
    ar = texts("ar")
    context = browser.new_context(bypass_csp=True, locale="ar")
    page = context.new_page()
    page.goto(base + "/")
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["ar", "rtl"]
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert page.locator("h1").inner_text() == ar["find"]
    # Mirrored, not pushed aside: nothing hangs off the start edge (no sideways scroll).
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert serious_violations(page) == []
    page.fill("#q", "amox")
    expected = ar["count_match"].split("{query}")[0] + "\u2068amox\u2069"  # the query isolated
    page.wait_for_function("t => document.getElementById('count').textContent.startsWith(t)", arg=expected)
    # Titles the script lists carry their own language in an Arabic counter.
    assert page.locator("#results li a").first.get_attribute("lang") == "en"
    page.locator("#results li button.add").first.click()
    status = page.locator("#rx-status")
    assert status.inner_text().endswith(ar["added"].split(". ")[-1].replace("{count}", "1"))
    assert serious_violations(page) == []
    page.click("#new")
    assert status.inner_text() == ar["next_patient"]
    page.click("#print")
    assert status.inner_text() == ar["add_first"]
    # The switch: a plain form, no script needed; the choice outlives the page.
    page.select_option("#ui-language", "fr")
    page.click("form.ui-language button")
    page.wait_for_load_state()
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["fr", "ltr"]
    assert page.locator("h1").inner_text() == texts("fr")["find"]
    assert serious_violations(page) == []
    page.goto(base + "/leaflets/paracetamol-ar")
    assert page.evaluate("document.documentElement.lang") == "fr"
    assert page.locator("article.leaflet").get_attribute("lang") == "ar"
    assert serious_violations(page) == []
    context.close()
