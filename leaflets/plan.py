"""Incremental builds: what a page needs, given what the previous manifest says was made.

Each page gets a key: the hash of its bytes with everything else that shapes its outputs
(templates, styles, fonts, settings, the leaflets version, and the same page in the other language
folders, which its site page links). A manifest entry lists the products
made under that key: one per PDF size (``standard``, ``large``) and the site page
(``html:standard,large``, naming the files it links), and ``brf:<hash>`` and ``audio:<hash>``,
whose hash holds only what shapes that format (its own settings, the tools' versions), so that
adding audio, or changing ``[audio]``, makes the audio alone. A product is reused when the key is the same
and its file is intact; only the missing products are made. A refusal or a broken page is
deterministic for the same key, so it is remembered too; a time-out or a dead worker is not.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from . import __version__, assets
from .discover import byte_limit, page_files
from .errors import ContentError, LeafletError
from .files import read_page_bytes
from .jobs import Job, Output, PageResult, page_stem
from .owners import page_claim
from .scripts import fonts_fingerprint
from .settings import Settings
from .translations import linked_paths

LOGGER = logging.getLogger(__name__)
MANIFEST = "manifest.json"


def _tree_hash(*folders: Path) -> str:
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(path.relative_to(folder).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def environment_hash(settings: Settings) -> str:
    """Everything but the page that shapes its outputs: templates, styles, fonts, settings, version."""
    digest = hashlib.sha256()
    digest.update(__version__.encode())
    digest.update(_tree_hash(assets.templates_dir(), assets.styles_dir()).encode())
    digest.update(assets.font_face_css().encode())
    fields = {k: v for k, v in asdict(settings).items() if not k.startswith(_OTHER_FORMATS)}
    fields.pop("source", None)
    fields.pop("content_dir", None)
    fields.pop("size", None)
    if settings.logo is not None and Path(settings.logo).is_file():
        fields["logo_sha256"] = hashlib.sha256(Path(settings.logo).read_bytes()).hexdigest()
    digest.update(json.dumps(fields, sort_keys=True, default=str).encode())
    digest.update(os.environ.get("SOURCE_DATE_EPOCH", "").encode())
    return digest.hexdigest()


#: Settings that shape only braille or only audio: a change there never rebuilds a PDF.
_OTHER_FORMATS = ("braille_", "audio_")
ALTERNATIVES = ("brf", "audio")


def format_hash(settings: Settings, fmt: str) -> str:
    """What shapes a braille or audio file besides the page (and the settings it shares with the
    print, which are in the page key): its own settings and the versions of the tools."""
    if fmt == "brf":
        from .braille import tool_versions
    else:
        from .audio import tool_versions
    prefix = "braille_" if fmt == "brf" else "audio_"
    fields = {k: v for k, v in asdict(settings).items() if k.startswith(prefix)}
    text = json.dumps([fmt, fields, tool_versions()], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def page_key(env: str, data: bytes, path: Path, source: str, settings: Settings) -> str:
    # With the system fonts for the scripts the page uses: installing one rebuilds those pages.
    fonts = fonts_fingerprint(data.decode("utf-8", "ignore")).encode()
    # With the pages it links as translations and their online paths: adding one, or giving one
    # a permalink, relinks this page.
    others = json.dumps(linked_paths(path, source, data, settings)).encode()
    return hashlib.sha256(env.encode() + hashlib.sha256(data).digest() + fonts + others).hexdigest()


def kind(output: Output) -> str:
    return output.size if output.size in ("html", *ALTERNATIVES) else "pdf"


def product_kind(product: str) -> str:
    name = product.split(":", 1)[0]
    return name if name in ("html", *ALTERNATIVES) and ":" in product else "pdf"


def products(
    sizes: tuple[str, ...], pdf: bool, html: bool, formats: dict[str, str] | None = None
) -> tuple[str, ...]:
    """What a build asks of every page (see the module docstring). ``formats`` maps "brf" and
    "audio" to their format hashes."""
    linked = sizes if pdf else ()
    other = tuple(f"{fmt}:{h}" for fmt, h in (formats or {}).items())
    links = [*linked, *(formats or {})]
    return (*linked, *other, *([f"html:{','.join(links)}"] if html else []))


# -- the manifest ------------------------------------------------------------------------------


#: A manifest larger than this is not one the build wrote (20,000 pages take about 20 MB).
MAX_MANIFEST_BYTES = 512 * 1024 * 1024
#: Statuses a build writes ("gone": a removed page whose outputs of another kind are kept).
STATUSES = ("rendered", "unchanged", "refused", "failed", "gone")
_OUTPUT_FIELDS = {"path": str, "size": str, "pages": int, "bytes": int, "sha256": str}
_TEXT_FIELDS = ("slug", "title", "reason", "url", "revision", "generic_name", "key")


def read_manifest(out_dir: Path, *, warn: bool = False) -> dict[str, dict]:
    """The previous build's entries by source. A manifest that is not what a build writes
    (unreadable, not a regular file, not JSON, nested without end, wrong keys or types) is
    absent, with a warning: every page is rendered again, and nothing is removed on its word."""
    path = out_dir / MANIFEST
    if not path.exists():
        return {}
    try:
        entries = _valid_manifest(json.loads(read_page_bytes(path, MAX_MANIFEST_BYTES).decode("utf-8")))
        why = "its keys or types are not a manifest's"
    except (LeafletError, ValueError, RecursionError) as exc:
        entries, why = None, str(exc).removeprefix(f"{path}: ")
    if entries is None:
        if warn:
            LOGGER.warning("%s: %s; treated as absent (every page is rendered again)", path, why[:200])
        return {}
    return entries


def _valid_manifest(data: object) -> dict[str, dict] | None:
    if not isinstance(data, dict) or not isinstance(data.get("pages"), list):
        return None
    entries = {}
    for page in data["pages"]:
        if not isinstance(page, dict) or not isinstance(page.get("source"), str):
            return None
        if page.get("status") not in STATUSES or not isinstance(page.get("outputs", []), list):
            return None
        if any(not isinstance(page.get(k), str | None) for k in _TEXT_FIELDS):
            return None
        if not all(isinstance(page.get(k) or [], list) for k in ("built", "refusals")):
            return None
        for out in page.get("outputs", []):
            if not isinstance(out, dict) or set(out) != set(_OUTPUT_FIELDS):
                return None
            if any(type(out[k]) is not t for k, t in _OUTPUT_FIELDS.items()):
                return None
            if out["path"].startswith("/") or ".." in out["path"].split("/"):
                return None
        entries[page["source"]] = page
    return entries


def from_entry(entry: dict) -> PageResult:
    """A manifest entry as a result, as it was written."""
    outputs = [Output(**o) for o in entry.get("outputs", [])]
    fields = {
        k: entry.get(k)
        for k in ("source", "slug", "title", "status", "reason", "url", "revision", "generic_name", "lang")
    }
    return PageResult(
        **fields,
        outputs=outputs,
        key=entry.get("key") or "",
        built=list(entry.get("built") or []),
        retry=bool(entry.get("retry", True)),
        refusals=[str(r) for r in entry.get("refusals") or []],
    )


# -- the plan ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Todo:
    """A page to render, without its bytes: they are read when its job is handed out."""

    source: str
    path: Path
    sizes: tuple[str, ...]
    pdf: bool
    html: bool
    keep: tuple[Output, ...]
    #: The braille and audio files to make.
    formats: tuple[str, ...] = ()


class Plan:
    """Split the pages of ``content_dir`` into results known already and pages to render."""

    def __init__(
        self,
        content_dir: Path,
        out_dir: Path,
        settings: Settings,
        sizes: tuple[str, ...],
        *,
        force: bool = False,
        pdf: bool = True,
        html: bool = False,
        formats: tuple[str, ...] = (),
        on_todo: Callable[[], None] | None = None,
    ):
        self.settings, self.sizes, self.pdf, self.html = settings, sizes, pdf, html
        #: Called once, when the first page to render is found (the executor starts up then).
        self._on_todo = on_todo
        self.content_dir, self.out_dir = content_dir, out_dir
        self.env = environment_hash(settings)
        self.formats = {f: format_hash(settings, f) for f in ALTERNATIVES if f in formats}
        self.products = products(sizes, pdf, html, self.formats)
        self.kinds = {"pdf"} if pdf else set()
        self.kinds |= {"html"} if html else set()
        self.kinds |= set(self.formats)
        self.previous = read_manifest(out_dir, warn=True)
        try:  # the manifest is written after every output it lists
            self._written = (out_dir / MANIFEST).stat().st_mtime_ns
        except OSError:
            self._written = 0
        #: The site path each page to render claims (see ``owners``), read from its front matter.
        self.claims: dict[str, str | None] = {}
        self.known: list[PageResult] = []
        self.todo: list[Todo] = []
        # Pages whose outputs share names (x.md and x.json) fail in ``owners.settle``.
        for path in page_files(content_dir):
            self._page(path, force)

    def _page(self, path: Path, force: bool) -> None:
        source = path.relative_to(self.content_dir).as_posix()
        try:
            limit = byte_limit(path, self.settings.max_bytes, self.settings.max_bytes_xml)
            data = read_page_bytes(path, limit, self.content_dir)
        except ContentError as exc:
            reason = exc.message
            self.known.append(
                PageResult(source, page_stem(source), status="failed", reason=reason, retry=True)
            )
            return
        key = page_key(self.env, data, path, source, self.settings)
        self.claims[source] = page_claim(source, data, self.settings)
        previous = None if force else self.previous.get(source)
        every = tuple(self.formats)
        if previous is None or previous.get("key") != key:
            self._add_todo(Todo(source, path, self.sizes, self.pdf, self.html, (), every))
            return
        old = from_entry(previous)
        covered = "*" in old.built or set(self.products) <= set(old.built)
        if old.status in ("refused", "failed") and not old.retry and covered:
            self.known.append(self.carry(old))
            return
        if old.status not in ("rendered", "unchanged"):
            self._add_todo(Todo(source, path, self.sizes, self.pdf, self.html, (), every))
            return
        intact = [o for o in old.outputs if self._intact(o)]
        have = {o.size for o in intact if kind(o) == "pdf"} & set(old.built)
        missing = [s for s in self.sizes if s not in have] if self.pdf else []
        keep = tuple(o for o in intact if o.size in self.sizes and o.size in have) if self.pdf else ()
        # A braille or audio file is current when its product (format and hash) was made.
        current = {f for f, h in self.formats.items() if f"{f}:{h}" in old.built}
        current &= {kind(o) for o in intact}
        keep += tuple(o for o in intact if kind(o) in current)
        remake = tuple(f for f in self.formats if f not in current)
        page = [p for p in self.products if p.startswith("html:")]
        fresh = not missing and not remake
        site_ok = not page or (page[0] in old.built and fresh and self._site_intact(old, intact))
        if fresh and site_ok:
            old.status = "unchanged"
            old.outputs = [o for o in intact if kind(o) == "html" or o in keep]
            old.built = list(self.products)
            self.known.append(self.carry(old))
        else:
            self._add_todo(Todo(source, path, tuple(missing), self.pdf, self.html, keep, remake))

    def _add_todo(self, todo: Todo) -> None:
        if not self.todo and self._on_todo is not None:
            self._on_todo()
        self.todo.append(todo)

    def _intact(self, out: Output) -> bool:
        """The output is as the last build left it: its size, and not changed since the manifest
        was written (a damaged file of the same size), without reading every output again."""
        try:
            found = (self.out_dir / out.path).stat()
        except OSError:
            return False
        return (
            stat.S_ISREG(found.st_mode) and found.st_size == out.bytes and found.st_mtime_ns <= self._written
        )

    @staticmethod
    def _site_intact(old: PageResult, intact: list[Output]) -> bool:
        """The site page is on disk, or the page has none (its URL is on another site)."""
        site = [o for o in old.outputs if kind(o) == "html"]
        return all(o in intact for o in site)

    def jobs(self, lost: list[PageResult]) -> Iterator[Job]:
        """The jobs, one at a time, each with the bytes read now (a page that cannot be read
        any more goes to ``lost``)."""
        for todo in self.todo:
            try:
                data = read_page_bytes(todo.path, self.settings.max_bytes, self.content_dir)
            except ContentError as exc:
                reason = exc.message
                lost.append(
                    PageResult(
                        todo.source, page_stem(todo.source), status="failed", reason=reason, retry=True
                    )
                )
                continue
            yield Job(
                todo.source,
                str(todo.path),
                data,
                todo.sizes,
                self.settings,
                page_key(self.env, data, todo.path, todo.source, self.settings),
                todo.pdf,
                todo.html,
                todo.keep,
                self.products,
                "brf" in todo.formats,
                "audio" in todo.formats,
            )

    def carry(self, result: PageResult) -> PageResult:
        """Keep listing outputs of kinds this build does not make (a plain build leaves the
        site pages of a ``--html`` build alone): they are not rebuilt, not removed either."""
        entry = self.previous.get(result.source)
        if entry:
            old, paths = from_entry(entry), {o.path for o in result.outputs}
            other = [o for o in old.outputs if kind(o) not in self.kinds and o.path not in paths]
            result.outputs = [*result.outputs, *other]
            if old.key == result.key and result.status in ("rendered", "unchanged"):
                # Same bytes, same settings: what the other kind made is still current.
                extra = [p for p in old.built if product_kind(p) not in self.kinds and p not in result.built]
                result.built = [*result.built, *extra]
        return result
