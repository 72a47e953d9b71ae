"""Bulk export: read every page, skip what has not changed, render the rest in parallel, and
write PDFs atomically with a manifest that says exactly what was written.

1. ``plan``: read each page's bytes and hash them with everything that shapes its output
   (templates, styles, settings, the leaflets version). A page whose hash and outputs match the
   previous manifest is ``unchanged`` and is not even parsed.
2. ``run``: render the rest on an executor (a process pool by default). Workers return PDF bytes;
   only this process writes files, each through a temporary file and a rename.
3. ``finish``: remove outputs of pages that are gone, warn about pages sharing a URL, and write
   ``manifest.json`` (sorted, no timestamps: the same input gives the same bytes).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from . import __version__, assets
from .discover import page_files
from .errors import BuildError, ContentError, LeafletError, OutputError
from .executors import Executor, LocalExecutor
from .files import read_page_bytes, write_atomic
from .jobs import Job, Output, PageResult, Rendered, page_stem, render_job
from .owners import page_claim, settle
from .render import without_qr
from .settings import Settings
from .urls import site_path

LOGGER = logging.getLogger(__name__)
MANIFEST = "manifest.json"


@dataclass
class BuildReport:
    pages: list[PageResult]
    warnings: list[str]
    seconds: float
    interrupted: bool = False

    def count(self, status: str) -> int:
        return sum(p.status == status for p in self.pages)

    @property
    def ok(self) -> bool:
        return not self.interrupted and not (self.count("refused") or self.count("failed"))


# -- hashing ---------------------------------------------------------------------------------


def _tree_hash(*folders: Path) -> str:
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(path.relative_to(folder).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def environment_hash(settings: Settings, sizes: tuple[str, ...]) -> str:
    """Everything but the page that shapes a PDF: templates, styles, fonts, settings, version."""
    digest = hashlib.sha256()
    digest.update(__version__.encode())
    digest.update(_tree_hash(assets.templates_dir(), assets.styles_dir()).encode())
    digest.update(assets.font_face_css().encode())
    fields = asdict(settings)
    fields.pop("source", None)
    fields.pop("content_dir", None)
    fields.pop("size", None)
    if settings.logo is not None and Path(settings.logo).is_file():
        fields["logo_sha256"] = hashlib.sha256(Path(settings.logo).read_bytes()).hexdigest()
    digest.update(json.dumps(fields, sort_keys=True, default=str).encode())
    digest.update(",".join(sizes).encode())
    digest.update(os.environ.get("SOURCE_DATE_EPOCH", "").encode())
    return digest.hexdigest()


# -- the client side -------------------------------------------------------------------------

ProgressCallback = Callable[[int, int, PageResult], None]


#: A manifest larger than this is not one the build wrote (20,000 pages take about 20 MB).
MAX_MANIFEST_BYTES = 512 * 1024 * 1024
STATUSES = ("rendered", "unchanged", "refused", "failed")
_OUTPUT_FIELDS = {"path": str, "size": str, "pages": int, "bytes": int, "sha256": str}
_TEXT_FIELDS = ("slug", "title", "reason", "url", "revision", "generic_name", "key")


def read_manifest(out_dir: Path, *, warn: bool = False) -> dict[str, dict]:
    """The previous build's pages by source. A missing manifest, or one that is not what a
    build writes (unreadable, not JSON, nested without end, wrong keys or types), is absent:
    every page is rebuilt and nothing is removed on its word."""
    path = out_dir / MANIFEST
    if not path.exists():
        return {}
    try:
        data = json.loads(read_page_bytes(path, MAX_MANIFEST_BYTES).decode("utf-8"))
        pages = _valid_manifest(data)
    except (LeafletError, ValueError, RecursionError) as exc:
        pages, why = None, str(exc).removeprefix(f"{path}: ")
    else:
        why = "its keys or types are not a manifest's"
    if pages is None:
        if warn:
            LOGGER.warning("%s: %s; treated as absent (every page is rebuilt)", path, why[:200])
        return {}
    return pages


def _valid_manifest(data: object) -> dict[str, dict] | None:
    if not isinstance(data, dict) or not isinstance(data.get("pages"), list):
        return None
    pages = {}
    for page in data["pages"]:
        if not isinstance(page, dict) or not isinstance(page.get("source"), str):
            return None
        if page.get("status") not in STATUSES or not isinstance(page.get("outputs", []), list):
            return None
        if any(not isinstance(page.get(k), str | None) for k in _TEXT_FIELDS):
            return None
        for out in page.get("outputs", []):
            if not isinstance(out, dict) or set(out) != set(_OUTPUT_FIELDS):
                return None
            if any(type(out[k]) is not t for k, t in _OUTPUT_FIELDS.items()):
                return None
            if out["path"].startswith("/") or ".." in out["path"].split("/"):
                return None
        pages[page["source"]] = page
    return pages


def _unchanged(previous: dict | None, key: str, out_dir: Path) -> PageResult | None:
    if not previous or previous.get("key") != key or previous.get("status") not in ("rendered", "unchanged"):
        return None
    outputs = [Output(**o) for o in previous.get("outputs", [])]
    for out in outputs:
        target = out_dir / out.path
        if not target.is_file() or target.stat().st_size != out.bytes:
            return None
    fields = {
        k: previous.get(k) for k in ("source", "slug", "title", "reason", "url", "revision", "generic_name")
    }
    return PageResult(**fields, status="unchanged", outputs=outputs, key=key)


def plan(
    content_dir: Path,
    out_dir: Path,
    settings: Settings,
    sizes: tuple[str, ...],
    force: bool,
    pdf: bool = True,
    html: bool = False,
) -> tuple[list[PageResult], list[Job]]:
    """Split the pages into unchanged ones and jobs to render."""
    env = environment_hash(settings, sizes if pdf else ()) + f":pdf={pdf}:html={html}"
    previous = {} if force else read_manifest(out_dir, warn=True)
    unchanged, jobs = [], []
    for path in page_files(content_dir):
        source = path.relative_to(content_dir).as_posix()
        try:
            data = read_page_bytes(path, settings.max_bytes, content_dir)
        except ContentError as exc:
            unchanged.append(PageResult(source, page_stem(source), status="failed", reason=exc.message))
            continue
        key = hashlib.sha256(env.encode() + hashlib.sha256(data).digest()).hexdigest()
        if (same := _unchanged(previous.get(source), key, out_dir)) is not None:
            unchanged.append(same)
        else:
            jobs.append(Job(source, str(path), data, sizes, settings, key, pdf, html))
    return unchanged, jobs


def build_library(
    content_dir: str | Path,
    out_dir: str | Path,
    settings: Settings,
    *,
    sizes: tuple[str, ...] = ("standard",),
    jobs: int | None = None,
    force: bool = False,
    pdf: bool = True,
    html: bool = False,
    on_progress: ProgressCallback | None = None,
    executor: Executor | None = None,
) -> BuildReport:
    """Build every page under ``content_dir`` into ``out_dir``. See the module docstring."""
    started = time.perf_counter()
    content_dir, out_dir = Path(content_dir), Path(out_dir)
    if not content_dir.is_dir():
        raise BuildError(f"{content_dir}: no such content folder")
    settings = settings.replace(content_dir=content_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(out_dir, exc) from None
    done, todo = plan(content_dir, out_dir, settings, sizes, force, pdf, html)
    done, todo = _settle_owners(done, todo, settings)
    total = len(done) + len(todo)
    results: dict[str, PageResult] = {}
    for n, result in enumerate(done, 1):
        results[result.source] = result
        if on_progress:
            on_progress(n, total, result)
    own = executor is None
    executor = executor or LocalExecutor(jobs or os.cpu_count() or 1, settings, sizes)
    interrupted = False
    try:
        for rendered in executor.run(render_job, todo):
            result = _write(rendered, out_dir)
            results[result.source] = result
            if on_progress:
                on_progress(len(results), total, result)
    except KeyboardInterrupt:
        interrupted = True
        executor.cancel()
    finally:
        if own:
            executor.close()
    if not interrupted:
        # Every page planned must come back: an executor that loses one must not hide it.
        for job in todo:
            if job.source not in results:
                results[job.source] = PageResult(
                    job.source,
                    page_stem(job.source),
                    status="failed",
                    reason="no result came back from the executor",
                    key=job.key,
                )
    pages = sorted(results.values(), key=lambda r: r.source)
    if not interrupted:
        _remove_stale(out_dir, pages)
    warnings = []
    if no_qr := sum(p.url is None and any(o.size != "html" for o in p.outputs) for p in pages):
        warnings.append(without_qr(no_qr))
    if html and not interrupted:
        _write_site(out_dir, pages, settings)
    _write_manifest(out_dir, pages, interrupted)
    report = BuildReport(pages, warnings, time.perf_counter() - started, interrupted)
    if interrupted:
        raise BuildInterrupted(report)
    return report


class BuildInterrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM: workers stopped, no partial file, the manifest says what was written."""

    def __init__(self, report: BuildReport):
        super().__init__("build interrupted")
        self.report = report


def _write(rendered: Rendered, out_dir: Path) -> PageResult:
    result = rendered.result
    try:
        for name, data in rendered.files.items():
            write_atomic(data, out_dir / name)
    except OSError as exc:
        result.status, result.reason = "failed", f"cannot write output: {exc.strerror or exc}"
        result.outputs = []
    return result


def _write_site(out_dir: Path, pages: list[PageResult], settings: Settings) -> None:
    """The index and the static files every site page links to (written only when changed)."""
    from .site import render_index, static_files

    entries = [
        {"title": p.title or p.slug, "slug": p.slug, "path": o.path, "generic": p.generic_name}
        for p in pages
        for o in p.outputs
        if o.size == "html"
    ]
    files = {"index.html": render_index(entries, settings).encode("utf-8")}
    files.update({name: path.read_bytes() for name, path in static_files().items()})
    for name, data in files.items():
        target = out_dir / name
        if not target.is_file() or target.read_bytes() != data:
            write_atomic(data, target)


def _remove_stale(out_dir: Path, pages: list[PageResult]) -> None:
    """Outputs the previous manifest listed that no page owns any more (a removed page, a size
    no longer built). Only files the manifest names, inside the output folder, are removed."""
    keep = {o.path for p in pages for o in p.outputs}
    root = out_dir.resolve()
    for entry in read_manifest(out_dir).values():
        for out in entry.get("outputs", []):
            name = out.get("path", "") if isinstance(out, dict) else ""
            target = (out_dir / name).resolve()
            if name in keep or not target.is_relative_to(root) or not target.is_file():
                continue
            target.unlink()
            LOGGER.info("removed %s (its page is gone)", name)
            parent = target.parent
            while parent != root and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent


def _settle_owners(
    done: list[PageResult], todo: list[Job], settings: Settings
) -> tuple[list[PageResult], list[Job]]:
    """Before anything renders: each site path belongs to one page (see ``owners``). A page that
    loses its claim fails, with nothing written; an unchanged one loses its outputs too."""
    claims: dict[str, str | None] = {}
    for result in done:
        claims[result.source] = site_path(result.url, settings) if result.url else None
    for job in todo:
        claims[job.source] = page_claim(job.source, job.data, settings)
    lost = settle(claims, settings)
    if not lost:
        return done, todo
    settled = []
    for result in done:
        if result.source in lost:
            result = PageResult(result.source, result.slug, result.title, "failed", lost[result.source])
        settled.append(result)
    for job in todo:
        if job.source in lost:
            settled.append(
                PageResult(job.source, page_stem(job.source), status="failed", reason=lost[job.source])
            )
    return settled, [job for job in todo if job.source not in lost]


def _write_manifest(out_dir: Path, pages: list[PageResult], interrupted: bool) -> None:
    if interrupted:
        # Keep what the previous manifest knew about pages this run did not reach.
        old = read_manifest(out_dir)
        known = {p.source for p in pages}
        pages = sorted(
            pages + [_from_dict(v) for s, v in old.items() if s not in known], key=lambda p: p.source
        )
    data = {"pages": [p.as_dict() for p in pages]}
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    write_atomic(text.encode("utf-8"), out_dir / MANIFEST)


def _from_dict(entry: dict) -> PageResult:
    outputs = [Output(**o) for o in entry.get("outputs", [])]
    fields = {
        k: entry.get(k)
        for k in ("source", "slug", "title", "status", "reason", "url", "revision", "key", "generic_name")
    }
    fields["key"] = fields["key"] or ""
    return PageResult(**fields, outputs=outputs)
