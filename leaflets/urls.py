"""A leaflet's online address: the one rule for the QR code and for the site page's path.

- Site paths are canonical: ``/`` then segments, none empty, ``.``, ``..`` or hidden, no
  percent escapes, no ``:`` (so no scheme, anywhere), no ``?``, ``#`` or backslash, no trailing
  ``/``. One page, one spelling: ``/b/./x.html`` or ``/b/%78.html`` cannot stand for ``/b/x.html``.
- An absolute permalink must be on the configured site's host or on a host in
  ``[site] official_hosts``: the QR code never sends a patient anywhere else.
- No site path is a file the build writes for itself (the manifest, the index, ``static/``,
  the PDFs); ``owners`` settles which page owns a path when two claim it.
"""

from __future__ import annotations

import posixpath
import unicodedata
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urlsplit

from .errors import ConfigError, ContentError

if TYPE_CHECKING:
    from .settings import Settings

#: Characters a URL path carries as they are; everything else is percent-encoded.
_SAFE = "/@!$&'()*+,;=~-._"
#: Files and folders of the output that the build writes for itself.
BUILD_FILES = frozenset({"manifest.json", "index.html"})
BUILD_FOLDERS = frozenset({"static"})
_PLACEHOLDER_SITE = "https://site.invalid"


def quote_path(path: str) -> str:
    """The path as the URL (and the QR code) carries it."""
    return quote(path, safe=_SAFE)


def path_problem(path: str) -> str | None:
    """Why ``path`` is not a canonical site path, or None when it is."""
    if not path.startswith("/"):
        return "does not start with '/'"
    for bad, why in (
        ("%", "holds a percent escape"),
        (":", "holds ':' (a scheme)"),
        ("\\", "holds a backslash"),
        ("?", "holds '?'"),
        ("#", "holds '#'"),
    ):
        if bad in path:
            return why
    if path.endswith("/"):
        return "ends with '/'"
    if unicodedata.normalize("NFC", path) != path:
        return "is not in Unicode NFC form (another spelling of the same letters)"
    for segment in path[1:].split("/"):
        if not segment:
            return "holds '//'"
        if segment.startswith("."):
            return f"holds the segment {segment!r}"
        if not segment.isprintable() or segment != segment.strip():
            return "holds a control character or space at a segment's edge"
    return None


def owned_by_build(relative: str) -> bool:
    """True for paths under the output folder that belong to the build itself."""
    return (
        relative in BUILD_FILES
        or relative.split("/", 1)[0] in BUILD_FOLDERS
        or relative.lower().endswith(".pdf")
    )


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


def natural_path(source: str, settings: Settings) -> str | None:
    """The site path the pattern gives a page's file (``b/baclofen.md``), ignoring any
    permalink: the path no other page may take from it. None when it is not canonical."""
    stem = source[: -len(".md")] if source.endswith(".md") else source
    slug = posixpath.basename(stem)
    try:
        return site_path(local_url(source, None, slug, stem, settings), settings)
    except ContentError:
        return None


def conflicts(claims: dict[str, str], natural: dict[str, str], reserved: dict[str, str]) -> dict[str, str]:
    """Which claims lose, with the reason: ``claims`` maps each page to the site path it wants,
    ``natural`` each page to the path its file name gives, ``reserved`` the paths the build writes
    (PDFs, manifest) to their owner. A path the build owns is never a page's; a page's natural path
    is its own; any other path claimed twice is no one's; and no path may be a folder of another."""
    lost: dict[str, str] = {}
    by_path: dict[str, list[str]] = {}
    for source, path in claims.items():
        if owned_by_build(path) or path in reserved:
            owner = reserved.get(path, "the build")
            lost[source] = f"its online path {path!r} belongs to {owner}"
        else:
            by_path.setdefault(path, []).append(source)
    files: dict[str, str] = dict(reserved)
    for path, sources in by_path.items():
        owners = [s for s in sources if natural.get(s) == path]
        winner = owners[0] if len(owners) == 1 else None
        for source in sources:
            if source != winner:
                others = " and ".join(s for s in sources if s != source)
                lost[source] = f"its online path {path!r} is also {others}'s"
        if winner is not None or len(sources) == 1:
            files[path] = winner or sources[0]
    folders: dict[str, str] = {}
    for path, owner in files.items():
        for parent in _parents(path):
            folders.setdefault(parent, owner)
    for source, path in claims.items():
        if source in lost or files.get(path) != source:
            continue
        above = next((files[p] for p in _parents(path) if p in files), None)
        for other in (above, folders.get(path)):
            # A page keeps its own natural path against another page's permalink; otherwise a
            # file and a folder of the same name cannot both exist, so neither page gets it.
            if other is None or other == source:
                continue
            if natural.get(source) == path and other in claims and natural.get(other) != claims[other]:
                continue
            lost[source] = f"its online path {path!r} and {other}'s cannot be a file and a folder at once"
    return lost


def _parents(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[:n]) for n in range(1, len(parts))]
