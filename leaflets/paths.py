"""Canonical site paths: one spelling for each online page, and how a URL carries it.

A site path is ``/`` then segments, none empty, ``.``, ``..`` or hidden, with no percent escape,
no ``:`` (so no scheme, anywhere), no ``?``, ``#`` or backslash, no trailing ``/``, in Unicode
NFC. So ``/b/./x.html``, ``/b/%78.html`` and ``/b//x.html`` cannot stand for ``/b/x.html``.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

#: Characters a URL path carries as they are; everything else is percent-encoded.
_SAFE = "/@!$&'()*+,;=~-._"


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
