"""What the counter checks before a route runs: the Host, the origin of every POST, the access
token; and what every response carries: the security headers. Also the slow-client timeout and
the access-log filter, which belong to the server rather than to a route.
"""

from __future__ import annotations

import hmac
import html
import ipaddress
import logging
import re

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from .i18n import texts
from .scripts import direction
from .web_lang import VARY, ui_language

TOKEN_COOKIE = "leaflets_token"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
WILDCARD = ("0.0.0.0", "::", "")
#: Seconds a client may take to send a request's head (and a form's body, see web._read_body).
HEAD_TIMEOUT = 10.0

_BASE_POLICY = (
    "default-src 'none'; style-src 'self'; script-src 'self'; font-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'"
)
#: Every response: nothing framed, nothing fetched but our own files.
POLICY = _BASE_POLICY + "; frame-ancestors 'none'"
#: The counter page prints through a hidden frame holding the PDF (a blob: of our own response).
COUNTER_POLICY = _BASE_POLICY + "; frame-src 'self' blob:; frame-ancestors 'none'"
#: A PDF may be framed by our own page, and by nobody else.
PDF_POLICY = _BASE_POLICY + "; frame-ancestors 'self'"

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def is_loopback(host: str) -> bool:
    return host in LOOPBACK or host.startswith("127.")


def _hostname(header: str) -> str:
    """``name:port`` or ``[v6]:port`` → the name, lowercased."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else ""
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class HostRules:
    """Which ``Host`` names reach the counter: the bound address (and the loopback names when it
    is loopback), any address literal when it listens on all interfaces, and
    ``[serve] allowed_hosts``. Anything else is a DNS-rebinding attempt or a misconfiguration."""

    def __init__(self, bound: str, allowed: tuple[str, ...] = ()):
        self.bound = bound.strip("[]").lower()
        self.names = {self.bound, *(a.strip("[]").lower() for a in allowed)}
        if is_loopback(self.bound):
            self.names |= set(LOOPBACK)

    def allows(self, header: str) -> bool:
        name = _hostname(header)
        if not name:
            return False
        return name in self.names or (self.bound in WILDCARD and _is_ip(name))


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def bearer(request: Request) -> str:
    auth = request.headers.get("authorization", "")
    return auth[7:].strip() if auth[:7].lower() == "bearer " else ""


def has_token(request: Request, token: str | None) -> bool:
    """True when the request carries the access token in an ``Authorization: Bearer`` header.
    A cookie does not count here: a browser sends it along with a forged form."""
    offered = bearer(request)
    return token is not None and bool(offered) and _same(offered, token)


def _refuse(
    request: Request, status: int, title: str, text: str, headers: dict | None = None
) -> HTMLResponse:
    """A refusal in the browser's UI language; ``title`` and ``text`` are message keys."""
    lang = ui_language(request)
    words = texts(lang)
    title, text = html.escape(words[title]), html.escape(words[text])
    page = (
        f'<!DOCTYPE html><html lang="{lang}" dir="{direction(lang)}"><head><meta charset=utf-8>'
        f"<title>{title}</title></head><body><main><h1>{title}</h1><p>{text}</p></main></body></html>"
    )
    headers = {"Cache-Control": "no-store", **VARY, **(headers or {})}
    return HTMLResponse(page, status_code=status, headers=headers)


class Guard:
    """Host, origin and token checks, in that order, before any route runs.

    - ``Host`` must be one the counter answers to (``HostRules``): 421 otherwise.
    - Every request but GET and HEAD must come from our own pages (``Origin`` equal to ours, or
      ``Sec-Fetch-Site: same-origin`` when a browser sends no Origin or "null"), or carry the token
      as a bearer header (dispensing systems, which send no Origin): 403 otherwise.
    - With a token configured, every request needs it: the cookie set by visiting ``/?token=…``
      once, or the bearer header: 401 otherwise.
    """

    def __init__(self, app, hosts: HostRules, token: str | None):
        self.app = app
        self.hosts = hosts
        self.token = token

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request = Request(scope)
        host = request.headers.get("host", "")
        if not self.hosts.allows(host):
            response = _refuse(request, 421, "wrong_host", "wrong_host_text")
            return await response(scope, receive, send)
        if request.method not in ("GET", "HEAD") and not has_token(request, self.token):
            origin = request.headers.get("origin")
            site = request.headers.get("sec-fetch-site")
            # Our pages send no referrer, so Chromium's form posts say "Origin: null"; then the
            # browser's own Sec-Fetch-Site decides (a sandboxed or foreign page says cross-site).
            if origin in (None, "null"):
                ours = site == "same-origin"
            else:
                ours = origin == f"{request.url.scheme}://{host}"
            if not ours:
                response = _refuse(request, 403, "refused", "refused_text")
                return await response(scope, receive, send)
        if self.token is not None:
            offered = request.query_params.get("token")
            if offered is not None and _same(offered, self.token):
                # Trade the URL token for a cookie at once, so it leaves the address bar and
                # history. The address is relative: the browser resolves it against the host it
                # used, and nothing in it comes from the Host header.
                rest = request.url.remove_query_params("token")
                target = rest.path + (f"?{rest.query}" if rest.query else "")
                response = RedirectResponse(target, status_code=303)
                response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="strict")
                return await response(scope, receive, send)
            cookie = request.cookies.get(TOKEN_COOKIE, "")
            if not (has_token(request, self.token) or (cookie and _same(cookie, self.token))):
                response = _refuse(request, 401, "token_title", "token_text", {"WWW-Authenticate": "Bearer"})
                return await response(scope, receive, send)
        return await self.app(scope, receive, send)


class SecurityHeaders:
    """Every response gets the security headers, and the strict policy unless its route chose
    one of the narrower exceptions above."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = {"Content-Security-Policy": POLICY, **SECURITY_HEADERS}
                headers += [
                    (k.lower().encode(), v.encode())
                    for k, v in extra.items()
                    if k.lower().encode() not in names  # a route's own choice stands
                ]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


_TOKEN_IN_URL = re.compile(r"(?i)([?&]token=)[^&\s\"]*")


class RedactToken(logging.Filter):
    """Access-log lines never carry the token of a ``/?token=…`` visit."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _TOKEN_IN_URL.sub(r"\1[hidden]", a) if isinstance(a, str) else a for a in record.args
            )
        if isinstance(record.msg, str):
            record.msg = _TOKEN_IN_URL.sub(r"\1[hidden]", record.msg)
        return True


def slow_client_protocol():
    """uvicorn's h11 protocol with a deadline for each request's head: a client that connects
    and then sends its headers a byte at a time, or nothing at all, is disconnected after
    HEAD_TIMEOUT seconds. (uvicorn times out only idle keep-alive connections between requests.)"""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class Protocol(H11Protocol):
        _head_timer = None

        def _arm(self) -> None:
            self._disarm()
            self._head_timer = self.loop.call_later(HEAD_TIMEOUT, self._expire)

        def _disarm(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _expire(self) -> None:
            if self.cycle is None or self.cycle.response_complete:
                self.transport.close()

        def connection_made(self, transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def handle_events(self) -> None:
            super().handle_events()
            if self.cycle is not None and not self.cycle.response_complete:
                self._disarm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()

        def connection_lost(self, exc) -> None:
            self._disarm()
            super().connection_lost(exc)

    return Protocol
