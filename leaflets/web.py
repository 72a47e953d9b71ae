"""``leaflets serve``: the pharmacist's counter page, a thin Starlette layer over the library.

Routes (stable, documented in the README):

- ``GET /``: the index, with a search box (``?q=`` works without JavaScript);
- ``GET /api/search?q=``: the same search as JSON, for the search-as-you-type box;
- ``GET /leaflets/<slug>``: an accessible HTML preview and the print form;
- ``GET /leaflets/<slug>.pdf?size=&paper=``: the unpersonalised PDF, cached;
- ``POST /leaflets/<slug>.pdf``: the personalised PDF (form fields ``size``, ``paper``,
  ``patient``, ``directions``, ``initials``), never cached or logged;
- ``GET /healthz``; ``GET /static/…``: the screen stylesheet, the script and the fonts.
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import hmac
import logging
import multiprocessing
from collections import OrderedDict
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Route

from . import assets
from .characters import strip_forbidden
from .i18n import texts
from .jobs import init_worker
from .library import Library
from .model import Edition, Leaflet, Personal
from .render import environment, make_view
from .settings import PAPERS, SIZES, Settings

LOGGER = logging.getLogger(__name__)
FIELD_LIMIT = 200  # characters a pharmacist may type into one field
BODY_LIMIT = 8 * 1024  # bytes of form body: 3 × 200 characters with room for encoding
CACHE_ENTRIES = 128
TOKEN_COOKIE = "leaflets_token"
LOOPBACK = ("127.0.0.1", "localhost", "::1")

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; script-src 'self'; font-src 'self'; "
        "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


# -- rendering in worker processes -------------------------------------------------------------


def _render(leaflet: Leaflet, settings: Settings, personal: Personal | None) -> bytes:
    """Runs in a worker: leaflet → PDF bytes. Patient data lives only in this call's memory."""
    from .pdf import render_pdf

    return render_pdf(leaflet, settings, personal)[0]


class Renderer:
    """A warm pool of WeasyPrint processes (``workers=0``: render in a thread of this process)."""

    def __init__(self, settings: Settings, workers: int):
        self.settings = settings
        self.workers = workers
        self.pool: cf.ProcessPoolExecutor | None = None
        self.cache: OrderedDict[Edition, bytes] = OrderedDict()

    def start(self) -> None:
        if self.workers > 0:
            self.pool = cf.ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("forkserver"),
                initializer=init_worker,
                initargs=(self.settings, SIZES, PAPERS),
            )
            # Warm every worker now, not on a pharmacist's first click.
            for future in [self.pool.submit(_noop) for _ in range(self.workers)]:
                future.result()

    def stop(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    async def pdf(self, leaflet: Leaflet, size: str, paper: str, personal: Personal | None = None) -> bytes:
        settings = self.settings.replace(size=size, paper=paper)
        key = Edition.of(leaflet, size, paper)
        if not personal and key in self.cache:
            self.cache.move_to_end(key)
            return self.cache[key]
        if self.pool is not None:
            loop = asyncio.get_running_loop()
            data = await loop.run_in_executor(self.pool, _render, leaflet, settings, personal)
        else:
            data = await run_in_threadpool(_render, leaflet, settings, personal)
        if not personal:  # patient data never reaches a cache key or a cached value
            self.cache[key] = data
            while len(self.cache) > CACHE_ENTRIES:
                self.cache.popitem(last=False)
        return data


def _noop() -> None:
    return None


# -- the application ---------------------------------------------------------------------------


def create_app(
    content_dir: str | Path, settings: Settings, *, workers: int = 2, token: str | None = None
) -> Starlette:
    library = Library(content_dir, settings)
    renderer = Renderer(settings, workers)
    env = environment()

    def page(name: str, status: int = 200, **context) -> HTMLResponse:
        html = env.get_template(f"web/{name}").render(settings=settings, text=texts("en"), **context)
        return HTMLResponse(html, status_code=status)

    def entry_or_404(slug: str):
        entry = library.get(slug)
        if entry is None:
            raise HTTPException(404, f"No leaflet called “{slug}”.")
        if entry.leaflet is None:
            raise HTTPException(404, f"“{slug}” is not available: {entry.error}")
        return entry

    def options(values) -> tuple[str, str]:
        size = values.get("size") or settings.size
        paper = values.get("paper") or settings.paper
        if size not in SIZES:
            raise HTTPException(400, f"size must be one of: {', '.join(SIZES)}.")
        if paper not in PAPERS:
            raise HTTPException(400, f"paper must be one of: {', '.join(PAPERS)}.")
        return size, paper

    async def index(request: Request) -> Response:
        query = request.query_params.get("q", "")
        if len(query) > FIELD_LIMIT:
            raise HTTPException(400, f"The search is limited to {FIELD_LIMIT} characters.")
        results = library.search(query)
        return page("index.html", query=query, results=results, total=len(library.entries()))

    async def api_search(request: Request) -> Response:
        query = request.query_params.get("q", "")[:FIELD_LIMIT]
        hits = library.search(query, limit=50)
        return JSONResponse(
            [
                {
                    "slug": e.slug,
                    "title": e.title,
                    "generic_name": e.leaflet.generic_name if e.leaflet else None,
                }
                for e in hits
            ]
        )

    async def preview(request: Request) -> Response:
        entry = entry_or_404(request.path_params["slug"])
        view = make_view(entry.leaflet, settings)
        # "Print in …" the translations the counter holds (a page may name one it lacks).
        others = [t for t in view.translations if (e := library.get(t.slug)) and e.leaflet]
        return page("preview.html", leaflet=entry.leaflet, view=view, limit=FIELD_LIMIT, translations=others)

    async def pdf_get(request: Request) -> Response:
        entry = entry_or_404(request.path_params["slug"])
        size, paper = options(request.query_params)
        key = Edition.of(entry.leaflet, size, paper)
        etag = f'"{key.digest(settings.base_url or "")}"'
        headers = {
            "Cache-Control": "private, max-age=300",
            "ETag": etag,
            "Content-Disposition": f'inline; filename="{entry.slug}.pdf"',
        }
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        data = await renderer.pdf(entry.leaflet, size, paper)
        return Response(data, media_type="application/pdf", headers=headers)

    async def pdf_post(request: Request) -> Response:
        entry = entry_or_404(request.path_params["slug"])
        form = await _read_form(request)
        size, paper = options(form)
        personal = _personal(form)
        data = await renderer.pdf(entry.leaflet, size, paper, personal or None)
        return Response(
            data,
            media_type="application/pdf",
            headers={
                "Cache-Control": "no-store",
                "Content-Disposition": f'inline; filename="{entry.slug}.pdf"',
            },
        )

    async def alternative(request: Request) -> Response:
        """Braille (BRF) and audio (MP3). A POST carries the same patient fields as the PDF, in
        the body only, and its answer is never stored."""
        entry = entry_or_404(request.path_params["slug"])
        fmt = "brf" if request.url.path.endswith(".brf") else "audio"
        personal = _personal(await _read_form(request)) if request.method == "POST" else None
        data = await run_in_threadpool(_alternative, entry.leaflet, settings, fmt, personal or None)
        kind = "application/x-brf" if fmt == "brf" else "audio/mpeg"
        name = f"{entry.slug}.{'brf' if fmt == 'brf' else 'mp3'}"
        cache = "no-store" if personal else "private, max-age=300"
        headers = {"Cache-Control": cache, "Content-Disposition": f'attachment; filename="{name}"'}
        return Response(data, media_type=kind, headers=headers)

    async def healthz(request: Request) -> Response:
        entries = library.entries()
        return JSONResponse(
            {
                "status": "ok",
                "leaflets": sum(e.leaflet is not None for e in entries),
                "workers": renderer.workers,
            }
        )

    static_files = {
        "screen.css": assets.styles_dir() / "screen.css",
        "base.css": assets.styles_dir() / "base.css",
        "scripts.css": assets.styles_dir() / "scripts.css",
        "app.js": assets.templates_dir() / "web" / "app.js",
    }
    for folder in assets.font_dirs():
        for font in folder.glob("*.ttf"):
            static_files[f"fonts/{font.name}"] = font

    async def static(request: Request) -> Response:
        path = static_files.get(request.path_params["path"])
        if path is None:  # an allowlist: no request names a file on disk
            raise HTTPException(404, "Not found.")
        return FileResponse(path, headers={"Cache-Control": "public, max-age=3600"})

    async def http_error(request: Request, exc: HTTPException) -> Response:
        return page("error.html", status=exc.status_code, status_code=exc.status_code, message=exc.detail)

    @asynccontextmanager
    async def lifespan(app):
        await run_in_threadpool(renderer.start)
        try:
            yield
        finally:
            await run_in_threadpool(renderer.stop)

    routes = [
        Route("/", index),
        Route("/api/search", api_search),
        Route("/healthz", healthz),
        Route("/leaflets/{slug:str}.pdf", pdf_get, methods=["GET"]),
        Route("/leaflets/{slug:str}.pdf", pdf_post, methods=["POST"]),
        Route("/leaflets/{slug:str}.brf", alternative, methods=["GET", "POST"]),
        Route("/leaflets/{slug:str}.mp3", alternative, methods=["GET", "POST"]),
        Route("/leaflets/{slug:str}", preview),
        Route("/static/{path:path}", static),
    ]
    middleware = [Middleware(SecurityHeaders), Middleware(TokenGate, token=token)]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={HTTPException: http_error},
    )
    app.state.library = library
    app.state.renderer = renderer
    return app


def _personal(form: dict[str, str]) -> Personal:
    fields = {}
    for name in ("patient", "directions", "initials"):
        # One line, and no control character (NUL, ESC, C1 …): they are not words, and break XML.
        value = " ".join(strip_forbidden(form.get(name, ""))[0].split())
        if len(value) > FIELD_LIMIT:
            raise HTTPException(400, f"{name} is limited to {FIELD_LIMIT} characters.")
        fields[name] = value
    return Personal(**fields)


def _alternative(leaflet: Leaflet, settings: Settings, fmt: str, personal: Personal | None) -> bytes:
    """BRF or MP3 bytes; a missing tool or a language without a voice is a 503 with its reason."""
    from .errors import LeafletError

    try:
        if fmt == "brf":
            from .braille import brf_bytes

            return brf_bytes(leaflet, settings, personal)[0]
        from .audio import mp3_bytes

        return mp3_bytes(leaflet, settings, personal)[0]
    except LeafletError as exc:
        raise HTTPException(503, str(exc)) from None


async def _read_form(request: Request) -> dict[str, str]:
    """An urlencoded form body, refused past BODY_LIMIT bytes (413) before it is all read."""
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > BODY_LIMIT):
        raise HTTPException(413, "The form is too large.")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > BODY_LIMIT:
            raise HTTPException(413, "The form is too large.")
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    if body and kind != "application/x-www-form-urlencoded":
        raise HTTPException(400, "Send the form as application/x-www-form-urlencoded.")
    try:
        parsed = parse_qs(
            body.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=20
        )
    except (UnicodeDecodeError, ValueError):
        raise HTTPException(400, "The form could not be read.") from None
    return {k: v[0] for k, v in parsed.items()}


class SecurityHeaders:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


class TokenGate:
    """Off loopback every request needs the access token: a cookie set by visiting
    ``/?token=…`` once, or an ``Authorization: Bearer …`` header."""

    def __init__(self, app, token: str | None):
        self.app = app
        self.token = token

    async def __call__(self, scope, receive, send):
        if self.token is None or scope["type"] != "http":
            return await self.app(scope, receive, send)
        request = Request(scope)
        offered = request.query_params.get("token")
        if offered is not None and _same(offered, self.token):
            # Trade the URL token for a cookie at once, so it leaves the address bar and history.
            response = RedirectResponse(request.url.remove_query_params("token"), status_code=303)
            response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="strict")
            return await response(scope, receive, send)
        auth = request.headers.get("authorization", "")
        candidates = [request.cookies.get(TOKEN_COOKIE, ""), auth.removeprefix("Bearer ").strip()]
        if any(c and _same(c, self.token) for c in candidates):
            return await self.app(scope, receive, send)
        response = HTMLResponse(
            "<!DOCTYPE html><html lang=en><title>Access token required</title>"
            "<h1>Access token required</h1><p>Open the address with ?token=… once.</p></html>",
            status_code=401,
            headers={"WWW-Authenticate": "Bearer", **SECURITY_HEADERS},
        )
        return await response(scope, receive, send)


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def is_loopback(host: str) -> bool:
    return host in LOOPBACK or host.startswith("127.")


def serve(
    content_dir: str | Path, settings: Settings, *, host: str, port: int, token: str | None, workers: int
) -> None:
    """Run the counter page with uvicorn until interrupted."""
    import uvicorn

    app = create_app(
        content_dir, settings, workers=workers, token=None if is_loopback(host) and not token else token
    )
    uvicorn.run(
        app, host=host, port=port, log_level="info", server_header=False, proxy_headers=False, access_log=True
    )
