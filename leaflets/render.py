"""Render a Leaflet to the HTML document that WeasyPrint prints (and that --format html writes).

Templates get three things: ``leaflet`` (the model), ``settings`` and ``view``, the derived,
print-ready data computed here so that the rules are testable Python, not template logic. The
order of the printed blocks is decided in ``print_order``.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path

import jinja2
from markupsafe import Markup

from . import __version__, assets
from .errors import LeafletError
from .i18n import language_name, texts
from .model import Leaflet, Personal
from .paper import keep_together, running_header, trace_line, url_html
from .paths import quote_path
from .print_order import Block, masthead_split, print_blocks
from .qr import qr_svg
from .scripts import LATIN, Typesetting, direction, font_lang, typesetting
from .settings import Settings
from .urls import local_url, page_url, site_path

#: The running footer's title, shortened to two lines of its box at each size.
RUNNING_TITLE_MAX = {"standard": 60, "large": 48, "xl": 40}
_EMPTY = Markup("")


@dataclass(frozen=True)
class Translation:
    """The same medicine in another language, as the site and the counter link it."""

    lang: str
    dir: str
    #: The language's name in that language ("العربية"), so its readers find it.
    name: str
    #: The page's file name: the counter's slug.
    slug: str
    #: Its online path below the site root (the one path rule), or None.
    path: str | None


def translations(leaflet: Leaflet, settings: Settings) -> tuple[Translation, ...]:
    out = []
    for lang, page in leaflet.translations:
        slug = page.rsplit("/", 1)[-1]
        out.append(
            Translation(
                font_lang(lang),
                direction(lang),
                language_name(lang),
                slug,
                _site_path(leaflet, slug, page, settings),
            )
        )
    return tuple(out)


def _site_path(leaflet: Leaflet, slug: str, page: str, settings: Settings) -> str | None:
    """The path a page in the content folder has below the site root, URL-quoted (the one path
    rule, ``urls``), or None when the page could not have one."""
    try:
        path = site_path(local_url(leaflet.source, None, slug, page, settings), settings)
    except LeafletError:
        return None
    return quote_path(path) if path else None


@dataclass(frozen=True)
class View:
    blocks: tuple[Block, ...]
    url: str | None
    qr_svg: Markup | None
    short_title: str
    source_name: str
    created: str | None
    inline_css: tuple[Markup, ...]
    text: dict[str, str]
    version: str
    logo_uri: str | None = None
    personal: Personal | None = None
    #: "Revision 4539173c · 23 Nov 2024": the running footer and the end of the body.
    trace: str = ""
    #: The same in the running footer (a long date as written cut short, see paper.trace_line).
    footer_trace: str = ""
    #: The online address with break opportunities after "/" only (hyphens break by themselves).
    url_html: Markup = _EMPTY
    #: The running header of every page of a personalised leaflet (patient, pharmacy phone).
    running_header: str = ""
    #: How much the spacing is tightened (0, 1, 2) to save a nearly empty last page (pdf.py).
    fit: int = 0
    #: The document's language tag (as fonts expect it), direction and fonts.
    typesetting: Typesetting = LATIN
    translations: tuple[Translation, ...] = ()

    @property
    def masthead_blocks(self) -> tuple[Block, ...]:
        """What the print's masthead holds beside the title (see ``masthead_split``)."""
        return masthead_split(self.blocks)[0]

    @property
    def body_blocks(self) -> tuple[Block, ...]:
        return masthead_split(self.blocks)[1]


def leaflet_url(leaflet: Leaflet, settings: Settings) -> str | None:
    """The online version's address (the QR code's), or None when no site is configured."""
    return page_url(leaflet.source, leaflet.permalink, leaflet.slug, leaflet.relpath, settings)


def without_qr(count: int = 1) -> str:
    """The one warning for leaflets that print without a QR code (``leaflet_url`` was None)."""
    what = "the leaflet is" if count == 1 else f"{count} leaflets are"
    return (
        f"no base_url is configured: {what} printed without a QR code "
        "(set [site] base_url in leaflets.toml or pass --base-url)"
    )


def shorten(title: str, limit: int = RUNNING_TITLE_MAX["standard"]) -> str:
    if len(title) <= limit:
        return title
    cut = title[: limit - 1].rstrip()
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space].rstrip(" +,;/-")
    return cut + "…"


def _created(leaflet: Leaflet) -> str | None:
    """A reproducible creation date: the page's own, else SOURCE_DATE_EPOCH, else none at all."""
    if leaflet.date and re.match(r"^\d{4}-\d{2}-\d{2}", leaflet.date):
        try:
            return dt.date.fromisoformat(leaflet.date[:10]).isoformat()
        except ValueError:
            pass  # a typo in the page's date: it is printed as written, not used as metadata
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        stamp = dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
        return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    return None


@functools.lru_cache(maxsize=4)
def environment(templates: Path | None = None) -> jinja2.Environment:
    shipped = assets.shipped_templates()
    if shipped is not None and templates is None:
        return _shipped_environment(tuple(sorted(shipped.items())))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates or assets.templates_dir())),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
    )
    return env


@functools.lru_cache(maxsize=2)
def _shipped_environment(items: tuple[tuple[str, str], ...]) -> jinja2.Environment:
    """Templates that travelled with the work to a remote worker."""
    return jinja2.Environment(
        loader=jinja2.DictLoader(dict(items)), autoescape=True, undefined=jinja2.StrictUndefined
    )


def page_text(leaflet: Leaflet, personal: Personal | None = None) -> str:
    """Everything the document prints, markup included: what decides the fonts it needs."""
    parts = [leaflet.title, leaflet.h1 or "", *texts(leaflet.lang).values()]
    for section in leaflet.all_sections():
        parts += [section.label, section.html]
        parts += [b.html for g in section.groups for b in g.blocks]
        parts += [g.label or "" for g in section.groups]
        parts += [f.question + f.answer for f in section.faqs]
    if personal:
        parts += [personal.patient, personal.directions, personal.initials]
        parts += [personal.strength, personal.quantity]
    return "\n".join(parts)


def leaflet_typesetting(leaflet: Leaflet, personal: Personal | None = None) -> Typesetting:
    """Raises MissingFontError when a script the page prints has no installed font."""
    return typesetting(leaflet.lang, page_text(leaflet, personal))


def make_view(
    leaflet: Leaflet,
    settings: Settings,
    *,
    inline_css: bool = False,
    personal: Personal | None = None,
    fit: int = 0,
) -> View:
    url = leaflet_url(leaflet, settings)
    text = texts(leaflet.lang)
    ts = leaflet_typesetting(leaflet, personal)
    sheets = assets.stylesheet_texts(settings, ts) if inline_css else []
    css = tuple(Markup(sheet) for sheet in sheets)
    return View(
        blocks=print_blocks(leaflet, settings, personal),
        url=url,
        qr_svg=Markup(qr_svg(url, f"{text['qr_alt']}: {url}")) if url else None,
        short_title=shorten(leaflet.title, RUNNING_TITLE_MAX[settings.size]),
        source_name=(leaflet.relpath or leaflet.slug) + (Path(leaflet.source).suffix or ".md"),
        created=_created(leaflet),
        inline_css=css,
        text=text,
        version=__version__,
        logo_uri=assets.logo_url(settings),
        personal=personal or None,
        trace=trace_line(leaflet, text),
        footer_trace=trace_line(leaflet, text, footer=True),
        url_html=url_html(url),
        running_header=running_header(personal.patient, settings, text) if personal else "",
        fit=fit,
        typesetting=ts,
        translations=translations(leaflet, settings),
    )


def render_html(
    leaflet: Leaflet,
    settings: Settings | None = None,
    *,
    inline_css: bool = False,
    personal: Personal | None = None,
    fit: int = 0,
) -> str:
    """The leaflet as an HTML document. With ``inline_css`` the stylesheets are embedded, so
    bare WeasyPrint given this one file prints the same leaflet. ``personal`` adds the
    pharmacist's label for one patient at the top; ``fit`` tightens the spacing (1 or 2)."""
    settings = settings or Settings()
    view = make_view(leaflet, settings, inline_css=inline_css, personal=personal, fit=fit)
    template = environment().get_template("leaflet.html")
    head, body = template.render(leaflet=leaflet, settings=settings, view=view).split("<body", 1)
    return head + "<body" + keep_together(body)
