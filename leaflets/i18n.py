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
    "pdf_xl": N_("Printable PDF (extra-large print)"),
    "continued": N_("{label} (continued)"),
    # A label and its text, with the language's own colon and space ("{label}：{text}").
    "labelled": N_("{label}: {text}"),
    "page_of": N_("Page {page} of {pages}"),
    "trace_revision": N_("Revision {revision}"),
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
    # -- the counter's and the online site's own words (their UI language, see ``negotiate``) --
    "ui_language": N_("Language"),
    "ui_change": N_("Change"),
    "counter_title": N_("Find and print leaflets"),
    "find": N_("Find a leaflet"),
    "search_label": N_("Medicine name, brand name, generic name or ingredient"),
    "site_search_label": N_("Medicine name, generic name or ingredient"),
    "search": N_("Search"),
    "count_all": N_("Leaflets: {count}"),
    "count_match": N_("Matches for “{query}”: {count} of {total}"),
    "still_reading": N_("Still being read: {count}"),
    "did_you_mean": N_("Did you mean {names}?"),
    "add": N_("Add"),
    "prescription": N_("Prescription"),
    "rx_empty": N_("No medicine yet: search above, then press Add (or Enter when one leaflet matches)."),
    "patient_name": N_("Patient’s name"),
    "optional": N_("(optional)"),
    "optional_printed": N_("(optional; printed on every page)"),
    "dispensing_date": N_("Dispensing date"),
    "initials": N_("Pharmacist’s initials"),
    "remembered": N_("(remembered on this computer)"),
    "type_size": N_("Type size"),
    "size_standard": N_("Standard (14 pt)"),
    "size_large": N_("Large print (18 pt)"),
    "size_xl": N_("Extra-large print (24 pt)"),
    "paper": N_("Paper"),
    "paper_letter": N_("US Letter"),
    "print": N_("Print"),
    "new_rx": N_("New prescription"),
    "open_pdf": N_("Open the PDF in a new tab"),
    "remove": N_("Remove"),
    "print_frame": N_("The prescription PDF, for printing"),
    "already_added": N_("{title} is already in the prescription."),
    "rx_full": N_("A prescription holds at most {count} medicines."),
    "added": N_("{title} added. Medicines in the prescription: {count}."),
    "removed": N_("{title} removed. Medicines in the prescription: {count}."),
    "dialog_open": N_("The print dialog is open. If it did not appear, open the PDF in a new tab."),
    "opened_tab": N_("The PDF opened in a new tab: print it from there."),
    "add_first": N_("Add at least one medicine first."),
    "preparing": N_("Preparing the PDF…"),
    "not_printed": N_("Not printed: {reason}"),
    "unreachable": N_("The counter could not be reached."),
    "answered": N_("The counter answered {status}."),
    "next_patient": N_("Ready for the next patient."),
    "preview_title": N_("{title} – leaflet"),
    "all_leaflets": N_("All leaflets"),
    "print_leaflet": N_("Print this leaflet"),
    "rx_directions": N_("Directions from the prescription"),
    "directions_hint": N_("For example: Take 1 tablet three times a day"),
    "get_pdf": N_("Get the PDF to print"),
    "plain_pdf": N_("PDF without patient details"),
    "braille_patient": N_("Braille (BRF) for this patient"),
    "err_400": N_("Something is wrong with the request"),
    "err_404": N_("Not found"),
    "err_413": N_("Too much text"),
    "err_500": N_("The leaflet could not be printed"),
    "err_503": N_("The counter is busy"),
    "back": N_("Back to all leaflets"),
    "no_leaflet": N_("No leaflet called “{slug}”."),
    "unavailable": N_("“{slug}” is not available: {reason}"),
    "still_loading": N_("“{slug}” is still being read; try again in a moment."),
    "item_error": N_("Item {number}: {error}"),
    "must_be": N_("{field} must be one of: {values}."),
    "search_limit": N_("The search is limited to {count} characters."),
    "form_too_large": N_("The form is too large."),
    "form_slow": N_("The form took too long to arrive."),
    "form_lost": N_("The form did not arrive."),
    "form_unreadable": N_("The form could not be read."),
    "form_fields": N_("The form has too many fields."),
    "print_failed": N_("The leaflet could not be printed: {reason}"),
    "busy": N_("Prints waiting: {count}. Try again in a few seconds."),
    "crash": N_("Something went wrong on the counter; the error is in its log."),
    "wrong_host": N_("Wrong address"),
    "wrong_host_text": N_("This counter does not answer to that host name."),
    "refused": N_("Refused"),
    "refused_text": N_("This form was sent from another site, so it was not printed."),
    "token_title": N_("Access token required"),
    "token_text": N_("Open the address with ?token=… once."),
    "preparing_file": N_("Preparing the {format} file…"),
    "not_made": N_("Not made: {reason}"),
    "file_saved": N_("The {format} file is saved."),
    "audio_patient": N_("Audio for this patient"),
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


class Phrase(str):
    """A tool string said in English now, and again in another language later: an error raised
    before anyone knows who reads it. Parameters may be phrases themselves; ``+`` joins two."""

    parts: tuple[tuple[str, dict], ...]

    def __new__(cls, key: str, /, **params: object) -> Phrase:
        return cls._of(((key, params),))

    @classmethod
    def _of(cls, parts: tuple[tuple[str, dict], ...]) -> Phrase:
        phrase = super().__new__(cls, _say(texts("en"), parts))
        phrase.parts = parts
        return phrase

    def __add__(self, other: object) -> Phrase:
        if not isinstance(other, Phrase):
            return NotImplemented
        return Phrase._of(self.parts + other.parts)

    def in_language(self, lang: str) -> str:
        """The phrase for a reader: each name it quotes isolated (see ``isolate``)."""
        return _say(texts(lang), self.parts, lang, shown=True)


def isolate(text: str) -> str:
    """Text quoted in a sentence of another direction (a Latin name in Arabic, an Arabic query in
    English) as a bidi isolate (FSI … PDI), so that the sentence's punctuation and numbers stay
    where the sentence puts them."""
    return f"\u2068{text}\u2069"


def _say(words: dict[str, str], parts: tuple, lang: str = "en", shown: bool = False) -> str:
    def value(v: object) -> object:
        if isinstance(v, Phrase):
            return _say(texts(lang), v.parts, lang, shown)
        return isolate(v) if shown and isinstance(v, str) else v

    return " ".join(words[key].format(**{k: value(v) for k, v in params.items()}) for key, params in parts)


def say(lang: str, message: str) -> str:
    """``message`` in ``lang`` when it is a Phrase; any other text (a page's own) as it is."""
    return message.in_language(lang) if isinstance(message, Phrase) else message


def negotiate(accept_language: str | None, default: str = "en") -> str:
    """The shipped language that best suits an ``Accept-Language`` header (RFC 9110 weights;
    ``fr-CH`` is served French): the counter's and site's UI language, never a page's."""
    weighted = []
    for n, item in enumerate((accept_language or "")[:1000].split(",")[:40]):
        tag, _, params = item.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, number = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(number)
                except ValueError:
                    q = 0.0
        if tag.strip() and tag.strip() != "*" and q > 0:
            weighted.append((-q, n, tag.strip().lower()))
    from babel.core import negotiate_locale

    preferred = [tag for _, _, tag in sorted(weighted)]
    return negotiate_locale(preferred, languages(), sep="-", aliases={}) or default


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
    # The space after an escape ends it (and is consumed), so a following space survives.
    escaped = "".join(ch if ch.isalnum() or ch in " .,:;!?-–’'()/" else f"\\{ord(ch):06x} " for ch in text)
    return f'"{escaped}"'


def page_counter_css(lang: str, *, rtl: bool = False) -> str:
    """The running footer's "Revision … · Page X of Y", in the page's language, as an @page rule
    (the trace string is set from the title, see print.css). A right-to-left page mirrors the
    footer: the page number on the left, the title on the right."""
    template = texts(lang)["page_of"]
    parts = ["string(trace)"]  # "Revision 4539173c · 23 Nov 2024 · ", or nothing (a summary page)
    rest = template
    while rest:
        before, marker, rest = _split_marker(rest)
        if before:  # "Page 2 of 5" never breaks across lines (no-break spaces)
            parts.append(css_string(before.replace(" ", "\u00a0")))
        if marker:
            parts.append(f"counter({marker})")
    counter = "content: " + " ".join(parts) + ";"
    if rtl:
        return (
            "@page { @bottom-left { " + counter + " width: 55%; } "
            "@bottom-right { content: string(drugname); width: 45%; } }"
        )
    return "@page { @bottom-right { " + counter + " } }"


def _split_marker(text: str) -> tuple[str, str, str]:
    positions = [(text.find(f"{{{name}}}"), name) for name in ("page", "pages")]
    found = [(i, name) for i, name in positions if i >= 0]
    if not found:
        return text, "", ""
    index, name = min(found)
    return text[:index], name, text[index + len(name) + 2 :]
