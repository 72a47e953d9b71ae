"""The counter's print routes: a leaflet or a whole prescription as PDF, braille or audio.

``print_routes`` gives the routes ``web.create_app`` mounts: ``GET``/``POST
/leaflets/<slug>.pdf`` (``.brf``, ``.mp3``) and ``POST /prescriptions.pdf`` (``.brf``, ``.mp3``).
Patient fields come only in a POST body, read with a bound on its size, its field count and its
time (a slow client holds nothing for long); a JSON prescription needs the access token. Nothing
personalised is cached: those answers carry ``Cache-Control: no-store``, and the file name never
holds the patient.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs, quote

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from . import prescription
from .errors import LeafletError, PrescriptionError
from .i18n import Phrase
from .library import Entry
from .model import Edition, Leaflet
from .settings import Settings
from .web_guard import HEAD_TIMEOUT, PDF_POLICY, has_token
from .web_pool import Busy, Renderer

_ITEM_FIELDS = ("slug", "directions", "strength", "quantity")
_FIELDS = ("patient", "initials", "date", "size", "paper")
#: The largest form a prescription needs: every field at its limit, in any script (a character
#: is at most 3 UTF-8 bytes per UTF-16 unit, 9 bytes once percent-encoded), and no larger.
BODY_LIMIT = prescription.MAX_ITEMS * sum(
    len(n) + 2 + 9 * prescription.LIMITS.get(n, prescription.SLUG_LIMIT) for n in _ITEM_FIELDS
) + sum(len(n) + 2 + 9 * prescription.LIMITS.get(n, 20) for n in _FIELDS)
MAX_FIELDS = prescription.MAX_ITEMS * len(_ITEM_FIELDS) + len(_FIELDS) + 4


def print_routes(
    settings: Settings,
    renderer: Renderer,
    token: str | None,
    entry_or_404: Callable[..., Awaitable[Entry]],
    options: Callable[..., tuple[str, str]],
) -> list[Route]:
    """The print routes, over the counter's pages (``entry_or_404``: the page a slug names, or
    the 404 or 503 that says why not; ``options``: the size and paper asked, checked)."""

    def pdf_response(data: bytes, name: str, headers: dict) -> Response:
        return Response(
            data,
            media_type="application/pdf",
            headers={
                "Content-Disposition": disposition(name),
                "Content-Security-Policy": PDF_POLICY,
                **headers,
            },
        )

    async def pdf_get(request: Request) -> Response:
        entry = await entry_or_404(request.path_params["slug"])
        size, paper = options(request.query_params)
        etag = f'"{Edition.of(entry.leaflet, size, paper).digest(settings.base_url or "")}"'
        headers = {"Cache-Control": "private, max-age=300", "ETag": etag}
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        data = await renderer.pdf(entry.leaflet, size, paper)
        return pdf_response(data, f"{entry.slug}.pdf", headers)

    async def pdf_post(request: Request) -> Response:
        entry = await entry_or_404(request.path_params["slug"])
        fields = await _read_form(request)
        form = {k: v[0] for k, v in fields.items()}
        size, paper = options(form)
        try:
            rx = prescription.from_form({**fields, "slug": [entry.slug]})
        except PrescriptionError as exc:
            raise HTTPException(400, f"{exc}.") from None
        personal = rx.personal(rx.items[0])  # nothing typed: the plain leaflet, from the cache
        data = await renderer.pdf(entry.leaflet, size, paper, personal if personal else None)
        return pdf_response(data, f"{entry.slug}.pdf", {"Cache-Control": "no-store"})

    async def prescriptions_post(request: Request) -> Response:
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            if kind == "application/json":
                if not has_token(request, token):
                    raise HTTPException(
                        401,
                        "A JSON prescription needs the access token (Authorization: Bearer); "
                        "start the counter with --token or [serve] token.",
                    )
                rx, form = prescription.from_mapping(await _read_json(request))
            else:
                fields = await _read_form(request)
                if len(fields.get("slug", [])) > prescription.MAX_ITEMS:
                    raise HTTPException(413, Phrase("rx_full", count=prescription.MAX_ITEMS))
                rx = prescription.from_form(fields)
                form = {k: v[0] for k, v in fields.items() if k in ("size", "paper")}
        except PrescriptionError as exc:
            raise HTTPException(400, f"{exc}.") from None
        size, paper = options(form)
        leaflets = []
        for number, item in enumerate(rx.items, 1):
            entry = await entry_or_404(item.page, number)
            leaflets.append(entry.leaflet)
        fmt = request.url.path.rsplit(".", 1)[1]
        if fmt == "pdf":
            data = await renderer.prescription(leaflets, rx, size, paper)
            return pdf_response(data, prescription.file_name(rx), {"Cache-Control": "no-store"})
        # Braille and audio: the same prescription, never stored, whatever the format.
        data = await alternative(fmt, leaflets, prescription=rx)
        kind = "application/x-brf" if fmt == "brf" else "audio/mpeg"
        name = prescription.file_name(rx).removesuffix(".pdf") + f".{fmt}"
        headers = {"Cache-Control": "no-store", "Content-Disposition": disposition(name, "attachment")}
        return Response(data, media_type=kind, headers=headers)

    async def alternative(fmt: str, leaflets: list[Leaflet], personal=None, prescription=None) -> bytes:
        """A missing tool, or a language without a braille table or a voice, is a 503 that
        says so (a full queue keeps its own answer)."""
        try:
            return await renderer.alternative(fmt, leaflets, personal, prescription)
        except Busy:
            raise
        except LeafletError as exc:
            raise HTTPException(503, str(exc)) from None

    async def one_alternative(request: Request) -> Response:
        """Braille (BRF) and audio (MP3). A POST carries the same patient fields as the PDF, in
        the body only, and its answer is never stored."""
        entry = await entry_or_404(request.path_params["slug"])
        fmt = "brf" if request.url.path.endswith(".brf") else "audio"
        personal = None
        if request.method == "POST":
            fields = await _read_form(request)
            try:
                rx = prescription.from_form({**fields, "slug": [entry.slug]})
            except PrescriptionError as exc:
                raise HTTPException(400, f"{exc}.") from None
            personal = rx.personal(rx.items[0]) or None
        data = await alternative("brf" if fmt == "brf" else "mp3", [entry.leaflet], personal)
        kind = "application/x-brf" if fmt == "brf" else "audio/mpeg"
        name = f"{entry.slug}.{'brf' if fmt == 'brf' else 'mp3'}"
        cache = "no-store" if personal else "private, max-age=300"
        headers = {"Cache-Control": cache, "Content-Disposition": disposition(name, "attachment")}
        return Response(data, media_type=kind, headers=headers)

    return [
        Route("/prescriptions.pdf", prescriptions_post, methods=["POST"]),
        Route("/prescriptions.brf", prescriptions_post, methods=["POST"]),
        Route("/prescriptions.mp3", prescriptions_post, methods=["POST"]),
        Route("/leaflets/{slug:str}.pdf", pdf_get, methods=["GET"]),
        Route("/leaflets/{slug:str}.pdf", pdf_post, methods=["POST"]),
        Route("/leaflets/{slug:str}.brf", one_alternative, methods=["GET", "POST"]),
        Route("/leaflets/{slug:str}.mp3", one_alternative, methods=["GET", "POST"]),
    ]


def disposition(name: str, kind: str = "inline") -> str:
    """RFC 6266: an ASCII fallback, and the real name (any script) as ``filename*``."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in name)
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refused past ``limit`` bytes (413) before it is all read, and within
    HEAD_TIMEOUT seconds of the request (408): a slow client holds nothing for long."""
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > limit):
        raise HTTPException(413, Phrase("form_too_large"))
    body = bytearray()

    async def read() -> None:
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > limit:
                raise HTTPException(413, Phrase("form_too_large"))

    try:
        await asyncio.wait_for(read(), HEAD_TIMEOUT)
    except TimeoutError:
        raise HTTPException(408, Phrase("form_slow")) from None
    except ClientDisconnect:
        raise HTTPException(400, Phrase("form_lost")) from None
    return bytes(body)


async def _read_form(request: Request) -> dict[str, list[str]]:
    """An urlencoded form body: every value of every field, in order."""
    body = await _read_body(request, BODY_LIMIT)
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    if body and kind != "application/x-www-form-urlencoded":
        raise HTTPException(400, "Send the form as application/x-www-form-urlencoded.")
    try:
        return parse_qs(
            body.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=MAX_FIELDS
        )
    except UnicodeDecodeError:
        raise HTTPException(400, Phrase("form_unreadable")) from None
    except ValueError:  # more fields than any prescription has
        raise HTTPException(413, Phrase("form_fields")) from None


async def _read_json(request: Request):
    body = await _read_body(request, BODY_LIMIT)
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise HTTPException(400, "The JSON body could not be read.") from None
