"""What a leaflet prints on paper beside the page's own words: the trace line (revision and date),
the running header of a personalised leaflet, the online address with its break points, and the
runs of text that never break across lines (doses, phone numbers)."""

from __future__ import annotations

import datetime as dt
import re

from markupsafe import Markup

from .model import Leaflet
from .settings import Settings

_EMPTY = Markup("")


#: An official document's own id, as readers write (``Leaflet.revision``): "<id>[ v<version>] · <hash>".
_OFFICIAL_REVISION = re.compile(r"^(?P<id>.+?)(?: v(?P<version>[^\s·]+))? · [0-9a-f]+$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


def short_revision(revision: str) -> str:
    """The revision as a reader can match it, short enough for the footer: a page's content
    hash by its first 8 digits; an official document (ePI, SPL) by its own id without the URN
    scheme ("urn:uuid:"), a UUID by its first 8 digits, and the document's version."""
    match = _OFFICIAL_REVISION.match(revision)
    if not match:
        return revision[:8]
    ident = re.sub(r"^urn:[a-z0-9][a-z0-9-]*:", "", match["id"], flags=re.IGNORECASE)
    if _UUID.match(ident):
        ident = ident[:8]
    elif len(ident) > 32:  # a long OID or URL: its end is what differs from its neighbours'
        ident = "…" + ident[-31:]
    return f"{ident} v{match['version']}" if match["version"] else ident


#: A date written as something else than a date is cut to this length in the running footer
#: (whose two lines hold the counter too); the body's trace line prints it whole.
FOOTER_DATE_MAX = 20


def trace_line(leaflet: Leaflet, text: dict[str, str], *, footer: bool = False) -> str:
    """The revision id and the page's own date, as the patient reads them."""
    parts = (
        [text["trace_revision"].format(revision=short_revision(leaflet.revision))] if leaflet.revision else []
    )
    if leaflet.date:  # a date never breaks across lines of the footer
        date = display_date(leaflet.date, leaflet.lang)
        if footer and len(date) > FOOTER_DATE_MAX:
            date = date[: FOOTER_DATE_MAX - 1].rstrip() + "…"
        parts.append(date.replace(" ", "\u00a0"))
    return " · ".join(parts)


def display_date(date: str, lang: str) -> str:
    """An ISO date as "23 Nov 2024" in the page's language; any other date as written."""
    match = re.match(r"^(\d{4}-\d{2}-\d{2})(?:$|[T ])", date.strip())
    if not match:
        return date
    try:
        day = dt.date.fromisoformat(match.group(1))
    except ValueError:
        return date
    from babel.core import UnknownLocaleError
    from babel.dates import format_date

    try:
        return format_date(day, "d MMM y", locale=lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return format_date(day, "d MMM y", locale="en")


def running_header(patient: str, settings: Settings, text: dict[str, str]) -> str:
    """The running header of every page printed for one patient (a personalised leaflet, each
    leaflet of a prescription and its summary): the patient and the pharmacy's phone. The
    phone's spaces are no-break spaces: a number never breaks across lines."""
    parts = []
    if patient:
        parts.append(f"{text['patient']}: {patient}")
    phone = settings.pharmacy.phone.strip()
    if phone:
        who = settings.pharmacy.name.strip() or text["phone"]
        parts.append(f"{who}: " + phone.replace(" ", "\u00a0"))
    return "  ·  ".join(parts)


def url_html(url: str | None) -> Markup:
    if not url:
        return _EMPTY
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    pieces = [Markup.escape(piece) for piece in rest.split("/")]
    return Markup.escape(scheme + sep) + Markup("/<wbr>").join(pieces)


#: A number and its unit ("500 mg", "2.5 mL", "10 %"), and phone numbers ("01234 567890",
#: "+44 20 7946 0958", "1-800-222-1222"): printed on one line (``.nowrap``).
_KEEP = re.compile(
    # A dose: a number (or range) and its unit.
    r"(?P<dose>(?<![\w.,&#])\d+(?:[.,]\d+)?(?:\s?[-–]\s?\d+(?:[.,]\d+)?)?"
    r"\s(?:mg|mcg|µg|μg|g|kg|ml|mL|L|IU|units?|mmol|mEq|%|tablets?|capsules?|puffs?|drops?)(?![\w]))"
    # A phone number: digit groups apart by spaces or hyphens, an optional +country and (area).
    r"|(?P<phone>(?<![\w.,&#+])(?:\+\d{1,3}[ -]?)?(?:\(\d{2,5}\) ?)?\d{2,5}(?:[ -]\d{2,8}){1,3}(?![\w.,]))"
)
_TEXT_NODE = re.compile(r">([^<>]+)<")


def keep_together(html: str) -> str:
    """Wrap doses and phone numbers of a document's text (never its tags) in ``.nowrap`` spans."""

    def keep(m: re.Match[str]) -> str:
        words = m.group(0)
        if m.group("phone"):
            digits = sum(ch.isdigit() for ch in words)
            if digits < 7 or len(words) > 24 or (" " not in words and "-" not in words):
                return words
        return f'<span class="nowrap">{words}</span>'

    return _TEXT_NODE.sub(lambda m: ">" + _KEEP.sub(keep, m.group(1)) + "<", html)
