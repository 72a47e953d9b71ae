"""One page's render job, as a worker sees it: the job, what comes back, and the worker set-up.

``build`` makes jobs and writes results; the executors (local pool, Dask) and the counter's pool
run them. All of them import this module, and it imports none of them: no import cycle.
"""

from __future__ import annotations

import hashlib
import signal
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .settings import Settings


@dataclass(frozen=True)
class Output:
    path: str
    #: "standard", "large" … for a PDF; "brf", "audio" or "html" for the other formats.
    size: str
    #: PDF or braille pages; chapters for audio; 1 for a site page.
    pages: int
    bytes: int
    sha256: str
    #: The build hash of this output's format: equal hashes mean it need not be made again.
    key: str = ""


#: Where each kind of output is listed: PDFs by size, then braille, audio, the site page.
_ORDER = {"standard": 0, "large": 2, "brf": 5, "audio": 6, "html": 9}


def output_format(output: Output) -> str:
    return output.size if output.size in ("brf", "audio", "html") else "pdf"


@dataclass
class PageResult:
    source: str
    slug: str
    title: str | None = None
    status: str = "failed"
    reason: str | None = None
    url: str | None = None
    revision: str | None = None
    outputs: list[Output] = field(default_factory=list)
    generic_name: str | None = None
    #: Hash of everything that shapes this page's output; equal hashes mean nothing to do.
    key: str = ""

    def as_dict(self) -> dict:
        data = asdict(self)
        data["outputs"] = [asdict(o) for o in self.outputs]
        return data


@dataclass(frozen=True)
class Job:
    """One page to render: everything a worker needs, so a worker on any machine can do it."""

    source: str  # relative to the content folder, POSIX
    path: str  # absolute path, for messages and relative URLs
    data: bytes
    sizes: tuple[str, ...]
    settings: Settings
    key: str
    pdf: bool = True
    html: bool = False
    brf: bool = False
    audio: bool = False
    #: Outputs of the last build that are still current: kept, not made again, and linked.
    kept: tuple[Output, ...] = ()
    #: The build hash of each format, as (format, hash) pairs.
    keys: tuple[tuple[str, str], ...] = ()


@dataclass
class Rendered:
    """What a worker sends back: the page's facts and, per output path, the bytes to write."""

    result: PageResult
    files: dict[str, bytes] = field(default_factory=dict)


def page_stem(source: str) -> str:
    """``b/baclofen.md`` → ``baclofen``: the slug a page has before it is parsed."""
    return Path(source).stem


def output_name(source: str, size: str) -> str:
    """``b/baclofen.md`` → ``b/baclofen.pdf`` (``b/baclofen.large.pdf`` for large print)."""
    stem = source[: -len(".md")] if source.endswith(".md") else source
    if size in ("brf", "audio"):
        return f"{stem}.{'mp3' if size == 'audio' else size}"
    return f"{stem}.large.pdf" if size == "large" else f"{stem}.pdf"


def failed(job: Job, reason: str) -> Rendered:
    """The result for a job that never finished: its worker died, or it ran out of time."""
    result = PageResult(job.source, page_stem(job.source), status="failed", reason=reason, key=job.key)
    return Rendered(result)


def warm_up(settings: Settings, sizes: Iterable[str], papers: Iterable[str] | None = None) -> None:
    """Import WeasyPrint and parse the stylesheets once per worker, not once per page."""
    from .pdf import prepare

    for paper in papers or (settings.paper,):
        for size in sizes:
            prepare(settings.replace(size=size, paper=paper))


def init_worker(settings: Settings, sizes: tuple[str, ...], papers: tuple[str, ...] | None = None) -> None:
    """A pool worker's initializer (build and counter alike)."""
    # Ctrl-C goes to the parent, which stops the pool; a worker must not die mid-job on its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warm_up(settings, sizes, papers)


def _output(name: str, size: str, pages: int, data: bytes, job: Job) -> Output:
    fmt = size if size in ("brf", "audio", "html") else "pdf"
    return Output(name, size, pages, len(data), hashlib.sha256(data).hexdigest(), dict(job.keys).get(fmt, ""))


def _alternative(job: Job, leaflet, fmt: str) -> tuple[bytes, int]:
    if fmt == "brf":
        from .braille import brf_bytes

        return brf_bytes(leaflet, job.settings)
    from .audio import mp3_bytes

    return mp3_bytes(leaflet, job.settings)


def render_job(job: Job) -> Rendered:
    """Parse and render one page. Never raises: failures come back as a status and a reason."""
    from .errors import ContentError, LeafletError, NotALeafletError
    from .pdf import render_pdf
    from .reader import parse_page
    from .render import leaflet_url

    result = PageResult(source=job.source, slug=page_stem(job.source), key=job.key)
    try:
        leaflet = parse_page(
            job.data, job.path, content_root=job.settings.content_dir, max_bytes=job.settings.max_bytes
        )
        result.slug, result.title, result.revision = leaflet.slug, leaflet.title, leaflet.revision
        result.generic_name = leaflet.generic_name
        result.url = leaflet_url(leaflet, job.settings)
        files = {}
        result.outputs = list(job.kept)
        for size in job.sizes if job.pdf else ():
            data, pages = render_pdf(leaflet, job.settings.replace(size=size))
            name = output_name(job.source, size)
            files[name] = data
            result.outputs.append(_output(name, size, pages, data, job))
        problems = []
        for fmt in [f for f in ("brf", "audio") if getattr(job, f)]:
            # A braille or audio failure (a language with no voice) leaves the PDFs written.
            try:
                data, pages = _alternative(job, leaflet, fmt)
            except LeafletError as exc:
                problems.append(f"{fmt}: {getattr(exc, 'message', None) or exc}")
                continue
            name = output_name(job.source, fmt)
            files[name] = data
            result.outputs.append(_output(name, fmt, pages, data, job))
        result.outputs.sort(key=lambda o: (_ORDER.get(o.size, 1), o.path))
        if job.html:
            from .site import render_page, site_path

            path = site_path(leaflet, job.settings)
            if path is not None:
                links = [(o.path, o.size) for o in result.outputs if o.size != "html"]
                data = render_page(leaflet, job.settings, path, links).encode("utf-8")
                files[path] = data
                result.outputs.append(_output(path, "html", 1, data, job))
        result.status, result.reason = ("failed", "; ".join(problems)) if problems else ("rendered", None)
        return Rendered(result, files)
    except NotALeafletError as exc:
        result.status, result.reason = "refused", exc.message
    except (ContentError, LeafletError) as exc:
        result.status, result.reason = "failed", getattr(exc, "message", None) or str(exc)
    except Exception as exc:  # one bad page never stops the others
        result.status, result.reason = "failed", f"internal error: {type(exc).__name__}: {exc}"
    return Rendered(result)
