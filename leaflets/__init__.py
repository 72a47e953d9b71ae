"""leaflets: turn markdown medicine pages into printable, accessible patient leaflets.

The public API::

    from leaflets import read_page, render_html, write_pdf, load_settings

    settings = load_settings()                      # ./leaflets.toml when present
    leaflet = read_page("content/b/baclofen.md")    # parse; raises ContentError on bad input
    html = render_html(leaflet, settings)           # the document WeasyPrint prints
    write_pdf(leaflet, "baclofen.pdf", settings)    # tagged PDF/UA-1, written atomically
"""

from __future__ import annotations

__version__ = "0.1.0"

from typing import TYPE_CHECKING, Any

from .errors import (
    BuildError,
    ConfigError,
    ContentError,
    LeafletError,
    NotALeafletError,
    RenderError,
)
from .model import Faq, Kind, Leaflet, Section, Severity, SideEffect, SideEffectGroup
from .settings import Settings, load_settings

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "BuildError",
    "ConfigError",
    "ContentError",
    "Faq",
    "Kind",
    "Leaflet",
    "LeafletError",
    "NotALeafletError",
    "RenderError",
    "Section",
    "Settings",
    "Severity",
    "SideEffect",
    "SideEffectGroup",
    "__version__",
    "load_settings",
    "pdf_bytes",
    "read_page",
    "render_html",
    "write_pdf",
]


def read_page(path: str | Path, settings: Settings | None = None) -> Leaflet:
    """Read and parse one markdown page into a :class:`Leaflet`."""
    from .reader import read_page as _read

    settings = settings or Settings()
    return _read(path, content_root=settings.content_dir, **settings.read_options)


def render_html(leaflet: Leaflet, settings: Settings | None = None, **kwargs: Any) -> str:
    """Render the leaflet's HTML document (``inline_css=True`` to embed the stylesheets)."""
    from .render import render_html as _render

    return _render(leaflet, settings, **kwargs)


def pdf_bytes(leaflet: Leaflet, settings: Settings | None = None) -> bytes:
    """Render the leaflet to PDF/UA-1 bytes."""
    from .pdf import pdf_bytes as _pdf

    return _pdf(leaflet, settings or Settings())


def write_pdf(leaflet: Leaflet, target: str | Path, settings: Settings | None = None) -> Path:
    """Render the leaflet and write it to ``target`` atomically. Returns the path written."""
    from .pdf import write_pdf as _write

    return _write(leaflet, target, settings or Settings())[0]
