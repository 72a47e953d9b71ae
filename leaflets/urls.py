"""A leaflet's online address: the one rule for the QR code and for the site page's path.

- Site paths are canonical (``paths``): one page, one spelling.
- An absolute permalink must be on the configured site's host or on a host in
  ``[site] official_hosts``: the QR code never sends a patient anywhere else.
- ``owners`` settles which page owns a path when two claim it.
"""

from __future__ import annotations

import posixpath
from urllib.parse import unquote, urlsplit

from .errors import ConfigError, ContentError
from .paths import path_problem, quote_path
from .settings import Settings

_PLACEHOLDER_SITE = "https://site.invalid"


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def allowed_hosts(settings: Settings) -> set[str]:
    hosts = {h.lower() for h in settings.official_hosts}
    if settings.base_url:
        hosts.add(_host(settings.base_url))
    return hosts


def page_url(
    source: str, permalink: str | None, slug: str, relpath: str | None, settings: Settings
) -> str | None:
    """The online address of a page, or None when no site is configured. Raises ContentError
    (naming ``source``) for a path that is not canonical or a host that is not allowed."""
    if permalink and "://" in permalink:
        return _absolute(source, permalink, settings)
    if not settings.base_url:
        return None
    if permalink:
        path, what = permalink, "permalink"
    else:
        letter = (slug[:1] or "_").lower()
        try:
            path = settings.path_pattern.format_map({"slug": slug, "letter": letter, "path": relpath or slug})
        except (KeyError, IndexError, ValueError) as exc:
            raise ConfigError(f"path_pattern {settings.path_pattern!r} is invalid: {exc}") from None
        what = "the online path its file name gives"
    if not path.startswith("/"):
        path = "/" + path
    if (problem := path_problem(path)) is not None:
        raise ContentError(source, f"{what} {path!r} is not a canonical site path: it {problem}")
    return settings.base_url.rstrip("/") + quote_path(path)


def _absolute(source: str, permalink: str, settings: Settings) -> str:
    parts = urlsplit(permalink)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ContentError(source, f"permalink {permalink!r} must be https:// (or http://) and a host")
    hosts = allowed_hosts(settings)
    if parts.hostname.lower() not in hosts or parts.username is not None or parts.password is not None:
        allowed = ", ".join(sorted(hosts)) or "none are configured"
        raise ContentError(
            source,
            f"permalink {permalink!r} points to {parts.hostname!r}, which is not the site's host or "
            f"one of [site] official_hosts ({allowed}): the QR code would send patients there",
        )
    if parts.query or parts.fragment or (problem := path_problem(parts.path)) is not None:
        problem = "holds a query or a fragment" if parts.query or parts.fragment else problem
        raise ContentError(source, f"permalink {permalink!r} is not a canonical site path: it {problem}")
    return f"{parts.scheme}://{parts.netloc}{quote_path(parts.path)}"


def site_path(url: str | None, settings: Settings) -> str | None:
    """Where the page for ``url`` lives under the output folder (``composition/b/x.html``),
    or None when ``url`` is not below the configured site (another official host)."""
    if url is None:
        return None
    base = urlsplit(settings.base_url or _PLACEHOLDER_SITE)
    target = urlsplit(url)
    if (target.scheme, target.netloc.lower()) != (base.scheme, base.netloc.lower()):
        return None
    prefix = base.path.rstrip("/") + "/"
    if not target.path.startswith(prefix):
        return None
    return unquote(target.path[len(prefix) :])


def local_url(source: str, permalink: str | None, slug: str, relpath: str | None, settings: Settings):
    """The URL a page gets, with a placeholder site when none is configured (for paths)."""
    if settings.base_url:
        return page_url(source, permalink, slug, relpath, settings)
    placeholder = settings.replace(base_url=_PLACEHOLDER_SITE)
    return page_url(source, permalink, slug, relpath, placeholder)


def relative_link(target: str, from_dir: str) -> str:
    """An href from a page in ``from_dir`` to ``target`` (both under the output folder):
    relative, starting with ``./`` or ``../``, percent-encoded. It can never carry a scheme."""
    link = posixpath.relpath(target, from_dir or ".")
    if not link.startswith("../"):
        link = "./" + link
    return quote_path(link)
