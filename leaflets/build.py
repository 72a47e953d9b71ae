"""Bulk export: read every page, skip what has not changed, render the rest in parallel, and
write outputs atomically with a manifest that says exactly what was written.

1. ``plan`` (plan.py): hash each page with everything that shapes its outputs and compare with
   the previous manifest. What is still current, a refusal included, is not even parsed.
2. ``run``: render the rest on an executor (worker processes by default), a few jobs at a time.
   Workers return the bytes; only this process writes files, each through a temporary file and a
   rename, as each result arrives, and then lets the bytes go.
3. ``finish``: remove outputs of pages that are gone (only of the kinds this build makes), warn
   about pages sharing a URL, and write ``manifest.json`` (sorted, no timestamps).
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .errors import BuildError, OutputError
from .executors import Executor, LocalExecutor
from .files import write_atomic
from .jobs import PageResult, Rendered, page_stem, render_job
from .owners import settle
from .plan import MANIFEST, Plan, from_entry, kind, read_manifest
from .render import without_qr
from .settings import Settings
from .urls import site_path

LOGGER = logging.getLogger(__name__)
ProgressCallback = Callable[[int, int, PageResult], None]


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
    formats: tuple[str, ...] = (),
    on_progress: ProgressCallback | None = None,
    executor: Executor | None = None,
) -> BuildReport:
    """Build every page under ``content_dir`` into ``out_dir``. See the module docstring.
    ``jobs`` worker processes (default: the CPU count; 0 renders in this process)."""
    started = time.perf_counter()
    content_dir, out_dir = Path(content_dir), Path(out_dir)
    if not content_dir.is_dir():
        raise BuildError(f"{content_dir}: no such content folder")
    settings = settings.replace(content_dir=content_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(out_dir, exc) from None
    # A missing liblouis or espeak-ng stops here, before any work, naming the package (Plan
    # asks each format's tools for their versions).
    own = executor is None
    if executor is None:
        executor = LocalExecutor(os.cpu_count() or 1 if jobs is None else jobs, settings, sizes)
    plan = Plan(
        content_dir,
        out_dir,
        settings,
        sizes,
        force=force,
        pdf=pdf,
        html=html,
        formats=formats,
        on_todo=getattr(executor, "prepare", None),
    )
    _settle_owners(plan, settings)
    total = len(plan.known) + len(plan.todo)
    results: dict[str, PageResult] = {}

    def record(result: PageResult) -> None:
        results[result.source] = result
        if on_progress:
            on_progress(len(results), total, result)

    for result in plan.known:
        record(result)
    interrupted = False
    lost: list[PageResult] = []
    try:
        for rendered in executor.run(render_job, plan.jobs(lost)):
            record(plan.carry(_write(rendered, out_dir)))
    except KeyboardInterrupt:
        interrupted = True
        executor.cancel()
    finally:
        if own:
            executor.close()
    for result in lost:
        record(result)
    if not interrupted:
        # Every page planned must come back: an executor that loses one must not hide it.
        for todo in plan.todo:
            if todo.source not in results:
                reason = "no result came back from the executor"
                record(
                    PageResult(
                        todo.source, page_stem(todo.source), status="failed", reason=reason, retry=True
                    )
                )
    pages = sorted(results.values(), key=lambda r: r.source)
    leftovers = [] if interrupted else _remove_stale(out_dir, pages, plan)
    warnings: list[str] = []
    warnings.extend(line for p in pages for line in p.refusals)  # printed, but worth a look
    if no_qr := sum(p.url is None and any(kind(o) == "pdf" for o in p.outputs) for p in pages):
        warnings.append(without_qr(no_qr))
    if html and not interrupted:
        _write_site(out_dir, pages, settings)
    _write_manifest(out_dir, sorted(pages + leftovers, key=lambda r: r.source), interrupted)
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
        result.outputs, result.retry = [], True
    return result


def _write_site(out_dir: Path, pages: list[PageResult], settings: Settings) -> None:
    """The index and the static files every site page links to (written only when changed)."""
    from .site import render_index, static_files

    entries = [
        {
            "title": p.title or p.slug,
            "slug": p.slug,
            "path": o.path,
            "generic": p.generic_name,
            "lang": p.lang,
        }
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


def _remove_stale(out_dir: Path, pages: list[PageResult], plan: Plan) -> list[PageResult]:
    """Remove outputs the previous manifest listed that no page owns any more (a removed page, a
    size no longer built), of the kinds this build makes. Only files the manifest names, inside
    the output folder, are removed. Returns entries for the outputs of other kinds that removed
    pages leave behind, so that a later build of that kind removes them."""
    keep = {o.path for p in pages for o in p.outputs}
    present = {p.source for p in pages}
    root = out_dir.resolve()
    leftovers = []
    for source, entry in plan.previous.items():
        old = from_entry(entry)
        left = []
        for out in old.outputs:
            target = (out_dir / out.path).resolve()
            if out.path in keep or not target.is_relative_to(root) or not target.is_file():
                continue
            if kind(out) not in plan.kinds:
                left.append(out)
                continue
            target.unlink()
            LOGGER.info("removed %s (its page is gone)", out.path)
            parent = target.parent
            while parent != root and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent
        if left and source not in present:
            leftovers.append(
                PageResult(
                    source, old.slug, status="gone", reason="its page is gone", outputs=left, retry=True
                )
            )
    return leftovers


def _settle_owners(plan: Plan, settings: Settings) -> None:
    """Before anything renders, each site path gets one owner (see ``owners``). A page that
    loses its claim fails with the reason and nothing is written for it; outputs an unchanged
    page had are then removed as stale."""
    claims = {r.source: site_path(r.url, settings) if r.url else None for r in plan.known}
    claims.update({t.source: plan.claims.get(t.source) for t in plan.todo})
    lost = settle(claims, settings)
    if not lost:
        return
    failed = [
        PageResult(source, page_stem(source), status="failed", reason=reason, retry=True)
        for source, reason in lost.items()
    ]
    plan.known = [r for r in plan.known if r.source not in lost] + failed
    plan.todo = [t for t in plan.todo if t.source not in lost]


def _write_manifest(out_dir: Path, pages: list[PageResult], interrupted: bool) -> None:
    if interrupted:
        # Keep what the previous manifest knew about pages this run did not reach.
        old = read_manifest(out_dir)
        known = {p.source for p in pages}
        pages = sorted(
            pages + [from_entry(v) for s, v in old.items() if s not in known], key=lambda p: p.source
        )
    data = {"pages": [p.as_dict() for p in pages]}
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    write_atomic(text.encode("utf-8"), out_dir / MANIFEST)
