"""The online version: one accessible HTML page per leaflet, at exactly the path its QR code
encodes, plus an index with a search that works offline. Built from the same view data as print.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

from . import assets, urls
from .i18n import texts
from .library import fold
from .model import Leaflet
from .render import environment, make_view
from .scripts import direction, font_lang
from .settings import Settings
from .urls import local_url, relative_link

SITE_ASSETS = ("base.css", "screen.css", "scripts.css")


def site_path(leaflet: Leaflet, settings: Settings) -> str | None:
    """Where the page lives under the output folder: the path of its online URL, below the
    configured site. None when its URL is on another official host."""
    url = local_url(leaflet.source, leaflet.permalink, leaflet.slug, leaflet.relpath, settings)
    return urls.site_path(url, settings)


def _up(path: str) -> str:
    return "../" * path.count("/") or "./"


def render_page(leaflet: Leaflet, settings: Settings, path: str, pdfs: list[tuple[str, str]]) -> str:
    """The leaflet's page. ``pdfs`` are (output path, size) pairs, linked relative to ``path``."""
    view = make_view(leaflet, settings)
    root = _up(path)
    links = [(relative_link(pdf, posixpath.dirname(path)), size) for pdf, size in pdfs]
    template = environment().get_template("site/page.html")
    return template.render(
        leaflet=leaflet, settings=settings, view=view, root=root, pdfs=links, text=view.text
    )


def render_index(entries: list[dict], settings: Settings) -> str:
    """index.html, listing every page that has a site page; site.js filters it offline."""
    entries = sorted(entries, key=lambda e: fold(e["title"]))
    data = [
        {
            "title": e["title"],
            "href": relative_link(e["path"], ""),
            "generic": e.get("generic") or "",
            "names": " ".join(fold(n) for n in [e["title"], e.get("generic") or "", e["slug"]]),
            "lang": font_lang(e.get("lang") or settings.lang),
            "dir": direction(e.get("lang") or settings.lang),
        }
        for e in entries
    ]
    template = environment().get_template("site/index.html")
    # The index speaks the library's language ([content] lang); each page speaks its own.
    lang = font_lang(settings.lang)
    return template.render(settings=settings, entries=data, text=texts(lang), lang=lang, dir=direction(lang))


def static_files() -> dict[str, Path]:
    """Files every site needs, by their path under the output folder."""
    files = {f"static/{name}": assets.styles_dir() / name for name in SITE_ASSETS}
    files["static/site.js"] = assets.templates_dir() / "site" / "site.js"
    for folder in assets.font_dirs():
        for font in sorted(folder.glob("*.ttf")):
            files[f"static/fonts/{font.name}"] = font
    return files
