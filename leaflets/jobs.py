"""One page's render job, as a worker sees it: the job, what comes back, and the worker set-up.

``build`` makes jobs and writes results; the executors (local pool, Dask) and the counter's pool
run them. All of them import this module, and it imports none of them: no import cycle.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import signal
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

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
    #: The page's language, so that the site's index marks a title in another language.
    lang: str | None = None
    #: Hash of everything that shapes this page's output; equal hashes mean nothing to do.
    key: str = ""
    #: Sections where the page declines to inform ("I cannot provide …"), as ``file:line: …``.
    refusals: list[str] = field(default_factory=list)
    #: The products (sizes, and the site page) this result stands for, under ``key`` ("*": all,
    #: for a page that does not parse).
    built: list[str] = field(default_factory=list)
    #: Not a property of the page (a time-out, a dead worker, a full disk): try it again next
    #: build. A refusal or a broken page is kept with its key and not re-read.
    retry: bool = False

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
    #: PDFs of this page already on disk for this key: linked from the site page, not rendered.
    keep: tuple[Output, ...] = ()
    #: What the result stands for when the job succeeds (see ``PageResult.built``).
    products: tuple[str, ...] = ()
    #: Also make the braille (BRF) and the audio (MP3) files.
    brf: bool = False
    audio: bool = False


@dataclass
class Rendered:
    """What a worker sends back: the page's facts and, per output path, the bytes to write."""

    result: PageResult
    files: dict[str, bytes] = field(default_factory=dict)


def page_stem(source: str) -> str:
    """``b/baclofen.md`` → ``baclofen`` (``fr/b/baclofen.md`` → ``baclofen-fr``): the slug a page
    has before it is parsed (``discover.page_slug``)."""
    from .discover import page_slug

    return page_slug(source)


def failed(job: Job, reason: str) -> Rendered:
    """The result for a job that never finished: its worker died, or it ran out of time."""
    result = PageResult(
        job.source, page_stem(job.source), status="failed", reason=reason, key=job.key, retry=True
    )
    return Rendered(result)


def wall_clock_limit(settings: Settings, renders: int) -> float:
    """Wall-clock seconds a whole job may take, past which its worker is killed (a build job in
    ``executors``, a counter print in ``web_pool``): the render deadline for each file it
    renders, and as much again for reading, parsing and handing the result back."""
    return settings.render_timeout * (renders + 1)


def job_limit(job: Job) -> float:
    renders = (len(job.sizes) if job.pdf else 0) + job.html + job.brf + 3 * job.audio
    return wall_clock_limit(job.settings, renders)


def warm_up(settings: Settings, sizes: Iterable[str], papers: Iterable[str] | None = None) -> None:
    """Import WeasyPrint and parse the stylesheets once per worker, not once per page."""
    from .pdf import prepare

    for paper in papers or (settings.paper,):
        for size in sizes:
            prepare(settings.replace(size=size, paper=paper))


#: What every worker process starts with already imported. Workers fork from a server process
#: that imports these once, so a new worker (recycled, or replacing a dead one) pays its set-up,
#: about 0.1 s, instead of importing WeasyPrint again, about 1.3 s.
PRELOAD = ("leaflets.pdf", "leaflets.reader", "leaflets.render", "leaflets.site")


def worker_context():
    """The multiprocessing context of every worker pool (the build's and the counter's)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(PRELOAD))
    return context


def init_worker(settings: Settings, sizes: tuple[str, ...], papers: tuple[str, ...] | None = None) -> None:
    """A pool worker's initializer (build and counter alike)."""
    # Ctrl-C goes to the parent, which stops the pool; a worker must not die mid-job on its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warm_up(settings, sizes, papers)


def _output(name: str, size: str, pages: int, data: bytes) -> Output:
    return Output(name, size, pages, len(data), hashlib.sha256(data).hexdigest())


#: Where each kind of output is listed: PDFs by size, then braille, audio, the site page.
_ORDER = {"standard": 0, "large": 2, "xl": 3, "brf": 5, "audio": 6, "html": 9}


def _alternative(job: Job, leaflet, fmt: str) -> tuple[bytes, int]:
    if fmt == "brf":
        from .braille import brf_bytes

        return brf_bytes(leaflet, job.settings)
    from .audio import mp3_bytes

    return mp3_bytes(leaflet, job.settings)


def render_job(job: Job) -> Rendered:
    """Parse and render one page. Never raises: failures come back as a status and a reason."""
    from .discover import output_name
    from .errors import ContentError, DeadlineError, LeafletError, NotALeafletError
    from .pdf import render_pdf
    from .reader import parse_page
    from .render import leaflet_url

    result = PageResult(source=job.source, slug=page_stem(job.source), key=job.key)
    leaflet = None
    try:
        leaflet = parse_page(
            job.data, job.path, content_root=job.settings.content_dir, **job.settings.read_options
        )
        result.slug, result.title, result.revision = leaflet.slug, leaflet.title, leaflet.revision
        result.generic_name, result.lang = leaflet.generic_name, leaflet.lang
        result.refusals = [
            f"{job.path}{f':{p.line}' if p.line else ''}: {p.message}"
            for p in leaflet.problems
            if p.code == "partial-refusal"
        ]
        result.url = leaflet_url(leaflet, job.settings)
        files = {}
        result.outputs.extend(job.keep)
        for size in job.sizes if job.pdf else ():
            data, pages = render_pdf(leaflet, job.settings.replace(size=size))
            name = output_name(job.source, size)
            files[name] = data
            result.outputs.append(_output(name, size, pages, data))
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
            result.outputs.append(_output(name, fmt, pages, data))
        result.outputs.sort(key=lambda o: (_ORDER.get(o.size, 1), o.path))
        if job.html:
            from .site import render_page, site_path

            path = site_path(leaflet, job.settings)
            if path is not None:
                links = [(o.path, o.size) for o in result.outputs if o.size != "html"]
                data = render_page(leaflet, job.settings, path, links).encode("utf-8")
                files[path] = data
                result.outputs.append(_output(path, "html", 1, data))
        result.status, result.built = "rendered", list(job.products)
        if problems:
            result.status, result.reason = "failed", "; ".join(problems)
        return Rendered(result, files)
    except NotALeafletError as exc:
        result.status, result.reason = "refused", exc.message
    except (ContentError, LeafletError) as exc:
        result.status, result.reason = "failed", getattr(exc, "message", None) or str(exc)
        result.retry = isinstance(exc, DeadlineError)
    except Exception as exc:  # one bad page never stops the others
        result.status, result.reason = "failed", f"internal error: {type(exc).__name__}: {exc}"
        result.retry = True
    # A page that does not parse fails whatever is asked of it ("*"); a render failure, only for
    # the products asked this time.
    result.outputs, result.built = [], ["*"] if leaflet is None else list(job.products)
    return Rendered(result)
