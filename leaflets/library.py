"""A folder of pages held in memory for the counter: loaded once, re-read when a file changes,
and searched by title, generic name or any ingredient, ignoring case and accents, forgiving typos.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz

from .discover import page_files
from .errors import LeafletError
from .model import Leaflet
from .reader import read_page
from .settings import Settings

LOGGER = logging.getLogger(__name__)
RESCAN_SECONDS = 2.0


def fold(text: str) -> str:
    """Case- and accent-blind form for matching: "Ácido Fólico" → "acido folico"."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", re.sub(r"[^\w+]+", " ", plain.casefold())).strip()


@dataclass
class Entry:
    slug: str
    path: Path
    stamp: tuple[int, int]  # (mtime_ns, size): a change means read again
    leaflet: Leaflet | None
    error: str | None = None

    @property
    def title(self) -> str:
        return self.leaflet.title if self.leaflet else self.slug

    def names(self) -> list[str]:
        """What a pharmacist may type: the title, the generic name, each ingredient."""
        if self.leaflet is None:
            return [fold(self.slug)]
        names = [self.leaflet.title, self.slug.replace("-", " ")]
        if self.leaflet.generic_name:
            names.append(self.leaflet.generic_name)
        # Spaces collapsed first: a run of them would be rescanned from each of its positions.
        names += re.split(r" ?\+ ?| and |, ?", " ".join(self.leaflet.title.split()))
        return [n for n in dict.fromkeys(fold(x) for x in names) if n]


class Library:
    def __init__(self, root: str | Path, settings: Settings):
        self.root = Path(root)
        self.settings = settings
        self._entries: dict[str, Entry] = {}
        self._lock = threading.Lock()
        self._scanned = 0.0
        self.scan()

    # -- loading --------------------------------------------------------------------------
    def _stamp(self, path: Path) -> tuple[int, int] | None:
        try:
            st = path.stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def _load(self, slug: str, path: Path, stamp: tuple[int, int]) -> Entry:
        try:
            leaflet = read_page(path, content_root=self.root, **self.settings.read_options, confine=True)
            return Entry(slug, path, stamp, leaflet)
        except LeafletError as exc:
            return Entry(slug, path, stamp, None, str(exc))
        except Exception as exc:  # one page never stops the counter: it is listed as unavailable
            LOGGER.exception("%s: could not be read", path)
            return Entry(slug, path, stamp, None, f"{path}: internal error: {type(exc).__name__}")

    def scan(self) -> None:
        """Find pages (new, changed, removed). Slugs are file names; a second file with the same
        name is left out, with a warning, rather than shadowing the first."""
        found: dict[str, Path] = {}
        for path in page_files(self.root):
            if path.stem in found:
                LOGGER.warning("%s: slug %r is already %s; not served", path, path.stem, found[path.stem])
                continue
            found[path.stem] = path
        with self._lock:
            entries = {}
            for slug, path in found.items():
                stamp = self._stamp(path)
                old = self._entries.get(slug)
                if stamp is None:
                    continue
                if old is not None and old.path == path and old.stamp == stamp:
                    entries[slug] = old
                else:
                    entries[slug] = self._load(slug, path, stamp)
            self._entries = entries
            self._scanned = time.monotonic()

    def _fresh(self) -> None:
        if time.monotonic() - self._scanned > RESCAN_SECONDS:
            self.scan()

    def get(self, slug: str) -> Entry | None:
        """The entry for ``slug``, read again if its file changed. Slugs only ever index the
        dictionary: a request can never name a path."""
        self._fresh()
        entry = self._entries.get(slug)
        if entry is None:
            return None
        stamp = self._stamp(entry.path)
        if stamp is None:
            self.scan()
            return self._entries.get(slug)
        if stamp != entry.stamp:
            entry = self._load(slug, entry.path, stamp)
            with self._lock:
                self._entries[slug] = entry
        return entry

    def entries(self) -> list[Entry]:
        self._fresh()
        return sorted(self._entries.values(), key=lambda e: fold(e.title))

    # -- search ---------------------------------------------------------------------------
    def search(self, query: str, limit: int | None = None) -> list[Entry]:
        """Entries matching ``query``, best first; everything when the query is empty."""
        q = fold(query)
        entries = [e for e in self.entries() if e.leaflet is not None]
        if not q:
            return entries[:limit] if limit else entries
        scored = []
        for entry in entries:
            score = max(_score(q, name) for name in entry.names())
            if score >= 80:
                scored.append((-score, fold(entry.title), entry))
        scored.sort(key=lambda t: (t[0], t[1]))
        hits = [e for _, _, e in scored]
        return hits[:limit] if limit else hits


def _score(query: str, name: str) -> float:
    """100 for a prefix of the name or of one of its words, 95 for a substring, else a fuzzy
    score that forgives a typo or two ("amoxicilin", "paracetmol")."""
    if name.startswith(query) or any(w.startswith(query) for w in name.split()):
        return 100.0
    if query in name:
        return 95.0
    if len(query) < 4:
        return 0.0
    return fuzz.partial_ratio(query, name) * (0.9 if len(query) < 6 else 1.0)
