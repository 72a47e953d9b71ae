"""Between languages: the same medicine's pages in other languages, the one list the online
version links and the counter offers ("Print in …"). A page names them in its ``translations:``
front matter, or they are the same file in the other language folders (``discover``)."""

from __future__ import annotations

from dataclasses import dataclass

from .discover import folder_translations, page_slug
from .errors import LeafletError
from .i18n import language_name
from .model import Leaflet
from .paths import quote_path
from .scripts import direction, font_lang
from .settings import Settings
from .urls import local_url, site_path


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
    """The same medicine in other languages, the one list the site links and the counter offers
    ("Print in …"): the pages the ``translations:`` map names, then the same file in the other
    language folders (``fr/b/baclofen.md`` for ``en/b/baclofen.md``, looked up now, so that a
    page added there is offered at once); the map wins for a language it names."""
    pages = dict(leaflet.translations)
    for lang, page in folder_translations(leaflet.source, leaflet.relpath):
        pages.setdefault(lang, page)
    out = []
    for lang, page in pages.items():
        slug = page_slug(page)
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
