"""The counter's renderer: a warm pool of WeasyPrint processes behind a bounded queue.

- At most ``queue_limit`` renders are admitted at once (running or waiting); past that a request
  gets ``Busy`` (503 with Retry-After) at once instead of queueing for ever.
- A worker that dies (killed, out of memory) breaks the pool: it is recreated, and the request is
  retried once. A render past its wall-clock limit has its workers killed, the same way.
- Unpersonalised PDFs are cached by (page, revision, size, paper); a personalised one never is,
  and a failed render is never cached.
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import logging
from collections import OrderedDict
from concurrent.futures.process import BrokenProcessPool

from starlette.concurrency import run_in_threadpool

from .errors import LeafletError, RenderError
from .i18n import Phrase
from .jobs import init_worker, wall_clock_limit, worker_context
from .model import Edition, Leaflet, Personal, Prescription
from .settings import PAPERS, SIZES, Settings

LOGGER = logging.getLogger(__name__)
CACHE_ENTRIES = 128
#: Renders admitted at once. A prescription is one render; the bound admits 20 prescriptions
#: arriving together (the counter issue's figure), with room for single leaflets besides.
QUEUE_LIMIT = 32
RETRY_AFTER = 5


class Busy(LeafletError):
    """More renders are waiting than the queue admits."""


def _render_leaflet(leaflet: Leaflet, settings: Settings, personal: Personal | None) -> bytes:
    """Runs in a worker: leaflet → PDF bytes. Patient data lives only in this call's memory."""
    from .pdf import render_pdf

    return render_pdf(leaflet, settings, personal)[0]


def _render_prescription(leaflets: list[Leaflet], prescription: Prescription, settings: Settings) -> bytes:
    from .prescription import render_prescription

    return render_prescription(leaflets, prescription, settings)[0]


def _render_alternative(
    fmt: str, leaflets: list[Leaflet], settings: Settings, personal: Personal | None, rx
) -> bytes:
    """Runs in a worker: BRF or MP3 bytes of one leaflet (for ``personal``) or of a whole
    prescription (``rx``)."""
    from . import audio, braille

    if rx is not None:
        whole = braille.prescription_brf if fmt == "brf" else audio.prescription_mp3
        return whole(leaflets, rx, settings)[0]
    one = braille.brf_bytes if fmt == "brf" else audio.mp3_bytes
    return one(leaflets[0], settings, personal)[0]


def _noop() -> None:
    return None


class Renderer:
    """A warm pool of WeasyPrint processes (``workers=0``: render in a thread of this process)."""

    def __init__(self, settings: Settings, workers: int, queue_limit: int = QUEUE_LIMIT):
        self.settings = settings
        self.workers = workers
        self.queue_limit = queue_limit
        self.pool: cf.ProcessPoolExecutor | None = None
        self.cache: OrderedDict[Edition, bytes] = OrderedDict()
        self.active = 0
        self.restarts = 0
        self.state = "stopped"
        self._lock = asyncio.Lock()

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        return cf.ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=worker_context(),
            initializer=init_worker,
            initargs=(self.settings, SIZES, PAPERS),
        )

    def start(self) -> None:
        if self.workers > 0:
            self.pool = self._new_pool()
            # Warm every worker now, not on a pharmacist's first click.
            for future in [self.pool.submit(_noop) for _ in range(self.workers)]:
                future.result()
        self.state = "ok"

    def stop(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        self.state = "stopped"

    def health(self) -> dict:
        return {
            "state": self.state,
            "workers": self.workers,
            "restarts": self.restarts,
            "active": self.active,
            "queue_limit": self.queue_limit,
        }

    async def _recreate(self, broken: cf.ProcessPoolExecutor | None) -> None:
        """Replace a broken pool (once, however many requests saw it break)."""
        async with self._lock:
            if self.pool is not broken or broken is None:
                return
            self.state = "restarting"
            LOGGER.warning("a PDF worker died; starting a fresh pool")
            _kill(broken)
            try:
                self.pool = await run_in_threadpool(self._new_pool)
            except Exception as exc:
                self.state = "broken"
                LOGGER.error("could not start PDF workers: %s", type(exc).__name__)
                raise RenderError("the PDF workers could not be restarted") from None
            self.restarts += 1
            self.state = "ok"

    async def run(self, fn, *args, seconds: float) -> bytes:
        """Run ``fn(*args)`` in a worker within ``seconds``, retried once on a fresh pool if
        the pool breaks. Raises Busy past the queue bound, RenderError on failure."""
        if self.active >= self.queue_limit:
            raise Busy(Phrase("busy", count=self.active))
        self.active += 1
        try:
            for attempt in (1, 2):
                pool = self.pool
                try:
                    if pool is None:
                        return await asyncio.wait_for(run_in_threadpool(fn, *args), seconds)
                    future = asyncio.get_running_loop().run_in_executor(pool, fn, *args)
                    return await asyncio.wait_for(future, seconds)
                except BrokenProcessPool:
                    await self._recreate(pool)
                    if attempt == 2:
                        raise RenderError("a PDF worker stopped twice while printing") from None
                except TimeoutError:
                    await self._recreate(pool)  # the stuck worker is killed with its pool
                    raise RenderError(f"printing took longer than {seconds:g} s and was stopped") from None
        finally:
            self.active -= 1
        raise AssertionError("unreachable")

    def _timeout(self, documents: int) -> float:
        # Each document's layout has its own deadline inside the worker; this is the backstop.
        return wall_clock_limit(self.settings, documents)

    async def pdf(self, leaflet: Leaflet, size: str, paper: str, personal: Personal | None = None) -> bytes:
        settings = self.settings.replace(size=size, paper=paper)
        key = Edition.of(leaflet, size, paper)
        if not personal and key in self.cache:
            self.cache.move_to_end(key)
            return self.cache[key]
        data = await self.run(_render_leaflet, leaflet, settings, personal or None, seconds=self._timeout(1))
        if not personal:  # patient data never reaches a cache key or a cached value
            self.cache[key] = data
            while len(self.cache) > CACHE_ENTRIES:
                self.cache.popitem(last=False)
        return data

    async def alternative(
        self,
        fmt: str,
        leaflets: list[Leaflet],
        personal: Personal | None = None,
        prescription: Prescription | None = None,
    ) -> bytes:
        """Braille (``brf``) or audio (``mp3``), in a worker within the deadline. The plain
        leaflet's is cached like its PDF (by page, revision and format); a patient's never is."""
        plain = prescription is None and not personal
        key = Edition.of(leaflets[0], "", "", fmt) if plain else None
        if key is not None and key in self.cache:
            self.cache.move_to_end(key)
            return self.cache[key]
        seconds = self._timeout(len(leaflets) + (prescription is not None))
        args = (fmt, leaflets, self.settings, personal or None, prescription)
        data = await self.run(_render_alternative, *args, seconds=seconds)
        if key is not None:
            self.cache[key] = data
            while len(self.cache) > CACHE_ENTRIES:
                self.cache.popitem(last=False)
        return data

    async def prescription(
        self, leaflets: list[Leaflet], prescription: Prescription, size: str, paper: str
    ) -> bytes:
        """A whole prescription, never cached: it is personal by nature."""
        settings = self.settings.replace(size=size, paper=paper)
        seconds = self._timeout(len(leaflets) + 1)
        return await self.run(_render_prescription, leaflets, prescription, settings, seconds=seconds)


def _kill(pool: cf.ProcessPoolExecutor) -> None:
    """Stop a pool's processes now: a stuck render never finishes by itself."""
    for process in list(getattr(pool, "_processes", {}).values()):  # no public handle to them
        if process.is_alive():
            process.kill()
    pool.shutdown(wait=False, cancel_futures=True)
