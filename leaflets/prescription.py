"""A prescription: several leaflets for one patient, printed as one PDF.

Page 1 ("Your medicines") lists each medicine with what the pharmacist typed, and the absolute
page where its leaflet starts. Each leaflet follows on a new page with its own "Page X of Y" and
one outline entry. The patient's name stands in every page's running header, and never in the
PDF's title, metadata, bookmarks or file name.

The same rules read a counter form, a JSON body from a dispensing system, and a ``--prescription``
file (TOML or JSON), so every way in refuses the same mistakes with the same words.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import sys
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .characters import strip_forbidden
from .errors import PrescriptionError, RenderError
from .i18n import texts
from .model import Item, Leaflet, Prescription
from .paper import running_header
from .scripts import direction, typesetting
from .settings import Settings

MAX_ITEMS = 20
#: Characters a pharmacist may type into each field (the counter's ``maxlength``).
LIMITS = {"patient": 200, "initials": 200, "directions": 200, "strength": 200, "quantity": 200, "lang": 35}
SLUG_LIMIT = 100
_ITEM_KEYS = {"page", "slug", "directions", "strength", "quantity"}
_TOP_KEYS = {"patient", "initials", "date", "lang", "items", "size", "paper"}
_LANG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")


def clean(value: Any, name: str, where: str = "") -> str:
    """One line of text: controls dropped, runs of spaces made one, within the field's limit."""
    if value is None:
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise PrescriptionError(f"{where}{name} must be text")
    # C0 and C1 controls and lone surrogates: never printed, whatever was pasted.
    text = " ".join(strip_forbidden(str(value))[0].split())
    limit = LIMITS.get(name, SLUG_LIMIT)
    if len(text) > limit:
        raise PrescriptionError(f"{where}{name} is limited to {limit} characters")
    return text


def _unknown(found: set[str], known: set[str]) -> str:
    return f"unknown field {sorted(found)[0]!r} (known: {', '.join(sorted(known))})"


def parse_date(value: Any, where: str = "") -> str:
    """The dispensing date as ISO YYYY-MM-DD; today when not given."""
    if value in (None, ""):
        return dt.date.today().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise PrescriptionError(f"{where}date must be a date like 2026-12-01") from None


def parse_lang(value: Any, where: str = "") -> str:
    """The summary's language tag (``ar``, ``zh-CN``), or "" for the leaflets' own."""
    tag = clean(value, "lang", where)
    if tag and not _LANG.fullmatch(tag):
        raise PrescriptionError(f"{where}lang must be a language tag like 'en' or 'zh-CN', not {tag!r}")
    return tag


def build(
    items: list[Mapping[str, Any]],
    patient: Any = "",
    initials: Any = "",
    date: Any = None,
    where: str = "",
    lang: Any = "",
) -> Prescription:
    """A checked Prescription: 1 to MAX_ITEMS items, each field within its limit, no item twice."""
    if not items:
        raise PrescriptionError(f"{where}the prescription has no medicine")
    if len(items) > MAX_ITEMS:
        raise PrescriptionError(
            f"{where}a prescription holds at most {MAX_ITEMS} medicines, not {len(items)}"
        )
    made: list[Item] = []
    for number, raw in enumerate(items, 1):
        at = f"{where}item {number}: "
        unknown = set(raw) - _ITEM_KEYS
        if unknown:
            raise PrescriptionError(f"{at}{_unknown(unknown, _ITEM_KEYS)}")
        page = clean(raw.get("page") or raw.get("slug"), "page", at)
        if not page:
            raise PrescriptionError(f"{at}no page named")
        item = Item(
            page=page,
            directions=clean(raw.get("directions"), "directions", at),
            strength=clean(raw.get("strength"), "strength", at),
            quantity=clean(raw.get("quantity"), "quantity", at),
        )
        if item in made:  # the same line twice is a slip, not two medicines
            again = made.index(item) + 1
            raise PrescriptionError(f"{at}“{page}” is already item {again}, with the same details")
        made.append(item)
    return Prescription(
        items=tuple(made),
        patient=clean(patient, "patient", where),
        initials=clean(initials, "initials", where),
        date=parse_date(date, where),
        lang=parse_lang(lang, where),
    )


def from_mapping(data: Any, where: str = "") -> tuple[Prescription, dict[str, str]]:
    """A prescription from decoded JSON or TOML: (the prescription, its print options)."""
    if not isinstance(data, dict):
        raise PrescriptionError(f"{where}a prescription is a table (an object) with 'items'")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise PrescriptionError(f"{where}{_unknown(unknown, _TOP_KEYS)}")
    items = data.get("items")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise PrescriptionError(f"{where}'items' must be a list of tables, one per medicine")
    options = {k: clean(data[k], k, where) for k in ("size", "paper") if data.get(k)}
    rx = build(items, data.get("patient"), data.get("initials"), data.get("date"), where, data.get("lang"))
    return rx, options


def from_form(fields: Mapping[str, list[str]]) -> Prescription:
    """A prescription from the counter's form: ``slug``, ``directions``, ``strength`` and
    ``quantity`` repeated once per item, in order."""
    slugs = fields.get("slug", [])
    columns = {name: fields.get(name, []) for name in ("directions", "strength", "quantity")}
    for name, values in columns.items():
        if values and len(values) != len(slugs):
            raise PrescriptionError(
                f"each medicine needs its own {name} field ({len(values)} for {len(slugs)} medicines)"
            )
    items = [
        {"slug": slug, **{name: values[n] if values else "" for name, values in columns.items()}}
        for n, slug in enumerate(slugs)
    ]
    first = {k: (fields.get(k) or [""])[0] for k in ("patient", "initials", "date", "lang")}
    return build(items, first["patient"], first["initials"], first["date"] or None, lang=first["lang"])


def read_prescription(source: str) -> tuple[Prescription, dict[str, str]]:
    """``--prescription FILE``: TOML or JSON (by suffix; ``-`` reads standard input, JSON when it
    starts with ``{``)."""
    where = "standard input: " if source == "-" else f"{source}: "
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PrescriptionError(f"{where}no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PrescriptionError(f"{where}cannot read it: {exc}") from None
    as_json = source.lower().endswith(".json") or (source == "-" and text.lstrip().startswith("{"))
    try:
        data = json.loads(text) if as_json else tomllib.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise PrescriptionError(f"{where}invalid JSON: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise PrescriptionError(f"{where}invalid TOML: {exc}") from None
    return from_mapping(data, where)


def long_date(iso: str, lang: str = "en") -> str:
    """ "2 December 2026", in ``lang`` (CLDR's long date form, through Babel)."""
    from babel import Locale, UnknownLocaleError
    from babel.dates import format_date

    day = dt.date.fromisoformat(iso)
    tag = "en-GB" if lang.lower() == "en" else lang  # day before month, as the leaflets print it
    try:
        locale = Locale.parse(tag.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        locale = Locale("en")
    return format_date(day, format="long", locale=locale)


def summary_lang(prescription: Prescription, leaflets: list[Leaflet]) -> str:
    """The language of the summary page: as asked, else the leaflets' when they share one."""
    if prescription.lang:
        return prescription.lang
    langs = {leaflet.lang for leaflet in leaflets}
    return langs.pop() if len(langs) == 1 else "en"


def title(prescription: Prescription, lang: str = "en") -> str:
    """The PDF's title: the date, never the patient."""
    return texts(lang)["prescription_title"].format(date=long_date(prescription.date, lang))


def file_name(prescription: Prescription) -> str:
    return f"prescription-{prescription.date}.pdf"


def render_prescription(
    leaflets: list[Leaflet], prescription: Prescription, settings: Settings
) -> tuple[bytes, int]:
    """(PDF bytes, page count): the summary page, then each item's personalised leaflet."""
    from . import pdf  # WeasyPrint only when printing
    from .render import environment, leaflet_typesetting, render_html

    documents = []
    for leaflet, item in zip(leaflets, prescription.items, strict=True):
        personal = prescription.personal(item)
        try:
            ts = leaflet_typesetting(leaflet, personal)
            html = render_html(leaflet, settings, personal=personal)
            # Each leaflet meets the pagination rules on its own pages (the summary is exempt).
            refit = functools.partial(render_html, leaflet, settings, personal=personal)
            documents.append(
                pdf.html_to_document(
                    html, settings, typesetting=ts, refit=lambda level, r=refit: r(fit=level)
                )
            )
        except RenderError as exc:
            raise type(exc)(exc.message, path=leaflet.source) from None
    counts = [len(d.pages) for d in documents]
    template = environment().get_template("prescription.html")

    def summary(first_pages: int):
        starts, at = [], first_pages + 1
        for count in counts:
            starts.append(at)
            at += count
        rows = list(zip(leaflets, prescription.items, starts, strict=True))
        html = template.render(
            prescription=prescription,
            rows=rows,
            settings=settings,
            title=title(prescription, lang),
            header=running_header(prescription.patient, settings, texts(lang)),
            date=long_date(prescription.date, lang),
            text=texts(lang),
            lang=lang,
            dir=direction(lang),
        )
        # The summary prints patient and medicine names, which may be in any script.
        ts = typesetting(lang, html)
        return pdf.html_to_document(html, settings, typesetting=ts)

    lang = summary_lang(prescription, leaflets)
    cover = settle(summary)
    data = pdf.documents_to_pdf([cover, *documents], settings)
    return data, len(cover.pages) + sum(counts)


def settle(summary: Callable[[int], Any]):
    """Lay out the summary until the page numbers it prints agree with its own length (a long
    prescription's summary may take two pages, which moves every leaflet on by one)."""
    guess = 1
    for _ in range(4):
        cover = summary(guess)
        if len(cover.pages) == guess:
            return cover
        guess = len(cover.pages)
    return cover
