"""Leaflets in French and Spanish, and every script the fonts must cover."""

from __future__ import annotations

import subprocess
from pathlib import Path

import page as pdf_validator
import pikepdf
import pytest
from babel.messages.extract import extract_from_file
from click.testing import CliRunner
from conftest import FIXTURES, pdftotext

import leaflets.i18n as i18n
from leaflets import Settings, read_page, render_html
from leaflets.cli import cli
from leaflets.pdf import write_pdf

LANG = FIXTURES / "lang"
SETTINGS = Settings(base_url="https://leaflets.example")


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    out = tmp_path_factory.mktemp("lang")
    result = {}
    for name in ("exemplol-fr", "exemplol-es", "scripts"):
        target = out / f"{name}.pdf"
        write_pdf(read_page(LANG / f"{name}.md"), target, SETTINGS)
        result[name] = target
    return result


@pytest.mark.parametrize(
    ("name", "lang", "expected", "english"),
    [
        (
            "exemplol-fr",
            "fr",
            [
                "Effets indésirables graves",
                "Page 1 sur",
                "Lire cette notice en ligne",
                "Avertissement",
                "ne remplace pas l’avis",
                "Révision",
            ],
            ["Serious side effects", "Page 1 of", "Read this leaflet online", "Disclaimer", "revision"],
        ),
        (
            "exemplol-es",
            "es",
            [
                "Efectos secundarios graves",
                "Página 1 de",
                "Leer este prospecto en línea",
                "Aviso",
                "no sustituye el consejo",
                "Revisión",
            ],
            ["Serious side effects", "Page 1 of", "Read this leaflet online", "Disclaimer", "revision"],
        ),
    ],
)
def test_a_page_prints_in_its_own_language(pdfs, name, lang, expected, english):
    pdf = pdfs[name]
    with pikepdf.open(pdf) as doc:
        assert str(doc.Root.Lang) == lang
    text = " ".join(pdftotext(pdf, "-layout").split())
    for words in expected:
        assert words in text, words
    for words in english:
        assert words not in text, words
    report = pdf_validator.validate_pdf(str(pdf), profile="ua1")
    assert report.is_compliant, sorted({f.rule_id for f in report.failures})


def test_html_carries_the_language():
    html = render_html(read_page(LANG / "exemplol-fr.md"), SETTINGS)
    assert '<html lang="fr">' in html
    assert "Effets indésirables graves" in html


def test_french_and_spanish_labels_are_recognised():
    fr = read_page(LANG / "exemplol-fr.md")
    assert [s.kind.value for s in fr.sections] == [
        "generic_name",
        "usage",
        "side_effects",
        "how_it_works",
        "faqs",
        "note",
    ]
    assert [(g.severity.value, len(g.items)) for g in fr.side_effect_groups] == [
        ("common", 2),
        ("serious", 2),
    ]
    assert fr.generic_name == "Exemplol"
    es = read_page(LANG / "exemplol-es.md")
    assert [(g.severity.value, len(g.items)) for g in es.side_effect_groups] == [
        ("common", 2),
        ("serious", 1),
    ]
    assert [f.question for f in es.faqs] == ["¿Puedo tomarlo con comida?"]


def test_greek_cyrillic_and_symbols_have_glyphs(pdfs):
    pdf = pdfs["scripts"]
    text = pdftotext(pdf)
    assert "\ufffd" not in text
    for chars in (
        "αβγδε",
        "ΑΒΓΔΕ",
        "Ω",
        "Аспирин",
        "ацетилсалициловая",
        "Головная боль",
        "Ζάλη",
        "≥",
        "≤",
        "²",
        "µ",
        "®",
        "₂",
        "±",
        "→",
        "’",
        "–",
    ):
        assert chars in text, chars
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert rows and all(r[-5] == "yes" for r in rows)
    assert any("Noto-Sans" in r[0] for r in rows)


def test_catalogues_are_complete_and_in_sync():
    # The 14 languages Oregon requires on prescription labels, then French, German, Italian,
    # Polish, Portuguese and Urdu: every catalogue complete.
    oregon = ["es", "ru", "so", "ar", "zh", "vi", "fa", "ko", "ro", "sw", "my", "ne", "am", "ps"]
    shipped = i18n.languages()
    assert {*oregon, "fr", "de", "it", "pl", "pt", "ur"} <= set(shipped) and len(shipped) > 20
    for lang in shipped:
        assert i18n.missing(lang) == [], lang
    source = Path(i18n.__file__)
    extracted = {m[1] for m in extract_from_file("python", str(source), keywords={"N_": None})}
    assert extracted == set(i18n.MESSAGES.values())
    pot = (i18n.LOCALE_DIR / "leaflets.pot").read_text(encoding="utf-8")
    for msgid in i18n.MESSAGES.values():
        assert msgid.split(" ")[0] in pot


def test_missing_strings_fall_back_to_english_and_check_warns(tmp_path, monkeypatch):
    locale = tmp_path / "de" / "LC_MESSAGES"
    locale.mkdir(parents=True)
    (locale / "leaflets.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "Serious side effects"\nmsgstr "Schwere Nebenwirkungen"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n._load.cache_clear()
    try:
        text = i18n.texts("de")
        assert text["serious"] == "Schwere Nebenwirkungen"
        assert text["online"] == "Read this leaflet online"
        assert "Read this leaflet online" in i18n.missing("de")
        page = tmp_path / "d.md"
        page.write_text("---\ntitle: D\nlang: de\n---\n**Usage:** u.\n")
        out = CliRunner().invoke(cli, ["check", str(page)]).output
        assert "have no 'de' translation and print in English" in out
        page.write_text("---\ntitle: D\nlang: xh\n---\n**Usage:** u.\n")
        out = CliRunner().invoke(cli, ["check", str(page)]).output
        assert "no translation for lang 'xh'" in out
    finally:
        i18n._load.cache_clear()


def test_page_counter_css_escapes_any_translation():
    css = i18n.css_string('Seite "x" \\ </style>')
    assert '"' not in css[1:-1] and "\\\\" not in css and "<" not in css
    assert i18n.page_counter_css("fr") == (
        '@page { @bottom-right { content: string(trace) "Page\\0000a0 " counter(page) '
        '"\\0000a0 sur\\0000a0 " counter(pages); } }'
    )
    # An escape swallows the space after it; the one written after it survives.
    assert i18n.css_string("a · b") == '"a \\0000b7  b"'


def test_every_translation_keeps_its_placeholders_and_flag():
    # A translation that drops or renames a {name} would print a raw brace, or fail to format.
    import string

    from babel.messages.pofile import read_po

    def fields(text):
        return sorted(f for _, f, _, _ in string.Formatter().parse(text) if f)

    for lang in i18n.languages()[1:]:
        path = i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "leaflets.po"
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        for msgid in i18n.MESSAGES.values():
            message = catalog[msgid]
            assert message is not None and message.string, (lang, msgid)
            assert fields(message.string) == fields(msgid), (lang, msgid, message.string)
            assert ("python-brace-format" in message.flags) == ("{" in msgid), (lang, msgid)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ar", "ar"),
        ("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", "fr"),
        ("EN-us", "en"),
        ("pt-BR", "pt"),
        ("de;q=0.5, ru;q=0.8", "ru"),
        ("ru;q=0, de", "de"),
        ("ru;q=0, tlh", "en"),  # refused, even when nothing else is shipped
        ("ru;q=bogus, de;q=0.1", "de"),
        ("*", "en"),
        ("tlh", "en"),
        (None, "en"),
        (";;,,=;q", "en"),
        ("xx-" * 5000, "en"),  # a long, hostile header is no error
    ],
)
def test_ui_language_negotiation(header, expected):
    assert i18n.negotiate(header) == expected


def test_a_phrase_is_english_now_and_said_again_later():
    error = i18n.Phrase("item_error", number=2, error=i18n.Phrase("no_leaflet", slug="x"))
    error += i18n.Phrase("did_you_mean", names="A, B")
    assert error == "Item 2: No leaflet called “x”. Did you mean A, B?"
    # Said to a reader, each quoted name is a bidi isolate: an Arabic sentence keeps its order.
    fr = "Médicament 2 : Aucune notice nommée « \u2068x\u2069 ». Vouliez-vous dire \u2068A, B\u2069 ?"
    assert i18n.say("fr", error) == fr
    assert i18n.say("ar", i18n.Phrase("no_leaflet", slug="abc")) == "لا توجد نشرة باسم «\u2068abc\u2069»."
    assert i18n.say("fr", "a page's own words") == "a page's own words"


def test_a_label_and_its_text_are_joined_as_the_language_joins_them():
    """The colon the tool adds after a label is the language's: "：" in Chinese, a no-break space
    and " :" in French (the template's ASCII ": " printed "通用名称: 布洛芬")."""
    from conftest import ROOT

    from leaflets.settings import Pharmacy

    settings = SETTINGS.replace(pharmacy=Pharmacy(name="Corner Pharmacy", phone="0123 456 789"))
    zh = render_html(read_page(ROOT / "content/i/ibuprofen-zh.md"), settings)
    assert "<strong>通用名称</strong>：布洛芬" in zh
    assert "电话：<span" in zh
    fr = render_html(read_page(LANG / "exemplol-fr.md"), settings)
    assert "<strong>Nom générique</strong>\u00a0: Exemplol" in fr
    assert "Téléphone\u00a0: <span" in fr
    en = render_html(read_page(ROOT / "content/b/baclofen.md"), settings)
    assert "<strong>Generic Name</strong>: Baclofen" in en
    assert "Phone: <span" in en
