"""The counter page's routes, through Starlette's test client (PDFs rendered in-process)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import BASE_URL, ROOT, pdftotext
from starlette.testclient import TestClient

from leaflets import Settings
from leaflets import web as web_module
from leaflets.cli import cli
from leaflets.settings import Pharmacy
from leaflets.web import create_app
from leaflets.web_print import BODY_LIMIT

TOKEN = "correct-horse-battery-staple"


@pytest.fixture(scope="module")
def content(tmp_path_factory):
    root = tmp_path_factory.mktemp("content")
    shutil.copytree(ROOT / "content", root, dirs_exist_ok=True)
    return root


@pytest.fixture(scope="module")
def settings():
    return Settings(base_url=BASE_URL, pharmacy=Pharmacy("Corner Pharmacy", "1 High St", "0123 456"))


HERE = "http://127.0.0.1:8000"


class Counter(TestClient):
    """Waits, once started, until every page is read (on a loaded machine that can take longer
    than the counter's own start-up wait, and these tests count pages)."""

    wait = True

    def __enter__(self):
        client = super().__enter__()
        if self.wait:
            assert self.app.state.library.wait(120)
        return client


def counter(app, wait: bool = True, **kwargs) -> TestClient:
    """A test client that talks to the counter as its own page does: at its bound address, with
    our Origin on every request."""
    client = Counter(app, base_url=HERE, headers={"Origin": HERE}, **kwargs)
    client.wait = wait
    return client


@pytest.fixture(scope="module")
def client(content, settings):
    with counter(create_app(content, settings, workers=0)) as c:
        yield c


def text_of_pdf(data: bytes, tmp_path, name="out.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return pdftotext(path, "-layout")


def test_index_lists_and_searches(client):
    page = client.get("/")
    assert page.status_code == 200
    assert page.text.count('<li><a href="/leaflets/') == len(list((ROOT / "content").rglob("*.md")))
    for query, expected in [
        ("amox", {"amoxicillin", "amoxicillin-clavulanic-acid"}),
        ("AMOX", {"amoxicillin", "amoxicillin-clavulanic-acid"}),
        ("clavul", {"amoxicillin-clavulanic-acid"}),
        ("Báclofén", {"baclofen"}),
        ("paracetmol", {"paracetamol", "paracetamol-ar"}),  # the Arabic page is paracetamol too
        ("布洛芬", {"ibuprofen-zh"}),  # a title in Chinese
        ("омепразол", {"omeprazole-ru"}),
        ("albuterol", {"salbutamol"}),  # its generic name on the page
    ]:
        hits = {h["slug"] for h in client.get("/api/search", params={"q": query}).json()["results"]}
        assert hits == expected, query
        html = client.get("/", params={"q": query}).text
        assert all(f'href="/leaflets/{slug}"' in html for slug in expected)
    assert client.get("/api/search", params={"q": "zzzzqqq"}).json()["results"] == []


def test_query_is_escaped(client):
    html = client.get("/", params={"q": '"><script>alert(1)</script>'}).text
    assert "<script>alert(1)" not in html
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html or "&quot;&gt;&lt;script&gt;" in html
    assert client.get("/", params={"q": "x" * 201}).status_code == 400


def test_security_headers(client):
    response = client.get("/")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_preview_has_the_leaflet_and_the_print_form(client):
    html = client.get("/leaflets/baclofen").text
    assert '<form class="print-form" action="/leaflets/baclofen.pdf" method="post">' in html
    for field in (
        'name="size"',
        'name="paper"',
        'name="patient"',
        'name="directions"',
        'name="initials"',
        'maxlength="200"',
    ):
        assert field in html
    assert html.count('data-severity="serious"') == 5
    assert "Serious side effects" in html and "<svg" in html
    assert "Corner Pharmacy" in html


@pytest.mark.parametrize(
    "path",
    [
        "/leaflets/nope",
        "/leaflets/nope.pdf",
        "/leaflets/..%2F..%2Fetc%2Fpasswd",
        "/leaflets/%2Fetc%2Fpasswd",
        "/leaflets/..%2Fleaflets.toml.pdf",
        "/leaflets/%2e%2e",
        "/static/../leaflets.toml",
        "/static/%2e%2e/%2e%2e/etc/passwd",
        "/static/fonts/../../x",
    ],
)
def test_unknown_and_traversing_paths_are_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "root:" not in response.text and "[site]" not in response.text


def test_static_allowlist(client):
    assert client.get("/static/screen.css").status_code == 200
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/static/fonts/AtkinsonHyperlegible-Regular.ttf").status_code == 200


def test_plain_pdf_is_cacheable(client, tmp_path):
    response = client.get("/leaflets/baclofen.pdf", params={"size": "large", "paper": "letter"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline")
    assert "max-age" in response.headers["cache-control"]
    again = client.get(
        "/leaflets/baclofen.pdf",
        params={"size": "large", "paper": "letter"},
        headers={"If-None-Match": response.headers["etag"]},
    )
    assert again.status_code == 304
    path = tmp_path / "l.pdf"
    path.write_bytes(response.content)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert "(letter)" in info


@pytest.mark.parametrize("params", [{"size": "huge"}, {"paper": "a3"}])
def test_bad_parameters_are_400(client, params):
    response = client.get("/leaflets/baclofen.pdf", params=params)
    assert response.status_code == 400
    assert "must be one of" in response.text


def test_personalised_pdf(client, tmp_path):
    form = {
        "size": "standard",
        "paper": "a4",
        "patient": "Jane <b>Doe</b> & Sons",
        "directions": "Take 1 tablet three times a day",
        "initials": "AB",
    }
    response = client.post("/leaflets/baclofen.pdf", data=form)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    text = text_of_pdf(response.content, tmp_path)
    top = text.split("Usage")[0]  # page 1's masthead: title, QR code, pharmacy, the patient's box
    assert "Directions from your pharmacist" in top
    assert "Jane <b>Doe</b> & Sons" in top
    assert "Take 1 tablet three times a day" in top
    assert "Corner Pharmacy" in top
    assert "Dosage (general information)" in text or "Dosage" not in text


def test_personal_fields_are_limited(client):
    too_long = client.post("/leaflets/baclofen.pdf", data={"patient": "x" * 201})
    assert too_long.status_code == 400 and "200 characters" in too_long.text
    huge = client.post(
        "/leaflets/baclofen.pdf",
        content=b"patient=" + b"x" * (BODY_LIMIT + 1),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert huge.status_code == 413
    bad = client.post("/leaflets/baclofen.pdf", data={"size": "enormous"})
    assert bad.status_code == 400


def test_patient_data_never_reaches_logs(client, caplog):
    caplog.set_level("DEBUG")
    client.post("/leaflets/baclofen.pdf", data={"patient": "Zebulon Quartermaine"})
    assert "Zebulon" not in caplog.text


def test_page_is_reloaded_when_its_file_changes(content, settings):
    with counter(create_app(content, settings, workers=0)) as c:
        page = content / "o/omeprazole.md"
        original = page.read_text()
        try:
            page.write_text(
                original.replace("**How it Works:**", "**How it Works:** Freshly edited sentence.")
            )
            assert "Freshly edited sentence." in c.get("/leaflets/omeprazole").text
        finally:
            page.write_text(original)


def test_healthz(client):
    assert client.get("/healthz").json()["status"] == "ok"


def test_token_gate(content, settings):
    with counter(create_app(content, settings, workers=0, token=TOKEN)) as c:
        assert c.get("/").status_code == 401
        assert c.get("/leaflets/baclofen.pdf").status_code == 401
        assert c.get("/", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
        login = c.get(f"/?token={TOKEN}", follow_redirects=False)
        assert login.status_code == 303 and "token" not in login.headers["location"]
        assert c.get("/").status_code == 200  # the cookie now
        c.cookies.clear()
        assert c.get("/?token=wrong-token-wrong-token").status_code == 401


def test_serve_refuses_other_addresses_without_a_token():
    result = CliRunner().invoke(cli, ["serve", str(ROOT / "content"), "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "access token" in result.output


def test_worker_pool_renders_concurrently(content, settings, tmp_path):
    """With real worker processes, 8 requests at once all succeed."""
    import concurrent.futures as cf

    with counter(create_app(content, settings, workers=2)) as c:

        def get(i):
            return c.post("/leaflets/salbutamol.pdf", data={"patient": f"Patient {i}"})

        with cf.ThreadPoolExecutor(8) as pool:
            responses = list(pool.map(get, range(8)))
    assert all(r.status_code == 200 for r in responses)
    assert "Patient 5" in text_of_pdf(responses[5].content, tmp_path)


# -- prescriptions ---------------------------------------------------------------------------

import concurrent.futures as cf  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

import pikepdf  # noqa: E402

from leaflets import library as library_module  # noqa: E402
from leaflets import web_guard, web_pool  # noqa: E402
from leaflets.errors import RenderError  # noqa: E402
from leaflets.prescription import MAX_ITEMS  # noqa: E402

PATIENT = "Philippa Quonset-Vareck"


def rx_form(*items, patient=PATIENT, **extra):
    """Form pairs for a prescription: items are (slug, directions, strength, quantity)."""
    pairs = [("patient", patient), ("initials", "JS"), ("date", "2026-12-01"), *extra.items()]
    for slug, directions, strength, quantity in items:
        pairs += [("slug", slug), ("directions", directions), ("strength", strength), ("quantity", quantity)]
    return pairs


def post_rx(client, pairs, **kwargs):
    from urllib.parse import urlencode

    return client.post(
        "/prescriptions.pdf",
        content=urlencode(pairs).encode(),
        headers={"content-type": "application/x-www-form-urlencoded", **kwargs.pop("headers", {})},
        **kwargs,
    )


def pages_text(path) -> list[str]:
    return pdftotext(path).split("\f")[:-1]


def outline(path) -> list[str]:
    with pikepdf.open(path) as pdf, pdf.open_outline() as tree:
        return [item.title for item in tree.root]


def all_bookmarks(path) -> list[str]:
    with pikepdf.open(path) as pdf, pdf.open_outline() as tree:
        found, stack = [], list(tree.root)
        while stack:
            item = stack.pop()
            found.append(item.title)
            stack.extend(item.children)
        return found


def test_prescription_of_one(client, tmp_path):
    response = post_rx(client, rx_form(("baclofen", "Half a tablet at night", "10 mg tablets", "28")))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-security-policy"].endswith("frame-ancestors 'self'")
    assert "prescription-2026-12-01.pdf" in response.headers["content-disposition"]
    path = tmp_path / "one.pdf"
    path.write_bytes(response.content)
    first = pages_text(path)[0]
    assert "Your medicines" in first and "1 December 2026" in first
    assert "Baclofen" in first and "Half a tablet at night" in first and "page 2" in first
    assert outline(path) == ["Your medicines", "Baclofen"]


def test_the_summary_speaks_the_leaflets_language(client, tmp_path):
    """Arabic leaflets get an Arabic, right-to-left summary; a mixed prescription an English one
    unless the form asks for a language; a tag that is not one is refused."""
    path = tmp_path / "ar.pdf"
    path.write_bytes(post_rx(client, rx_form(("paracetamol-ar", "", "", "16"))).content)
    first = pages_text(path)[0]
    assert "أدويتك" in first and "Your medicines" not in first and "ديسمبر" in first  # the month too
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "وصفة طبية" in info and PATIENT not in info  # the title, in Arabic, never the patient
    mixed = rx_form(("paracetamol-ar", "", "", ""), ("baclofen", "", "", ""))
    path.write_bytes(post_rx(client, mixed).content)
    assert "Your medicines" in pages_text(path)[0]
    path.write_bytes(post_rx(client, [*mixed, ("lang", "fr")]).content)
    assert "Vos médicaments" in pages_text(path)[0] and "1 décembre 2026" in pages_text(path)[0]
    refused = post_rx(client, [*mixed, ("lang", "not a language")])
    assert refused.status_code == 400 and "language tag" in refused.text


def test_prescription_of_three(client, tmp_path):
    items = [
        ("salbutamol", "Two puffs as needed", "Inhaler", "1 inhaler"),
        ("amoxicillin", "One, three times a day", "500 mg", "21"),
        ("omeprazole", "One each morning", "20 mg", "28"),
    ]
    response = post_rx(client, rx_form(*items))
    assert response.status_code == 200, response.text
    path = tmp_path / "three.pdf"
    path.write_bytes(response.content)
    pages = pages_text(path)
    summary = pdftotext(path, "-layout", "-f", "1", "-l", "1")
    # The rows, in the order typed, with what was typed, and the page where each leaflet starts.
    at = [summary.index(name) for name in ("Salbutamol", "Amoxicillin", "Omeprazole")]
    assert at == sorted(at)
    for _, directions, strength, quantity in items:
        assert directions in summary and strength in summary and quantity in summary
    starts = [int(n) for n in re.findall(r"page (\d+)", summary)]
    assert len(starts) == 3 and starts[0] == 2
    for (_, directions, _, _), start in zip(items, starts, strict=True):
        leaflet_first = pages[start - 1]
        assert directions in leaflet_first  # its own label, on its own first page
        assert re.search(r"Page 1 of \d+", leaflet_first)  # its own page numbers
    assert starts == sorted(starts) and starts[-1] <= len(pages)
    # The name on every page, and nowhere in the title, the metadata or the bookmarks.
    assert all(PATIENT in page for page in pages)
    assert outline(path) == ["Your medicines", "Salbutamol", "Amoxicillin", "Omeprazole"]
    assert not any(PATIENT in title for title in all_bookmarks(path))
    with pikepdf.open(path) as pdf:
        meta = str(pdf.open_metadata()) + repr(dict(pdf.docinfo))
    assert PATIENT not in meta and "Prescription, 1 December 2026" in meta
    assert PATIENT not in response.headers["content-disposition"]
    import page as ua

    assert [f.rule_id for f in ua.validate_pdf(str(path), profile="ua1").failures] == []


def test_unknown_slug_in_a_prescription_is_404_naming_it(client):
    response = post_rx(client, rx_form(("baclofen", "", "", ""), ("baclophen", "", "", "")))
    assert response.status_code == 404
    assert "Item 2" in response.text and "baclophen" in response.text
    assert "Did you mean \u2068Baclofen\u2069?" in response.text


def test_duplicate_item(client):
    same = ("baclofen", "One at night", "10 mg", "28")
    response = post_rx(client, rx_form(same, same))
    assert response.status_code == 400
    assert "already item 1" in response.text


def test_twenty_items_fit_in_any_script_and_no_more(client, monkeypatch):
    # The form's limits are under test here, not layout (bench_serve renders 20 prescriptions).
    seen = []

    def render(leaflets, rx, settings):
        seen.append((len(leaflets), rx.patient, rx.items[-1].quantity))
        return b"%PDF-1.7 rendered"

    monkeypatch.setattr(web_pool, "_render_prescription", render)
    # Every field at its limit, in a script of 3-byte characters: the largest form a browser sends.
    euro = "€"
    big = [
        (slug, euro * 198 + f"{n:02d}", euro * 200, euro * 200)
        for n, slug in enumerate(["baclofen", "salbutamol", "amoxicillin", "omeprazole"] * 5)
    ]
    assert len(big) == MAX_ITEMS
    pairs = rx_form(*big, patient=euro * 200, initials=euro * 200)
    pairs = [(k, v) for k, v in pairs if k != "initials"] + [("initials", euro * 200)]
    from urllib.parse import urlencode

    assert len(urlencode(pairs)) > 100_000  # about 110 KB, as the issue says
    response = post_rx(client, pairs)
    assert response.status_code == 200, response.text[:300]
    assert seen == [(20, euro * 200, euro * 200)]  # every item and field arrived whole
    one_more = rx_form(*big, ("paracetamol", "", "", ""))
    assert post_rx(client, one_more).status_code == 413


def test_oversized_fields(client):
    too_long = post_rx(client, rx_form(("baclofen", "x" * 201, "", "")))
    assert too_long.status_code == 400 and "directions is limited to 200 characters" in too_long.text
    assert post_rx(client, rx_form(("baclofen", "", "x" * 201, ""))).status_code == 400
    assert post_rx(client, rx_form(("b" * 101, "", "", ""))).status_code == 400
    huge = post_rx(client, [("slug", "baclofen"), ("directions", "x" * (BODY_LIMIT + 1))])
    assert huge.status_code == 413
    assert post_rx(client, []).status_code == 400  # no medicine at all


def test_json_prescription_needs_the_token(content, settings, tmp_path):
    body = {
        "patient": PATIENT,
        "date": "2026-12-01",
        "items": [{"page": "baclofen", "directions": "One at night", "strength": "10 mg", "quantity": "28"}],
    }
    with counter(create_app(content, settings, workers=0)) as c:  # no token configured
        refused = c.post("/prescriptions.pdf", json=body)
        assert refused.status_code == 401 and "access token" in refused.text
    with TestClient(create_app(content, settings, workers=0, token=TOKEN), base_url=HERE) as c:
        # A dispensing system sends no Origin: the bearer token is what lets it in.
        ok = c.post("/prescriptions.pdf", json=body, headers={"Authorization": f"Bearer {TOKEN}"})
        assert ok.status_code == 200, ok.text
        path = tmp_path / "json.pdf"
        path.write_bytes(ok.content)
        assert "One at night" in pages_text(path)[0]
        # The cookie a browser holds is not enough for JSON: a forged request would carry it too.
        c.get(f"/?token={TOKEN}")
        assert c.post("/prescriptions.pdf", json=body).status_code in (401, 403)
        bad = c.post(
            "/prescriptions.pdf",
            content=b'{"items": "baclofen"}',
            headers={"Authorization": f"Bearer {TOKEN}", "content-type": "application/json"},
        )
        assert bad.status_code == 400 and "list of tables" in bad.text


# -- the counter trusts no other origin ------------------------------------------------------


def test_host_must_be_the_bound_address_or_allowed(content, settings):
    app = create_app(content, settings.replace(serve_allowed_hosts=("counter.lan",)), workers=0)
    with TestClient(app, base_url=HERE) as c:
        assert c.get("/").status_code == 200
        assert c.get("/", headers={"Host": "localhost:8000"}).status_code == 200
        assert c.get("/", headers={"Host": "counter.lan:8000"}).status_code == 200
        rebinding = c.get("/healthz", headers={"Host": "attacker.example:8000"})
        assert rebinding.status_code == 421
        assert "default-src 'none'" in rebinding.headers["content-security-policy"]
        assert c.get("/", headers={"Host": "127.0.0.1.evil.example"}).status_code == 421
    wide = create_app(content, settings, workers=0, token=TOKEN, host="0.0.0.0")
    with TestClient(wide, base_url="http://192.168.1.20:8000") as c:
        auth = {"Authorization": f"Bearer {TOKEN}"}
        assert c.get("/healthz", headers=auth).status_code == 200  # an address literal
        assert c.get("/healthz", headers={**auth, "Host": "evil.example"}).status_code == 421


@pytest.mark.parametrize(
    "headers, status",
    [
        ({"Origin": HERE}, 200),
        ({"Origin": "http://evil.example"}, 403),
        ({"Origin": "null"}, 403),
        ({"Origin": "null", "Sec-Fetch-Site": "same-origin"}, 200),  # Chromium, no-referrer pages
        ({"Origin": "null", "Sec-Fetch-Site": "cross-site"}, 403),
        ({"Origin": "http://127.0.0.1:9999"}, 403),
        ({"Sec-Fetch-Site": "same-origin"}, 200),
        ({"Sec-Fetch-Site": "cross-site"}, 403),
        ({"Sec-Fetch-Site": "same-site"}, 403),
        ({}, 403),
    ],
)
def test_every_post_must_come_from_our_own_page(content, settings, headers, status):
    with TestClient(create_app(content, settings, workers=0), base_url=HERE) as c:
        response = c.post("/leaflets/baclofen.pdf", data={"patient": ""}, headers=headers)
        assert response.status_code == status
        response = post_rx(c, rx_form(("nope", "", "", "")), headers=headers)
        assert response.status_code == (404 if status == 200 else 403)


def test_non_latin_slug_gets_an_rfc6266_file_name(settings, tmp_path):
    root = tmp_path / "content"
    root.mkdir()
    shutil.copy(ROOT / "content/i/ibuprofen.md", root / "ибупрофен.md")
    shutil.copy(ROOT / "content/b/baclofen.md", root / 'bac"lofen.md')
    with counter(create_app(root, settings, workers=0)) as c:
        response = c.get("/leaflets/ибупрофен.pdf")
        assert response.status_code == 200
        value = response.headers["content-disposition"]
        assert value.startswith('inline; filename="') and value.isascii()
        assert "filename*=UTF-8''%D0%B8%D0%B1%D1%83%D0%BF%D1%80%D0%BE%D1%84%D0%B5%D0%BD.pdf" in value
        quoted = c.get("/leaflets/bac%22lofen.pdf").headers["content-disposition"]
        assert 'filename="bac_lofen.pdf"' in quoted and "bac%22lofen.pdf" in quoted


def test_render_errors_are_html_pages_and_never_cached(client, monkeypatch):
    renderer = client.app.state.renderer
    renderer.cache.clear()

    def broken(*args):
        raise RenderError("content/b/baclofen.md: layout failed")

    monkeypatch.setattr(web_pool, "_render_leaflet", broken)
    response = client.get("/leaflets/baclofen.pdf")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>" in response.text and "layout failed" in response.text
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store" and "etag" not in response.headers
    assert renderer.cache == {}

    def crashed(*args):
        raise ZeroDivisionError

    monkeypatch.setattr(web_pool, "_render_leaflet", crashed)
    quiet = TestClient(client.app, base_url=HERE, raise_server_exceptions=False)  # as a browser sees it
    response = quiet.get("/leaflets/baclofen.pdf")
    assert response.status_code == 500 and "<h1>" in response.text
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert renderer.cache == {}
    monkeypatch.undo()
    assert client.get("/leaflets/baclofen.pdf").status_code == 200
    assert len(renderer.cache) == 1


def test_personalised_pdfs_are_never_cached(client):
    """Asserts on the cache itself: turn caching of personal PDFs on and this fails."""
    renderer = client.app.state.renderer
    renderer.cache.clear()
    assert client.post("/leaflets/salbutamol.pdf", data={"patient": PATIENT}).status_code == 200
    assert client.post("/leaflets/salbutamol.pdf", data={"directions": "Two puffs"}).status_code == 200
    assert post_rx(client, rx_form(("salbutamol", "Two puffs", "", ""))).status_code == 200
    assert renderer.cache == {}
    # The same leaflet without patient details is cached: the cache does work.
    assert client.post("/leaflets/salbutamol.pdf", data={"patient": ""}).status_code == 200
    assert len(renderer.cache) == 1


def test_the_render_queue_is_bounded(content, settings, monkeypatch):
    release = threading.Event()

    def slow(*args):
        release.wait(30)
        return b"%PDF-1.7 slow"

    monkeypatch.setattr(web_pool, "_render_leaflet", slow)
    app = create_app(content, settings, workers=0, queue_limit=3)
    with counter(app) as c, cf.ThreadPoolExecutor(4) as pool:
        if True:
            waiting = [pool.submit(c.post, "/leaflets/baclofen.pdf", data={"patient": "P"}) for _ in range(3)]
            deadline = time.monotonic() + 10
            while c.app.state.renderer.active < 3 and time.monotonic() < deadline:
                time.sleep(0.02)
            refused = c.post("/leaflets/baclofen.pdf", data={"patient": "P"})
            assert refused.status_code == 503 and refused.headers["retry-after"].isdigit()
            assert "busy" in refused.text
            release.set()
            assert [f.result().status_code for f in waiting] == [200, 200, 200]


def test_the_default_queue_admits_twenty_prescriptions_at_once(content, settings, monkeypatch):
    def slow(leaflets, rx, settings):
        time.sleep(0.3)
        return b"%PDF-1.7 " + rx.items[0].page.encode()

    monkeypatch.setattr(web_pool, "_render_prescription", slow)
    assert web_pool.QUEUE_LIMIT >= 20
    with counter(create_app(content, settings, workers=0)) as c, cf.ThreadPoolExecutor(20) as pool:
        futures = [
            pool.submit(post_rx, c, rx_form(("baclofen", f"d{i}", "", ""), ("salbutamol", "", "", "")))
            for i in range(20)
        ]
        assert [f.result().status_code for f in futures] == [200] * 20


def test_a_dead_worker_is_replaced_and_the_request_retried(content, settings):
    with counter(create_app(content, settings, workers=1)) as c:
        renderer = c.app.state.renderer
        assert c.get("/healthz").json()["pool"] == {
            "state": "ok",
            "workers": 1,
            "restarts": 0,
            "active": 0,
            "queue_limit": web_pool.QUEUE_LIMIT,
        }
        for process in list(renderer.pool._processes.values()):
            os.kill(process.pid, 9)
        time.sleep(0.5)
        response = c.post("/leaflets/baclofen.pdf", data={"patient": "After the crash"})
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
        health = c.get("/healthz").json()
        assert health["status"] == "ok" and health["pool"]["restarts"] == 1


def test_a_slow_page_blocks_neither_start_up_nor_other_routes(content, settings, monkeypatch, tmp_path):
    root = tmp_path / "content"
    shutil.copytree(content, root)
    (root / "slowpage.md").write_text((root / "b/baclofen.md").read_text())
    release = threading.Event()
    real = library_module.read_page

    def read(path, **kwargs):
        if Path(path).stem == "slowpage":
            release.wait(60)  # a page on a hung disk, or one that takes long to parse
        return real(path, **kwargs)

    monkeypatch.setattr(library_module, "read_page", read)
    monkeypatch.setattr(web_module, "STARTUP_WAIT", 0.5)
    try:
        others = len(list(Path(content).rglob("*.md")))  # every page but the slow one
        start = time.monotonic()
        with counter(create_app(root, settings, workers=0), wait=False) as c:
            assert time.monotonic() - start < 10
            health = c.get("/healthz").json()
            settled = time.monotonic() + 10  # the other pages finish on the loader threads (a busy machine)
            while health["loading"] > 1 and time.monotonic() < settled:
                time.sleep(0.05)
                health = c.get("/healthz").json()
            assert health["loading"] == 1 and health["leaflets"] == others
            assert c.get("/leaflets/baclofen").status_code == 200
            assert f"Leaflets: {others} Still being read: 1" in c.get("/").text
            loading = c.get("/leaflets/slowpage")
            assert loading.status_code == 503 and "still being read" in loading.text
            release.set()
            deadline = time.monotonic() + 10
            while c.get("/healthz").json()["loading"] and time.monotonic() < deadline:
                time.sleep(0.05)
            assert c.get("/leaflets/slowpage").status_code == 200
    finally:
        release.set()


def test_token_redirect_is_relative_and_the_token_stays_out_of_access_logs(content, settings):
    with counter(create_app(content, settings, workers=0, token=TOKEN)) as c:
        login = c.get(f"/leaflets/baclofen?token={TOKEN}&x=1", follow_redirects=False)
        assert login.headers["location"] == "/leaflets/baclofen?x=1"
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", f"/?token={TOKEN}&q=x", "1.1", 303), None,
    )  # fmt: skip
    web_guard.RedactToken().filter(record)
    assert TOKEN not in record.getMessage() and "token=[hidden]&q=x" in record.getMessage()


def test_serve_keeps_the_token_out_of_uvicorns_access_log(content, settings, monkeypatch):
    """The filter above only keeps the token out of the log if ``serve`` installs it on the
    logger uvicorn writes its access lines to: without it this line would carry the token."""
    import uvicorn

    access = logging.getLogger("uvicorn.access")
    monkeypatch.setattr(access, "filters", [])
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)
    web_module.serve(content, settings, host="127.0.0.1", port=8000, token=TOKEN, workers=0)
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", f"/?token={TOKEN}", "1.1", 303), None,
    )  # fmt: skip
    assert access.filter(record)
    assert TOKEN not in record.getMessage() and "token=[hidden]" in record.getMessage()


def test_a_slow_client_is_disconnected(content, settings, monkeypatch):
    import socket

    import uvicorn

    monkeypatch.setattr(web_guard, "HEAD_TIMEOUT", 1.0)
    app = create_app(content, settings, workers=0)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", http=web_guard.slow_client_protocol()
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and never the end
            start = time.monotonic()
            assert sock.recv(100) == b""  # closed by the server
            assert time.monotonic() - start < 5
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert sock.recv(100).startswith(b"HTTP/1.1 200")
    finally:
        server.should_exit = True
        thread.join(timeout=30)


# -- search: other names, and the nearest names -----------------------------------------------


def test_search_finds_aliases_and_alternate_names(content, settings, tmp_path):
    for query, slug in [
        ("ventolin", "salbutamol"),
        ("Nurofen", "ibuprofen"),
        ("augmentin", "amoxicillin-clavulanic-acid"),
    ]:
        # A name that matches as typed hides the typo-forgiving near misses ("nurofen" is not
        # a typo of the Chinese page's "ibuprofen").
        assert client_search(content, settings, query) == [slug], query
    # A brand name shorter than the query is no partial match ("amoxil" is not in "salbutamol").
    assert client_search(content, settings, "salbutamol") == ["salbutamol"]
    root = tmp_path / "content"
    root.mkdir()
    (root / "quellotine.md").write_text(
        "---\ntitle: Quellotine\n---\n\n**Usage:**\n\nA made-up medicine for tests.\n\n"
        "## Alternate Names\n\n- **Brand names:** Frostavel, Glimmerane (cream)\n- Old name: Quellotinum\n\n"
        "**Side Effects:**\n\n- Itching\n"
    )  # our own words: no real product
    for query in ("frostavel", "glimmerane", "quellotinum"):
        assert client_search(root, settings, query) == ["quellotine"], query


def client_search(root, settings, query):
    with counter(create_app(root, settings, workers=0)) as c:
        return [h["slug"] for h in c.get("/api/search", params={"q": query}).json()["results"]]


def test_no_results_suggests_the_nearest_names(client):
    data = client.get("/api/search", params={"q": "baklofin"}).json()
    assert data["results"] == [] and [s["slug"] for s in data["suggestions"]] == ["baclofen"]
    html = client.get("/", params={"q": "baklofin"}).text
    assert "Did you mean" in html and 'href="/?q=Baclofen"' in html
    assert client.get("/api/search", params={"q": "zyloprim"}).json()["suggestions"] == []


def test_counter_page_policy_allows_our_frames_only(client):
    policy = client.get("/").headers["content-security-policy"]
    assert "frame-src 'self' blob:" in policy and "frame-ancestors 'none'" in policy
    assert "frame-src" not in client.get("/leaflets/baclofen").headers["content-security-policy"]
    pdf = client.get("/leaflets/baclofen.pdf").headers["content-security-policy"]
    assert "frame-ancestors 'self'" in pdf and "frame-src" not in pdf


def test_a_long_summary_moves_every_leaflet_on():
    """The summary is laid out again until the start pages it prints agree with its length."""
    from types import SimpleNamespace

    from leaflets.prescription import settle

    calls = []

    def summary(first_pages):  # a summary of 20 long rows takes two pages, whatever it prints
        calls.append(first_pages)
        return SimpleNamespace(pages=[1, 2])

    assert len(settle(summary).pages) == 2
    assert calls == [1, 2]  # laid out again with the leaflets starting on page 3


def test_preview_offers_print_in_each_translation(client):
    html = client.get("/leaflets/paracetamol").text
    assert '<a href="/leaflets/paracetamol-ar">Print in <span lang="ar" dir="rtl">العربية</span></a>' in html
    html = client.get("/leaflets/paracetamol-ar").text
    assert '<a href="/leaflets/paracetamol">Print in <span lang="en" dir="ltr">English</span></a>' in html
    # A page with no translation offers none.
    assert 'class="translations"' not in client.get("/leaflets/baclofen").text


def test_waiting_for_the_library_means_every_page_is_in(content, settings, monkeypatch):
    """A future's waiters wake before its callbacks run: a page published from a callback was
    not yet searchable when ``wait`` returned (the counter's search then missed it under load).
    The gap is widened here; pages must be in as soon as the wait is over."""
    from leaflets.library import Library

    invoke = cf.Future._invoke_callbacks

    def late(self):
        time.sleep(0.3)
        invoke(self)

    monkeypatch.setattr(cf.Future, "_invoke_callbacks", late)
    library = Library(content, settings)
    try:
        slugs = {e.slug for e in library.entries()}
        assert {"salbutamol", "baclofen", "paracetamol-ar"} <= slugs, slugs
        assert [e.slug for e in library.search("ventolin")] == ["salbutamol"]
    finally:
        library.close()
