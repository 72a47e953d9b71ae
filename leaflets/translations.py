"""Between languages: the same medicine's pages in other languages, the one list the online
version links and the counter offers ("Print in …"). A page names them in its ``translations:``
front matter, or they are the same file in the other language folders (``discover``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .discover import byte_limit, content_root, folder_translations, page_file, page_slug, source_stem
from .errors import ContentError, LeafletError
from .files import read_page_bytes
from .front_matter import translations as translation_map
from .i18n import language_name
from .model import Leaflet
from .owners import page_claim, peek
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
    root = content_root(leaflet.source, leaflet.relpath or "")
    out = []
    for lang, page in pages.items():
        slug = page_slug(page)
        out.append(
            Translation(
                font_lang(lang),
                direction(lang),
                language_name(lang),
                slug,
                _site_path(leaflet, slug, page, root, settings),
            )
        )
    return tuple(out)


def linked_paths(path: str | Path, source: str, data: bytes, settings: Settings) -> list[list]:
    """What a page links as its translations, read from its bytes before it is parsed: each
    linked page and its online path (its own permalink's). Part of the build key, so that a
    translation added, moved or given a permalink relinks the pages that name it."""
    stem = source_stem(source)
    try:
        named = translation_map(peek(source, data, settings, "translations"), [])
    except LeafletError:
        named = ()
    root = content_root(path, stem)
    pages = dict.fromkeys([p for _, p in named] + [p for _, p in folder_translations(path, source)])
    return [[page, _claim(root, page, settings)] for page in pages]


def _claim(root: Path | None, page: str, settings: Settings) -> str | None:
    """The online path the page ``page`` (``fr/b/baclofen``) claims, from its own front matter;
    None when it is not in the content folder or cannot be read."""
    file = page_file(root, page) if root is not None else None
    if file is None:
        return None
    data = b""  # an official source's claim is its file name's
    if file.suffix.lower() == ".md":
        try:  # read as the plan reads a page: a regular file, inside the content folder
            data = read_page_bytes(file, byte_limit(file, settings.max_bytes, settings.max_bytes_xml), root)
        except ContentError:
            return None
    return page_claim(file.relative_to(root).as_posix(), data, settings)


def _site_path(leaflet: Leaflet, slug: str, page: str, root: Path | None, settings: Settings) -> str | None:
    """The path a page in the content folder has below the site root, URL-quoted (the one path
    rule, ``urls``): its own permalink's when it has one, else the pattern's; None when the page
    could not have one."""
    path = _claim(root, page, settings)
    if path is None:
        try:
            path = site_path(local_url(leaflet.source, None, slug, page, settings), settings)
        except LeafletError:
            return None
    return quote_path(path) if path else None
