"""The counter's UI language: Accept-Language, the switch and its cookie, Vary, and no English
left in a page served in another language. The leaflet keeps its page's own language."""

from __future__ import annotations

import json
import re

import lxml.html
import pytest
from conftest import BASE_URL, ROOT
from starlette.testclient import TestClient

import leaflets.i18n as i18n
from leaflets import Settings
from leaflets.settings import Pharmacy
from leaflets.web import create_app

HERE = "http://127.0.0.1:8000"


@pytest.fixture(scope="module")
def app():
    settings = Settings(base_url=BASE_URL, pharmacy=Pharmacy("Corner Pharmacy", "1 High St", "0123 456"))
    return create_app(ROOT / "content", settings, workers=0)


@pytest.fixture
def client(app):
    # A fresh client (and cookie jar) per test: the switch's cookie must not leak between them.
    with TestClient(app, base_url=HERE, headers={"Origin": HERE}) as c:
        assert app.state.library.wait(120)
        yield c


def html_tag(page: str) -> str:
    return re.search(r"<html[^>]*>", page).group(0)


@pytest.mark.parametrize(
    ("header", "lang", "direction"),
    [
        ("ar", "ar", "rtl"),
        ("fr-CH, fr;q=0.9, en;q=0.8", "fr", "ltr"),
        ("ur-PK", "ur", "rtl"),
        ("zh-Hans-CN,zh;q=0.9", "zh", "ltr"),
        ("de;q=0.5, ru;q=0.8", "ru", "ltr"),  # the weight decides, not the order
        ("ar;q=0, es", "es", "ltr"),  # q=0 means "not this one"
        ("tlh, x-klingon;q=0.9", "en", "ltr"),  # nothing shipped: English
        ("", "en", "ltr"),
    ],
)
def test_the_counter_speaks_the_browsers_language(client, header, lang, direction):
    page = client.get("/", headers={"Accept-Language": header}).text
    assert html_tag(page) == f'<html lang="{lang}" dir="{direction}">'
    words = i18n.texts(lang)
    for key in ("find", "search_label", "prescription", "print", "ui_language"):
        assert words[key] in page, key
    if lang != "en":
        for key in ("find", "search_label", "new_rx"):
            assert i18n.MESSAGES[key] not in page, key


def test_arabic_counter_words_and_direction(client):
    page = client.get("/", headers={"Accept-Language": "ar"}).text
    assert 'dir="rtl"' in html_tag(page)
    for words in ("ابحث عن نشرة", "الوصفة", "اسم المريض", "طباعة"):
        assert words in page, words
    # The script's words come along, as data in the page (never as script).
    data = json.loads(lxml.html.fromstring(page).get_element_by_id("ui-text").text)
    assert data["count_all"] == "عدد النشرات: {count}"
    assert data["not_printed"] == i18n.texts("ar")["not_printed"]


def visible_words(page: str) -> set[str]:
    """Latin words a reader sees outside what the pages themselves say: the leaflet, the list
    of titles, the language names and the pharmacy's own details are left out."""
    tree = lxml.html.fromstring(page)
    for node in tree.xpath(
        "//article | //*[@id='results'] | //*[@id='suggestions'] | //option | //script | //h1"
        " | //*[@class='site-name'] | //*[@class='site-meta']"
    ):
        node.drop_tree()
    text = " ".join(tree.itertext())
    text += " " + " ".join(tree.xpath("//@title | //@aria-label | //@placeholder"))
    return set(re.findall(r"[A-Za-z]{3,}", text))


# Every catalogue in a non-Latin script (a Latin word left in one is English).
@pytest.mark.parametrize("lang", ["am", "ar", "fa", "ko", "my", "ne", "ps", "ru", "ur", "zh"])
def test_no_english_is_left_in_a_counter_in_another_language(app, client, lang):
    # Product names and keys stay as they are in every language, and so do the leaflets' titles.
    allowed = {"PDF", "BRF", "Enter", "Letter", "token", "nope"}  # "nope": the address asked for
    allowed |= {w for e in app.state.library.entries() for w in re.findall(r"[A-Za-z]{3,}", e.title)}
    for path in ("/", "/leaflets/baclofen", "/leaflets/nope"):
        page = client.get(path, headers={"Accept-Language": lang}).text
        assert visible_words(page) - allowed == set(), (lang, path)
    # Error messages said before the reader was known are said again in their language.
    page = client.get("/leaflets/baclofen.pdf?size=huge", headers={"Accept-Language": lang}).text
    assert i18n.texts(lang)["type_size"] in page
    assert visible_words(page) - allowed - {"standard", "large"} == set()


def test_the_switch_overrides_the_header_and_is_remembered(client):
    switched = client.get("/?ui=fr&q=amox", headers={"Accept-Language": "ar"}, follow_redirects=False)
    assert switched.status_code == 303
    assert switched.headers["location"] == "/?q=amox"  # the choice leaves the address
    assert switched.headers["cache-control"] == "no-store"
    assert "leaflets_ui=fr" in switched.headers["set-cookie"]
    page = client.get("/?q=amox", headers={"Accept-Language": "ar"}).text
    assert html_tag(page) == '<html lang="fr" dir="ltr">'
    assert "Trouver une notice" in page and "Résultats pour « \u2068amox\u2069 »" in page
    # The leaflet keeps its own language inside a French counter.
    preview = client.get("/leaflets/paracetamol-ar", headers={"Accept-Language": "ar"}).text
    assert html_tag(preview) == '<html lang="fr" dir="ltr">'
    assert '<article class="leaflet" aria-label="' in preview
    assert re.search(r'<article class="leaflet"[^>]* lang="ar" dir="rtl">', preview)
    assert "Imprimer cette notice" in preview
    # An unknown choice forgets the cookie: the header decides again.
    cleared = client.get("/?ui=xx", follow_redirects=False)
    assert cleared.status_code == 303 and 'leaflets_ui=""' in cleared.headers["set-cookie"]
    client.cookies.clear()
    assert html_tag(client.get("/", headers={"Accept-Language": "ar"}).text) == '<html lang="ar" dir="rtl">'


def test_the_switch_names_every_language_in_itself(client):
    page = client.get("/", headers={"Accept-Language": "ko"}).text
    tree = lxml.html.fromstring(page)
    form = tree.xpath("//form[@class='ui-language']")[0]
    assert form.get("method") == "get" and form.get("action") == "/"
    label = form.xpath(".//label")[0]
    assert label.get("for") == "ui-language" and label.text == "언어"
    options = {o.get("value"): (o.text, o.get("lang"), o.get("dir")) for o in form.xpath(".//option")}
    assert list(options) == i18n.languages()
    assert options["ar"] == ("العربية", "ar", "rtl")
    assert options["zh"] == ("中文", "zh", "ltr")
    assert options["en"][0] == "English"
    assert [o.get("value") for o in form.xpath(".//option[@selected]")] == ["ko"]
    # The switch on a preview asks for that preview again; it never carries the print form.
    preview = lxml.html.fromstring(client.get("/leaflets/baclofen").text)
    switch = preview.xpath("//form[@class='ui-language']")[0]
    assert switch.get("action") == "/leaflets/baclofen"
    assert {i.get("name") for i in switch.xpath(".//input | .//select")} == {"ui"}


@pytest.mark.parametrize("path", ["/", "/leaflets/baclofen", "/leaflets/nope"])
def test_pages_in_the_ui_language_vary_on_it(client, path):
    response = client.get(path, headers={"Accept-Language": "ar"})
    vary = {v.strip().lower() for v in response.headers["vary"].split(",")}
    assert {"accept-language", "cookie"} <= vary


def test_refusals_speak_the_browsers_language(app):
    with TestClient(app, base_url="http://evil.example") as c:
        refused = c.get("/", headers={"Accept-Language": "ru"})
    assert refused.status_code == 421
    assert html_tag(refused.text) == '<html lang="ru" dir="ltr">' and "Неверный адрес" in refused.text
    assert "accept-language" in refused.headers["vary"].lower()
    with TestClient(app, base_url=HERE) as c:
        forged = c.post(
            "/prescriptions.pdf", headers={"Origin": "http://evil.example", "Accept-Language": "fa"}
        )
    assert forged.status_code == 403 and 'lang="fa" dir="rtl"' in forged.text
    assert i18n.texts("fa")["refused_text"] in forged.text


def test_errors_after_a_post_are_in_the_ui_language(client):
    response = client.post(
        "/prescriptions.pdf",
        data={
            "slug": ["baclofen", "nosuchpage"],
            "directions": ["", ""],
            "strength": ["", ""],
            "quantity": ["", ""],
            "date": "2026-12-02",
        },
        headers={"Accept-Language": "es"},
    )
    assert response.status_code == 404
    assert "Medicamento 2: No hay ningún prospecto llamado «\u2068nosuchpage\u2069»." in response.text
    # The switch after a POST goes to the counter, not back to the POST's address.
    switch = lxml.html.fromstring(response.text).xpath("//form[@class='ui-language']")[0]
    assert switch.get("action") == "/"


def test_search_api_counts_for_the_script(client):
    data = client.get("/api/search?q=amox").json()
    assert data["total"] == len(list((ROOT / "content").rglob("*.md")))
    assert {r["lang"] for r in data["results"]} == {"en"}
    assert [r["lang"] for r in client.get("/api/search?q=ibuprofen").json()["results"]] == ["en", "zh-CN"]
    assert "vary" not in {k.lower() for k in client.get("/api/search?q=amox").headers}


def test_names_in_ui_sentences_are_bidi_isolates(client):
    """A Latin query in an Arabic sentence (and an Arabic title in an English one) is isolated, so
    that the colon and the numbers stay where the sentence puts them ("mg 500" never happens)."""
    page = client.get("/?q=para", headers={"Accept-Language": "ar"}).text
    assert "نتائج البحث عن «\u2068para\u2069»: 2 من" in page
    preview = client.get("/leaflets/paracetamol-ar").text
    assert "<title>\u2068باراسيتامول\u2069 – leaflet</title>" in preview


def test_a_title_in_another_language_says_so(client):
    page = client.get("/?q=para", headers={"Accept-Language": "ar"}).text
    assert '<a href="/leaflets/paracetamol" lang="en" dir="ltr">Paracetamol</a>' in page
    assert '<span class="generic" lang="en" dir="ltr">' in page
    assert '<a href="/leaflets/paracetamol-ar">' in page  # the UI's own language: nothing to say
