"""The counter page's routes, through Starlette's test client (PDFs rendered in-process)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from click.testing import CliRunner
from conftest import BASE_URL, ROOT, pdftotext
from starlette.testclient import TestClient

from leaflets import Settings
from leaflets.cli import cli
from leaflets.settings import Pharmacy
from leaflets.web import create_app

TOKEN = "correct-horse-battery-staple"


@pytest.fixture(scope="module")
def content(tmp_path_factory):
    root = tmp_path_factory.mktemp("content")
    shutil.copytree(ROOT / "content", root, dirs_exist_ok=True)
    return root


@pytest.fixture(scope="module")
def settings():
    return Settings(base_url=BASE_URL, pharmacy=Pharmacy("Corner Pharmacy", "1 High St", "0123 456"))


@pytest.fixture(scope="module")
def client(content, settings):
    with TestClient(create_app(content, settings, workers=0)) as c:
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
        hits = {h["slug"] for h in client.get("/api/search", params={"q": query}).json()}
        assert hits == expected, query
        html = client.get("/", params={"q": query}).text
        assert all(f'href="/leaflets/{slug}"' in html for slug in expected)
    assert client.get("/api/search", params={"q": "zzzzqqq"}).json() == []


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
    top = text.split("Generic Name")[0]
    assert "Directions from your pharmacist" in top
    assert "Jane <b>Doe</b> & Sons" in top
    assert "Take 1 tablet three times a day" in top
    assert "Corner Pharmacy" in top
    assert "Dosage (general information)" in text or "Dosage" not in text
    # Nothing personal is cached.
    app = client.app
    assert all(b"Jane" not in value for value in app.state.renderer.cache.values())


def test_personal_fields_are_limited(client):
    too_long = client.post("/leaflets/baclofen.pdf", data={"patient": "x" * 201})
    assert too_long.status_code == 400 and "200 characters" in too_long.text
    huge = client.post(
        "/leaflets/baclofen.pdf",
        content=b"patient=" + b"x" * 20000,
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
    with TestClient(create_app(content, settings, workers=0)) as c:
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
    with TestClient(create_app(content, settings, workers=0, token=TOKEN)) as c:
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

    with TestClient(create_app(content, settings, workers=2)) as c:

        def get(i):
            return c.post("/leaflets/salbutamol.pdf", data={"patient": f"Patient {i}"})

        with cf.ThreadPoolExecutor(8) as pool:
            responses = list(pool.map(get, range(8)))
    assert all(r.status_code == 200 for r in responses)
    assert "Patient 5" in text_of_pdf(responses[5].content, tmp_path)


def test_preview_offers_print_in_each_translation(client):
    html = client.get("/leaflets/paracetamol").text
    assert '<a href="/leaflets/paracetamol-ar">Print in <span lang="ar" dir="rtl">العربية</span></a>' in html
    html = client.get("/leaflets/paracetamol-ar").text
    assert '<a href="/leaflets/paracetamol">Print in <span lang="en" dir="ltr">English</span></a>' in html
    # A page with no translation offers none.
    assert 'class="translations"' not in client.get("/leaflets/baclofen").text
