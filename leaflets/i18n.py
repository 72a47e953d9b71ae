"""The words the tool itself prints, in the page's language (gettext catalogues, read with Babel).

Catalogues live in ``leaflets/locale/<lang>/LC_MESSAGES/leaflets.po``; Babel compiles them in
memory, so no binary file is kept in the repository. A string a catalogue lacks prints in English,
and ``leaflets check`` says so. To add a string: mark it with ``N_`` below, then
``pybabel extract -k N_ -o leaflets/locale/leaflets.pot leaflets/i18n.py`` and
``pybabel update -D leaflets -i leaflets/locale/leaflets.pot -d leaflets/locale``.
"""

from __future__ import annotations

import functools
import gettext
import io
import re
from dataclasses import dataclass
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "leaflets"


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated where it is used."""
    return message


#: Every string the tool prints, by the key templates use. The English text is the msgid.
MESSAGES: dict[str, str] = {
    "serious": N_("Serious side effects"),
    "warning": N_("Warning"),
    "online": N_("Read this leaflet online"),
    "qr_alt": N_("QR code linking to the online version of this leaflet"),
    "source": N_("Source"),
    "revision": N_("revision"),
    "page_date": N_("page date"),
    "disclaimer": N_("Disclaimer"),
    "description": N_("Patient information leaflet"),
    "phone": N_("Phone"),
    "logo": N_("Pharmacy logo"),
    "personal": N_("Directions from your pharmacist"),
    "patient": N_("Patient"),
    "medicine": N_("Medicine"),
    "directions": N_("Directions"),
    "pharmacist": N_("Pharmacist"),
    "strength": N_("Strength and form"),
    "quantity": N_("Quantity"),
    "dispensed": N_("Dispensed"),
    "your_medicines": N_("Your medicines"),
    "date": N_("Date"),
    "leaflet": N_("Leaflet"),
    "starts_on": N_("page {page}"),
    "pack_count": N_("Medicines in this pack: {count}"),
    "prescription_title": N_("Prescription, {date}"),
    "general_info": N_("general information"),
    "pdf_standard": N_("Printable PDF (standard print)"),
    "pdf_large": N_("Printable PDF (large print)"),
    "page_of": N_("Page {page} of {pages}"),
    "skip": N_("Skip to content"),
    "other_languages": N_("In other languages"),
    "print_in": N_("Print in {language}"),
    "braille_file": N_("Braille (BRF)"),
    "audio_file": N_("Audio (MP3)"),
    # Symbols a braille table has no cell for are written as words.
    "sym_ge": N_("greater than or equal to"),
    "sym_le": N_("less than or equal to"),
    "sym_degree": N_("degrees"),
    "site_name": N_("Patient leaflets"),
    "default_disclaimer": N_(
        "This leaflet is for general information only and is not a substitute for professional "
        "medical advice. Ask your doctor or pharmacist before starting, stopping or changing any "
        "medicine."
    ),
}


def _primary(lang: str) -> str:
    return lang.replace("_", "-").split("-")[0].lower()


@functools.lru_cache(maxsize=16)
def _load(lang: str) -> tuple[gettext.GNUTranslations, frozenset[str]] | None:
    path = LOCALE_DIR / _primary(lang) / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.is_file():
        return None
    from babel.messages.mofile import write_mo  # only when a page is not in English
    from babel.messages.pofile import read_po

    with path.open("rb") as fh:
        catalog = read_po(fh, locale=_primary(lang), domain=DOMAIN)
    translated = frozenset(m.id for m in catalog if m.id and m.string and not m.fuzzy)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer), translated


def catalogue(lang: str) -> gettext.GNUTranslations | None:
    """The compiled catalogue for a language, or None when there is none (English needs none)."""
    loaded = _load(lang)
    return loaded[0] if loaded else None


def texts(lang: str) -> dict[str, str]:
    """Every tool string in ``lang``; English where the catalogue has no translation."""
    translations = catalogue(lang)
    if translations is None:
        return dict(MESSAGES)
    return {key: translations.gettext(msgid) for key, msgid in MESSAGES.items()}


def missing(lang: str) -> list[str] | None:
    """Strings that print in English for a page in ``lang``: None when the language has no
    catalogue at all, [] when everything is translated (English always is)."""
    if _primary(lang) == "en":
        return []
    loaded = _load(lang)
    if loaded is None:
        return None
    return [msgid for msgid in MESSAGES.values() if msgid not in loaded[1]]


@dataclass(frozen=True)
class Provenance:
    """Who translated a catalogue and whether a native speaker reviewed it (its PO header)."""

    translated_by: str
    reviewed_by: str | None  # None: no native speaker has reviewed it


def provenance(lang: str) -> Provenance | None:
    """The catalogue's ``X-Translated-By`` and ``X-Native-Review`` headers; None without a catalogue."""
    path = LOCALE_DIR / _primary(lang) / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.is_file():
        return None
    # Babel keeps only the standard headers; these two are read from the header entry itself,
    # which runs up to the first blank line.
    head = path.read_text(encoding="utf-8").split("\n\n", 1)[0]
    header = {k.lower(): v.strip() for k, v in re.findall(r'^"([A-Za-z-]+):\s*(.*?)\\n"$', head, re.M)}
    review = header.get("x-native-review", "none")
    return Provenance(
        header.get("x-translated-by", "unknown"),
        None if review.lower() in ("", "none", "no") else review,
    )


def language_name(lang: str) -> str:
    """A language's name in itself: ``ar`` → "العربية", ``zh`` → "中文"; the tag when unknown."""
    from babel import Locale, UnknownLocaleError

    try:
        locale = Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return lang
    return locale.get_display_name(locale) or lang


def languages() -> list[str]:
    """Languages with a catalogue, English included."""
    return ["en", *sorted(p.name for p in LOCALE_DIR.iterdir() if (p / "LC_MESSAGES").is_dir())]


def css_string(text: str) -> str:
    """A CSS string literal, safe whatever a translation holds."""
    escaped = "".join(ch if ch.isalnum() or ch in " .,:;!?-–’'()/" else f"\\{ord(ch):06x}" for ch in text)
    return f'"{escaped}"'


def page_counter_css(lang: str, *, rtl: bool = False) -> str:
    """The running footer's "Page X of Y", in the page's language, as an @page rule. A
    right-to-left page mirrors the footer: the page number on the left, the title on the right."""
    template = texts(lang)["page_of"]
    parts = []
    rest = template
    while rest:
        before, marker, rest = _split_marker(rest)
        if before:
            parts.append(css_string(before))
        if marker:
            parts.append(f"counter({marker})")
    counter = "content: " + " ".join(parts) + ";"
    if rtl:
        return (
            "@page { @bottom-left { " + counter + " } "
            "@bottom-right { content: string(drugname); vertical-align: top; padding-top: 4mm; } }"
        )
    return "@page { @bottom-right { " + counter + " } }"


def _split_marker(text: str) -> tuple[str, str, str]:
    positions = [(text.find(f"{{{name}}}"), name) for name in ("page", "pages")]
    found = [(i, name) for i, name in positions if i >= 0]
    if not found:
        return text, "", ""
    index, name = min(found)
    return text[:index], name, text[index + len(name) + 2 :]
