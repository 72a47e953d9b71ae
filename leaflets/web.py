"""``leaflets serve``: the pharmacist's counter page, a thin Starlette layer over the library.

Routes (stable, documented in the README):

- ``GET /``: the counter: search (``?q=`` works without JavaScript) and the prescription;
- ``?ui=xx`` on any GET: the UI language switch (a cookie; see web_lang);
- ``GET /api/search?q=``: the same search as JSON (results, and the nearest names when none);
- ``GET /leaflets/<slug>``: an accessible HTML preview and the print form;
- ``GET /leaflets/<slug>.pdf?size=&paper=``: the unpersonalised PDF, cached;
- ``POST /leaflets/<slug>.pdf``: one personalised leaflet (form fields ``size``, ``paper``,
  ``patient``, ``directions``, ``strength``, ``quantity``, ``initials``, ``date``);
- ``POST /prescriptions.brf`` and ``.mp3``: the same prescription in braille or speech.
- ``POST /prescriptions.pdf``: several leaflets as one PDF (``slug``, ``directions``,
  ``strength``, ``quantity`` repeated per item), or a JSON body with the access token;
- ``GET /healthz``; ``GET /static/…``: the screen stylesheet, the script and the fonts.

The print routes (every ``.pdf``, ``.brf`` and ``.mp3``) are ``web_print``'s; this module holds
the pages, the search, the errors and the app. Personalised PDFs are never cached or logged.
Pages are read off the event loop (``Library``), and renders run in worker processes
(``Renderer``), so a slow page or print holds up nobody else.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from . import assets, prescription
from .errors import LeafletError
from .i18n import Phrase, say
from .library import Library, PageLoading
from .render import environment, make_view
from .scripts import font_lang
from .settings import PAPERS, SIZES, Settings
from .web_guard import (
    COUNTER_POLICY,
    POLICY,
    SECURITY_HEADERS,
    Guard,
    HostRules,
    RedactToken,
    SecurityHeaders,
    is_loopback,
    slow_client_protocol,
)
from .web_lang import VARY, LanguageSwitch, ui_context, ui_language
from .web_pool import RETRY_AFTER, Busy, Renderer
from .web_print import print_routes

LOGGER = logging.getLogger(__name__)
FIELD_LIMIT = prescription.LIMITS["patient"]
#: How long the counter waits for its pages at start-up before it serves what it has.
STARTUP_WAIT = 5.0


# -- the application ---------------------------------------------------------------------------


def create_app(
    content_dir: str | Path,
    settings: Settings,
    *,
    workers: int = 2,
    token: str | None = None,
    host: str | None = None,
    queue_limit: int | None = None,
) -> Starlette:
    """The counter app. ``host`` is the address it is bound to (default ``[serve] host``): the
    Host header must name it, or one of ``[serve] allowed_hosts``."""
    library = Library(content_dir, settings, wait=0)
    renderer = Renderer(settings, workers, **({"queue_limit": queue_limit} if queue_limit else {}))
    env = environment()
    hosts = HostRules(host or settings.serve_host, settings.serve_allowed_hosts)

    def page(request, name: str, status: int = 200, policy: str = POLICY, headers=None, **context):
        """A page of the counter, in the UI language of the browser that asked (see web_lang)."""
        html = env.get_template(f"web/{name}").render(settings=settings, **ui_context(request), **context)
        # Error pages are built here too, where no middleware adds the headers after us.
        return HTMLResponse(
            html,
            status_code=status,
            headers={"Content-Security-Policy": policy, **SECURITY_HEADERS, **VARY, **(headers or {})},
        )

    async def entry_or_404(slug: str, item: int | None = None):
        try:
            entry = await run_in_threadpool(library.get, slug)
        except PageLoading:
            raise HTTPException(
                503, Phrase("still_loading", slug=slug), headers={"Retry-After": str(RETRY_AFTER)}
            ) from None
        if entry is None:
            near = await run_in_threadpool(library.suggest, slug)
            error = Phrase("no_leaflet", slug=slug)
            if near:
                error += Phrase("did_you_mean", names=", ".join(e.title for e in near))
        elif entry.leaflet is None:
            error = Phrase("unavailable", slug=slug, reason=entry.error)
        else:
            return entry
        raise HTTPException(404, Phrase("item_error", number=item, error=error) if item else error)

    def options(values) -> tuple[str, str]:
        size = values.get("size") or settings.size
        paper = values.get("paper") or settings.paper
        if size not in SIZES:
            raise HTTPException(400, Phrase("must_be", field=Phrase("type_size"), values=", ".join(SIZES)))
        if paper not in PAPERS:
            raise HTTPException(400, Phrase("must_be", field=Phrase("paper"), values=", ".join(PAPERS)))
        return size, paper

    async def index(request: Request) -> Response:
        query = request.query_params.get("q", "")
        if len(query) > FIELD_LIMIT:
            raise HTTPException(400, Phrase("search_limit", count=FIELD_LIMIT))
        results = await run_in_threadpool(library.search, query)
        near = await run_in_threadpool(library.suggest, query) if query and not results else []
        entries = await run_in_threadpool(library.entries)
        return page(
            request,
            "index.html",
            policy=COUNTER_POLICY,
            query=query,
            results=results,
            suggestions=near,
            total=len(entries),
            loading=library.pending(),
            sizes=SIZES,
            papers=PAPERS,
            limits=prescription.LIMITS,
            max_items=prescription.MAX_ITEMS,
        )

    def held(slug: str) -> bool:
        """Whether the counter holds a printable page for ``slug`` now (never waits for one)."""
        try:
            entry = library.get(slug, timeout=0)
        except PageLoading:
            return False
        return bool(entry and entry.leaflet)

    async def api_search(request: Request) -> Response:
        query = request.query_params.get("q", "")[:FIELD_LIMIT]
        hits = await run_in_threadpool(library.search, query, 50)
        near = await run_in_threadpool(library.suggest, query) if query and not hits else []

        def item(e):
            generic = e.leaflet.generic_name if e.leaflet else None
            lang = font_lang(e.leaflet.lang) if e.leaflet else None  # the title's own language
            return {"slug": e.slug, "title": e.title, "generic_name": generic, "lang": lang}

        total = len(await run_in_threadpool(library.entries))
        results, suggestions = [item(e) for e in hits], [item(e) for e in near]
        return JSONResponse({"results": results, "suggestions": suggestions, "total": total})

    async def preview(request: Request) -> Response:
        entry = await entry_or_404(request.path_params["slug"])
        view = make_view(entry.leaflet, settings)
        # "Print in …" the translations the counter holds (a page may name one it lacks).
        others = await run_in_threadpool(lambda: [t for t in view.translations if held(t.slug)])
        return page(
            request,
            "preview.html",
            leaflet=entry.leaflet,
            view=view,
            limits=prescription.LIMITS,
            translations=others,
        )

    async def healthz(request: Request) -> Response:
        entries = await run_in_threadpool(library.entries)
        pool = renderer.health()
        ok = pool["state"] in ("ok", "restarting")
        return JSONResponse(
            {
                "status": "ok" if ok else "degraded",
                "leaflets": sum(e.leaflet is not None for e in entries),
                "loading": library.pending(),
                "workers": renderer.workers,
                "pool": pool,
            },
            status_code=200 if ok else 503,
        )

    static_files = {
        "screen.css": assets.styles_dir() / "screen.css",
        "base.css": assets.styles_dir() / "base.css",
        "counter-print.css": assets.styles_dir() / "counter-print.css",
        "scripts.css": assets.styles_dir() / "scripts.css",
        "app.js": assets.templates_dir() / "web" / "app.js",
    }
    for folder in assets.font_dirs():
        for font in folder.glob("*.ttf"):
            static_files[f"fonts/{font.name}"] = font

    async def static(request: Request) -> Response:
        path = static_files.get(request.path_params["path"])
        if path is None:  # an allowlist: no request names a file on disk
            raise HTTPException(404, Phrase("err_404"))
        return FileResponse(path, headers={"Cache-Control": "public, max-age=3600"})

    def error_page(request, status: int, message: str, headers: dict | None = None) -> Response:
        # An error is never cached: the next try renders again.
        return page(
            request,
            "error.html",
            status=status,
            status_code=status,
            message=say(ui_language(request), message),
            headers={"Cache-Control": "no-store", **(headers or {})},
        )

    async def http_error(request: Request, exc: HTTPException) -> Response:
        return error_page(request, exc.status_code, exc.detail, exc.headers)

    async def busy(request: Request, exc: Busy) -> Response:
        return error_page(
            request, 503, exc.args[0] if exc.args else str(exc), {"Retry-After": str(RETRY_AFTER)}
        )

    async def leaflet_error(request: Request, exc: LeafletError) -> Response:
        LOGGER.warning("print failed: %s", exc)  # the page's fault, never the patient's data
        return error_page(request, 500, Phrase("print_failed", reason=str(exc)))

    async def crash(request: Request, exc: Exception) -> Response:
        LOGGER.error("unexpected %s on %s", type(exc).__name__, request.url.path)
        return error_page(request, 500, Phrase("crash"))

    @asynccontextmanager
    async def lifespan(app):
        await run_in_threadpool(renderer.start)
        # Serve what is read after a moment; a page that takes longer is read on.
        await run_in_threadpool(library.wait, STARTUP_WAIT)
        try:
            yield
        finally:
            await run_in_threadpool(renderer.stop)
            library.close()

    routes = [
        Route("/", index),
        Route("/api/search", api_search),
        Route("/healthz", healthz),
        # Before the preview's route, which would take "baclofen.pdf" for a slug.
        *print_routes(settings, renderer, token, entry_or_404, options),
        Route("/leaflets/{slug:str}", preview),
        Route("/static/{path:path}", static),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(Guard, hosts=hosts, token=token),
        Middleware(LanguageSwitch),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={
            HTTPException: http_error,
            Busy: busy,
            LeafletError: leaflet_error,
            Exception: crash,
        },
    )
    app.state.library = library
    app.state.renderer = renderer
    return app


def serve(
    content_dir: str | Path, settings: Settings, *, host: str, port: int, token: str | None, workers: int
) -> None:
    """Run the counter page with uvicorn until interrupted."""
    import uvicorn

    app = create_app(
        content_dir,
        settings,
        workers=workers,
        token=None if is_loopback(host) and not token else token,
        host=host,
    )
    logging.getLogger("uvicorn.access").addFilter(RedactToken())
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        server_header=False,
        proxy_headers=False,
        access_log=True,
        http=slow_client_protocol(),
        timeout_keep_alive=5,
    )
