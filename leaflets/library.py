"""A folder of pages held in memory for the counter, and the one fuzzy search over names.

Pages are read by a few loader threads, never by the caller: a page that is slow to read holds
one loader, while the others, the search and every other route go on. Each page is published as
soon as it is read, and read again when its file changes. The search matches the title, the
generic name, the ingredients, the front matter's ``aliases:`` and the items of an "Alternate
Names" section, ignoring case and accents and forgiving typos. ``nearest`` gives the "did you
mean" names for the counter and the command line alike.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import re
import threading
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process

from .discover import page_files, page_slug
from .errors import LeafletError
from .html_scan import list_items
from .labels import without_bracketed
from .model import Leaflet
from .reader import read_page
from .sanitize import text_of
from .settings import Settings

LOGGER = logging.getLogger(__name__)
RESCAN_SECONDS = 2.0
LOADERS = 4
#: Section labels whose list items are other names of the medicine.
ALTERNATE_LABELS = frozenset({"alternate names", "alternative names", "other names", "also known as"})


def fold(text: str) -> str:
    """Case- and accent-blind form for matching: "Ácido Fólico" → "acido folico"."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", re.sub(r"[^\w+]+", " ", plain.casefold())).strip()


def alternate_names(leaflet: Leaflet) -> list[str]:
    """Names listed as items of an "Alternate Names" section: "Brand names: Kwell, G-Well
    (lotion)" gives Kwell and G-Well. Prose in that section is left alone: it is not a list of names."""
    names = []
    for section in leaflet.all_sections():
        if fold(section.label) not in ALTERNATE_LABELS:
            continue
        for item in list_items(section.html):
            text = text_of(item)
            label, colon, rest = text.partition(":")
            if colon and len(label) <= 40:
                text = rest
            text = without_bracketed(text)
            for piece in re.split(r"[,;/]|\band\b|\bor\b", text):
                piece = piece.strip(" .™®")
                if piece and len(piece) <= 60 and len(piece.split()) <= 4:
                    names.append(piece)
    return names


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
        """What a pharmacist may type: the title, the generic name, each ingredient, and the
        page's other names (brand names, older names)."""
        if self.leaflet is None:
            return [fold(self.slug)]
        names = [self.leaflet.title, self.slug.replace("-", " ")]
        if self.leaflet.generic_name:
            names.append(self.leaflet.generic_name)
        # Spaces collapsed first: a run of them would be rescanned from each of its positions.
        names += re.split(r" ?\+ ?| and |, ?", " ".join(self.leaflet.title.split()))
        names += self.leaflet.aliases
        names += alternate_names(self.leaflet)
        return [n for n in dict.fromkeys(fold(x) for x in names) if n]


class Library:
    def __init__(self, root: str | Path, settings: Settings, *, wait: float | None = None):
        """Start reading every page. ``wait``: seconds to wait for them (None: until all are read)."""
        self.root = Path(root)
        self.settings = settings
        self._entries: dict[str, Entry] = {}
        self._loading: dict[str, cf.Future] = {}
        # Re-entrant: a page read at once publishes itself from inside scan(), which holds it.
        self._lock = threading.RLock()
        self._scanned = 0.0
        self._scanning = False
        self._loader = cf.ThreadPoolExecutor(LOADERS, thread_name_prefix="leaflets-library")
        self.scan()
        self.wait(wait)

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
        except Exception as exc:  # one page never stops the counter, whatever it holds
            LOGGER.warning("%s: could not be read (%s)", path, type(exc).__name__)
            return Entry(slug, path, stamp, None, f"{path}: could not be read ({type(exc).__name__})")

    def _submit(self, slug: str, path: Path, stamp: tuple[int, int]) -> cf.Future:
        """Read one page on a loader thread and publish it. Under the lock.

        The loader publishes before its future is done: a future's waiters wake before its
        callbacks run, so publishing from a callback let ``wait`` return with pages not yet in
        (the counter then searched a library without them)."""
        mine: list[cf.Future] = []

        def read() -> Entry:
            entry = self._load(slug, path, stamp)
            with self._lock:  # only once ``_submit`` let go of it: ``mine`` holds the future
                if self._loading.get(slug) is mine[0]:
                    del self._loading[slug]
                    self._entries[slug] = entry
            return entry

        with self._lock:  # held by the callers already (re-entrant); ``read`` waits for it
            future = self._loader.submit(read)
            mine.append(future)
            self._loading[slug] = future

        def forget(done: cf.Future) -> None:
            """A read cancelled (the library closed) never ran ``read``: it is loading no more."""
            if done.cancelled():
                with self._lock:
                    if self._loading.get(slug) is done:
                        del self._loading[slug]

        future.add_done_callback(forget)
        return future

    def scan(self) -> None:
        """Find pages (new, changed, removed) and start reading the new and changed ones.
        Slugs are file names (with the language in a language folder, ``discover.page_slug``);
        a second file with the same slug is left out, with a warning, rather than shadowing the
        first."""
        found: dict[str, Path] = {}
        for path in page_files(self.root):
            slug = page_slug(path.relative_to(self.root).as_posix())
            if slug in found:
                LOGGER.warning("%s: slug %r is already %s; not served", path, slug, found[slug])
                continue
            found[slug] = path
        stamps = {slug: self._stamp(path) for slug, path in found.items()}
        with self._lock:
            self._entries = {s: e for s, e in self._entries.items() if stamps.get(s) is not None}
            for slug, path in found.items():
                stamp = stamps[slug]
                old = self._entries.get(slug)
                if stamp is None or slug in self._loading:
                    continue
                if old is None or old.path != path or old.stamp != stamp:
                    self._submit(slug, path, stamp)
            self._scanned = time.monotonic()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the pages being read; True when none is left."""
        with self._lock:
            pending = list(self._loading.values())
        _, not_done = cf.wait(pending, timeout=timeout)
        return not not_done

    def pending(self) -> int:
        with self._lock:
            return len(self._loading)

    def close(self) -> None:
        self._loader.shutdown(wait=False, cancel_futures=True)

    def _fresh(self) -> None:
        """Rescan now and then, on a loader thread: the caller never waits for the disk."""
        with self._lock:
            if self._scanning or time.monotonic() - self._scanned <= RESCAN_SECONDS:
                return
            self._scanning = True

        def rescan() -> None:
            try:
                self.scan()
            finally:
                self._scanning = False

        try:
            self._loader.submit(rescan)
        except RuntimeError:  # closed
            self._scanning = False

    def get(self, slug: str, timeout: float = 10.0) -> Entry | None:
        """The entry for ``slug``, read again if its file changed (waiting at most ``timeout``
        seconds for it). Slugs only ever index the dictionary: a request can never name a path."""
        self._fresh()
        with self._lock:
            entry = self._entries.get(slug)
            future = self._loading.get(slug)
        if entry is not None and future is None:
            stamp = self._stamp(entry.path)
            if stamp != entry.stamp:
                with self._lock:
                    future = self._loading.get(slug)
                    if future is None and stamp is not None:
                        future = self._submit(slug, entry.path, stamp)
                if stamp is None:
                    self.scan()
                    return None
        if future is not None:
            try:
                return future.result(timeout=timeout)
            except cf.TimeoutError:
                raise PageLoading(slug) from None
        return entry

    def entries(self) -> list[Entry]:
        self._fresh()
        with self._lock:
            entries = list(self._entries.values())
        return sorted(entries, key=lambda e: fold(e.title))

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
        # Typo-forgiving matches only when nothing matches as typed: "nurofen" is the brand
        # name of one page, not a near miss of every page named ibuprofen.
        exact = bool(scored) and -scored[0][0] >= 95
        hits = [e for score, _, e in scored if not exact or -score >= 95]
        return hits[:limit] if limit else hits

    def suggest(self, query: str, limit: int = 3) -> list[Entry]:
        """The nearest leaflets for a query that matched nothing ("did you mean …")."""
        entries = {e.slug: e for e in self.entries() if e.leaflet is not None}
        names = {name: slug for slug, e in entries.items() for name in e.names()}
        slugs = [names[n] for n in nearest(query, names, limit=len(names))]
        return [entries[s] for s in dict.fromkeys(slugs)][:limit]


class PageLoading(LeafletError):
    """A page is still being read (slow disk, or a page that takes long to parse)."""

    def __init__(self, slug: str):
        super().__init__(f"“{slug}” is still being read; try again in a moment.")


def _score(query: str, name: str) -> float:
    """100 for a prefix of the name or of one of its words, 95 for a substring, else a fuzzy
    score that forgives a typo or two ("amoxicilin", "paracetmol")."""
    if name.startswith(query) or any(w.startswith(query) for w in name.split()):
        return 100.0
    if query in name:
        return 95.0
    if len(query) < 4:
        return 0.0
    # A query inside a longer name is a partial match; a name shorter than the query (a brand
    # name such as "amoxil") must match the query as a whole, or "salbutamol" finds it.
    scorer = fuzz.partial_ratio if len(name) >= len(query) else fuzz.ratio
    return scorer(query, name) * (0.9 if len(query) < 6 else 1.0)


def nearest(query: str, names: Iterable[str], limit: int = 3, cutoff: float = 70.0) -> list[str]:
    """The names closest to ``query`` (case- and accent-blind, typos forgiven), best first: the
    one "did you mean" for the counter's search and the command line."""
    q = fold(query)
    if not q:
        return []
    choices = {name: fold(name) for name in names}
    found = process.extract(q, choices, scorer=fuzz.WRatio, limit=limit, score_cutoff=cutoff)
    return [name for _, _, name in found]
