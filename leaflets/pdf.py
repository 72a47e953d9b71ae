"""HTML → PDF with WeasyPrint: a locked URL fetcher, shared fonts and CSS, atomic writes.

WeasyPrint is imported here and only here, so ``leaflets --help`` and parsing stay light.
"""

from __future__ import annotations

import contextlib
import logging
import mimetypes
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from .errors import DeadlineError, MissingSystemPackageError, RenderError

try:
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse
except OSError as exc:  # WeasyPrint loads Pango (and GLib, HarfBuzz) from the system at import
    raise MissingSystemPackageError("Pango, for WeasyPrint,", "libpango-1.0-0 libpangoft2-1.0-0") from exc

from . import assets, paginate
from .files import write_atomic
from .model import Leaflet, Personal
from .render import leaflet_typesetting, render_html
from .scripts import Typesetting
from .settings import Settings

LOGGER = logging.getLogger(__name__)


def _reproducible_font_stamps() -> None:
    """WeasyPrint instantiates variable fonts (Noto Sans, our fallback) with fontTools, whose
    ``head`` table gets the time of saving: the same leaflet would differ byte for byte from one
    second to the next. Stamp saved fonts with SOURCE_DATE_EPOCH, or 1970-01-01, instead."""
    import os

    from fontTools.misc import timeTools
    from fontTools.ttLib.tables import _h_e_a_d

    def stamp() -> int:
        epoch = os.environ.get("SOURCE_DATE_EPOCH", "0")
        return (int(epoch) if epoch.strip().isdigit() else 0) - timeTools.epoch_diff

    _h_e_a_d.timestampNow = stamp


_reproducible_font_stamps()


class RenderTimeout(BaseException):
    """Raised by the alarm inside WeasyPrint; a BaseException so its ``except Exception`` blocks
    cannot swallow it."""


@contextlib.contextmanager
def deadline(seconds: float):
    """Stop a render that runs past ``seconds``. Only in a main thread (CLI, build and web
    workers): signals cannot reach other threads, where the input limits alone apply."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    expired = False

    def expire(signum, frame):
        nonlocal expired
        expired = True
        raise RenderTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    # The alarm can fire inside a destructor or a gc callback, where Python prints the exception
    # and drops it: the render then ends normally, but late, and is still a timeout.
    if expired:
        raise RenderTimeout


class FetchRefused(ValueError):
    """The renderer asked for something outside the allowlist."""


class LockedFetcher(URLFetcher):
    """Serve ``data:`` URLs and files under the asset roots; refuse everything else.

    WeasyPrint's default fetcher reads any local file and any URL a document names (for example
    ``<link rel=attachment href=file:///etc/passwd>`` embeds the file in the PDF). Every refusal
    is fatal (``fail_on_errors``): a leaflet never prints with a missing asset, and a hostile
    reference stops the render instead of being skipped quietly.
    """

    def __init__(self, roots: tuple[Path, ...]):
        super().__init__(fail_on_errors=True, allowed_protocols=("file", "data"), allow_redirects=False)
        self.roots = tuple(Path(r).resolve() for r in roots)

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)  # decoded in memory by urllib's DataHandler
        if scheme == "file":
            parts = urlsplit(url)
            if parts.netloc not in ("", "localhost"):
                return self._refuse(url)
            path = Path(url2pathname(unquote(parts.path))).resolve()
            if path.is_file() and any(path == r or path.is_relative_to(r) for r in self.roots):
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": kind})
        return self._refuse(url)

    def _refuse(self, url: str) -> URLFetcherResponse:
        raise FetchRefused(f"refused to fetch {url[:200]!r}: outside the leaflet's own assets")


class _Renderer:
    """Per-process WeasyPrint state: one FontConfiguration and the parsed stylesheets."""

    def __init__(self) -> None:
        self.font_config = FontConfiguration()
        self._css: dict[tuple, list[CSS]] = {}
        self._lock = threading.Lock()

    def stylesheets(
        self, settings: Settings, fetcher: LockedFetcher, ts: Typesetting | None = None
    ) -> list[CSS]:
        key = (settings.size, settings.paper, ts, assets.asset_roots(settings))
        with self._lock:
            if key not in self._css:
                base = assets.styles_dir().as_uri() + "/"
                self._css[key] = [
                    CSS(string=text, base_url=base, url_fetcher=fetcher, font_config=self.font_config)
                    for text in assets.stylesheet_texts(settings, ts)
                ]
            return self._css[key]


_STATE: _Renderer | None = None


def _renderer() -> _Renderer:
    global _STATE
    if _STATE is None:
        _STATE = _Renderer()
    return _STATE


def prepare(settings: Settings) -> None:
    """Load fonts and parse the stylesheets for these settings now (a worker's warm-up)."""
    _renderer().stylesheets(settings, LockedFetcher(assets.asset_roots(settings)))


def html_to_pdf(
    html: str,
    settings: Settings,
    *,
    stylesheets: bool = True,
    typesetting: Typesetting | None = None,
    refit: Callable[[int], str] | None = None,
) -> tuple[bytes, int]:
    """Print an HTML document made by render_html: (PDF bytes, page count). Raises RenderError.
    ``refit`` as for html_to_document."""
    document = html_to_document(html, settings, stylesheets=stylesheets, typesetting=typesetting, refit=refit)
    return documents_to_pdf([document], settings), len(document.pages)


_OPTIONS = {"pdf_variant": "pdf/ua-1", "presentational_hints": False}  # page content never styles itself


def html_to_document(
    html: str,
    settings: Settings,
    *,
    stylesheets: bool = True,
    typesetting: Typesetting | None = None,
    refit: Callable[[int], str] | None = None,
):
    """Lay out an HTML document (a WeasyPrint Document, pages not yet written), within the render
    deadline. Raises RenderError. ``refit(level)`` gives the same document with tighter spacing,
    for the layouts the pagination rules may ask for when the first wastes paper
    (``paginate.settle``); without it the document is laid out once (a prescription's summary)."""
    state = _renderer()
    fetcher = LockedFetcher(assets.asset_roots(settings))
    base = assets.templates_dir().as_uri() + "/"
    with _render_errors(settings):
        sheets = state.stylesheets(settings, fetcher, typesetting) if stylesheets else []

        def layout(text: str, extra: str = ""):
            css = [*sheets, CSS(string=extra, font_config=state.font_config)] if extra else sheets
            document = HTML(string=text, base_url=base, url_fetcher=fetcher)
            return document, document.render(font_config=state.font_config, stylesheets=css, **_OPTIONS)

        with deadline(settings.render_timeout):
            return paginate.settle(layout, html, refit)


def documents_to_pdf(documents: list, settings: Settings) -> bytes:
    """Write laid-out documents as one PDF: the pages in order, the first document's metadata,
    and each document's headings in one outline. Every document keeps its own page numbers.
    No file identifier (/ID): PDF/UA-1 does not ask for one, WeasyPrint's PDF/UA variant writes
    none, and pydyf would serialise every object a second time to hash it (~8% of a leaflet's
    render). The bytes are reproducible without it."""
    first = documents[0]
    joined = first if len(documents) == 1 else first.copy([p for d in documents for p in d.pages])
    with _render_errors(settings), deadline(settings.render_timeout):
        return joined.write_pdf(**_OPTIONS)


@contextlib.contextmanager
def _render_errors(settings: Settings):
    try:
        yield
    except FatalURLFetchingError as exc:
        cause = exc.__cause__ or exc
        raise RenderError(str(cause)) from None
    except RecursionError:
        raise RenderError("the page is nested too deeply to lay out") from None
    except RenderTimeout:
        global _STATE
        _STATE = None  # WeasyPrint was stopped mid-way: start the next render from fresh state
        raise DeadlineError(
            f"rendering took longer than {settings.render_timeout:g} s and was stopped"
        ) from None


def render_pdf(leaflet: Leaflet, settings: Settings, personal: Personal | None = None) -> tuple[bytes, int]:
    """(PDF bytes, page count) for one leaflet, with the pharmacist's label when ``personal``."""

    def refit(level: int) -> str:
        return render_html(leaflet, settings, personal=personal, fit=level)

    try:
        ts = leaflet_typesetting(leaflet, personal)
        html = render_html(leaflet, settings, personal=personal)
        return html_to_pdf(html, settings, typesetting=ts, refit=refit)
    except RenderError as exc:
        raise type(exc)(exc.message, path=leaflet.source) from None


def pdf_bytes(leaflet: Leaflet, settings: Settings) -> bytes:
    return render_pdf(leaflet, settings)[0]


def write_pdf(leaflet: Leaflet, target: str | Path, settings: Settings) -> tuple[Path, int]:
    """Render and write atomically: (path written, page count)."""
    data, pages = render_pdf(leaflet, settings)
    return write_atomic(data, target), pages
