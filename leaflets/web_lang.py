"""The counter's UI language: the browser's ``Accept-Language``, unless the staff chose one with
the switch (``?ui=xx``, kept in a cookie). A leaflet keeps its page's own language whatever the UI.
The choice is no patient data; a response that depends on it says so in ``Vary``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse

from .i18n import isolate, language_name, languages, negotiate, texts
from .scripts import direction, font_lang

UI_COOKIE = "leaflets_ui"
#: Every response whose words depend on the UI language, so that no shared cache mixes them.
VARY = {"Vary": "Accept-Language, Cookie"}


def ui_language(request: Request) -> str:
    """The language the counter speaks to this browser: the switch's cookie, else the header."""
    chosen = request.cookies.get(UI_COOKIE, "")
    if chosen in languages():
        return chosen
    return negotiate(request.headers.get("accept-language"))


def ui_context(request: Request) -> dict:
    """What the counter's page shell needs to speak the UI language and offer the switch."""
    lang = ui_language(request)
    return {
        "text": texts(lang),
        "ui": {
            "lang": lang,
            "dir": direction(lang),
            # A page's language as lang and dir attributes (zh → zh-CN, for its glyphs).
            "tag": font_lang,
            "dir_of": direction,
            "isolate": isolate,
            "choices": [(code, language_name(code), direction(code)) for code in languages()],
            # The switch asks again for the page it is on (an error after a POST: the counter).
            "here": request.url.path if request.method in ("GET", "HEAD") else "/",
            "query": request.query_params.get("q", "") if request.url.path == "/" else "",
        },
    }


class LanguageSwitch:
    """``GET …?ui=xx``: remember the choice in a cookie, and ask again for the same address
    without it (a shared link then follows its reader's language, not the sender's)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return await self.app(scope, receive, send)
        request = Request(scope)
        chosen = request.query_params.get("ui")
        if chosen is None:
            return await self.app(scope, receive, send)
        rest = request.url.remove_query_params("ui")
        response = RedirectResponse(rest.path + (f"?{rest.query}" if rest.query else ""), status_code=303)
        response.headers["Cache-Control"] = "no-store"
        if chosen in languages():
            response.set_cookie(UI_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
        else:  # an unknown choice falls back to the browser's language
            response.delete_cookie(UI_COOKIE)
        await response(scope, receive, send)
