"""Each output path belongs to exactly one page, and no page takes a path the build owns.

The build writes ``manifest.json``, ``index.html``, ``static/…`` and every page's PDFs for
itself. A page's *natural* path is the one ``path_pattern`` gives its file; no other page's
permalink may take it. Any other path claimed by two pages belongs to neither, and a path that
one page needs as a file and another as a folder cannot be both. The losers are errors in
``check`` and failed pages in ``build``, and nothing is written for them.
"""

from __future__ import annotations

from typing import Any

from .discover import output_name, page_slug, source_stem
from .errors import ContentError, LeafletError
from .settings import SIZES, Settings
from .urls import local_url, site_path

#: Files and folders of the output that the build writes for itself.
BUILD_FILES = frozenset({"manifest.json", "index.html"})
BUILD_FOLDERS = frozenset({"static"})


def owned_by_build(relative: str) -> bool:
    """True for paths under the output folder that belong to the build itself."""
    return (
        relative in BUILD_FILES
        or relative.split("/", 1)[0] in BUILD_FOLDERS
        or relative.lower().endswith((".pdf", ".brf", ".mp3"))
    )


def natural_path(source: str, settings: Settings) -> str | None:
    """The site path the pattern gives a page's file (``b/baclofen.md``), ignoring any
    permalink: the path no other page may take from it. None when it is not canonical."""
    stem = source_stem(source)
    try:
        return site_path(local_url(source, None, page_slug(stem), stem, settings), settings)
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
        winner = sources[0] if len(sources) == 1 else owners[0] if len(owners) == 1 else None
        for source in sources:
            if source != winner:
                others = " and ".join(s for s in sources if s != source)
                lost[source] = f"its online path {path!r} is also {others}'s"
        if winner is not None:
            files[path] = winner
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


def page_claim(source: str, data: bytes, settings: Settings) -> str | None:
    """The site path a page's bytes claim, read from the front matter alone (the client plans
    before any worker parses the page). None when there is none or the page cannot say; the
    worker then reports why."""
    stem = source_stem(source)
    try:
        value = peek(source, data, settings, "permalink")
    except LeafletError:
        return None
    permalink = str(value).strip() if isinstance(value, str | int | float) and value != "" else None
    try:
        return site_path(local_url(source, permalink, page_slug(stem), stem, settings), settings)
    except LeafletError:
        return None


def peek(source: str, data: bytes, settings: Settings, field: str) -> Any:
    """One front-matter field of a markdown page's bytes, read before any worker parses it (None
    when absent). An official source's fields are checked when it is parsed. Raises
    LeafletError when the page cannot be read."""
    from .front_matter import split_front_matter
    from .reader import decode

    if field.encode() not in data or not source.lower().endswith(".md"):
        return None
    text, _ = decode(data, source, settings.max_bytes)
    meta, _, _ = split_front_matter(text, source)
    return meta.get(field)


def settle(claims: dict[str, str | None], settings: Settings) -> dict[str, str]:
    """For every page (its source, such as ``b/baclofen.md``, and the site path it claims, or
    None), the pages that lose their claim, with the reason. Every page's PDFs are reserved,
    in both sizes, whether or not this run builds them; pages whose outputs share names lose
    them all."""
    natural = {s: p for s in claims if (p := natural_path(s, settings)) is not None}
    reserved = {
        output_name(s, size): f"the {'PDF' if size in SIZES else size} of {s}"
        for s in claims
        for size in (*SIZES, "brf", "audio")
    }
    wanted = {s: p for s, p in claims.items() if p is not None}
    lost = conflicts(wanted, natural, reserved)
    lost.update(same_outputs(claims))
    return lost


def same_outputs(sources) -> dict[str, str]:
    """Pages whose outputs would have the same names (``x.md`` and ``x.json`` in one folder both
    print to ``x.pdf``): none of them owns those files."""
    by_stem: dict[str, list[str]] = {}
    for source in sources:
        by_stem.setdefault(source_stem(source), []).append(source)
    lost = {}
    for stem, same in by_stem.items():
        for source in same if len(same) > 1 else []:
            others = " and ".join(s for s in same if s != source)
            slug = page_slug(stem)
            lost[source] = f"slug {slug!r} is also {others}: both would print to the same files"
    return lost
