"""Render jobs on a Dask distributed cluster (``pip install leaflets[dask]``).

Same interface as the local pool: the client plans and skips unchanged pages, ships one job per
page (settings included), and writes what comes back. Each worker receives the templates, the
stylesheets and the logo once, through a worker plugin that also warms WeasyPrint up.
"""

from __future__ import annotations

import itertools
import logging
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from . import assets
from .errors import BuildError
from .jobs import failed, warm_up
from .settings import Settings

LOGGER = logging.getLogger(__name__)

#: How often the scheduler may lose a worker while it runs one page before it gives up on it.
ALLOWED_FAILURES = 2
#: Pages in one Dask task at most.
MAX_BATCH = 8
#: Tasks out at a time per worker.
WINDOW = 3


def _batches(jobs: Iterator[Any], workers: int) -> Iterator[list[Any]]:
    """Batches sized by a bounded look-ahead: a few pages per task, while every worker still gets
    several tasks to balance the load (a small library goes one page per task)."""
    ahead: deque = deque()
    while True:
        while len(ahead) < workers * 4 * MAX_BATCH and (job := next(jobs, None)) is not None:
            ahead.append(job)
        if not ahead:
            return
        size = max(1, min(MAX_BATCH, len(ahead) // (workers * 4)))
        yield [ahead.popleft() for _ in range(min(size, len(ahead)))]


def _run_batch(fn: Callable[[Any], Any], batch: list[Any]) -> list[Any]:
    return [fn(job) for job in batch]


def _plugin_class():
    from distributed.diagnostics.plugin import WorkerPlugin

    class LeafletsWorker(WorkerPlugin):
        """Set up once per worker: the shipped sources, then fonts and parsed CSS."""

        name = "leaflets"

        def __init__(self, settings: Settings, sizes: tuple[str, ...], sources: dict[str, str]):
            self.settings = settings
            self.sizes = sizes
            self.sources = sources

        def setup(self, worker) -> None:
            assets.use_sources(self.sources)
            warm_up(self.settings, self.sizes)

    return LeafletsWorker


class DaskExecutor:
    """Jobs as Dask tasks: on the scheduler at ``scheduler``, or on a LocalCluster of
    ``workers`` processes on this machine when no address is given."""

    def __init__(
        self,
        settings: Settings,
        sizes: tuple[str, ...],
        *,
        scheduler: str | None = None,
        workers: int = 2,
        client=None,
    ):
        try:
            import dask  # noqa: F401
            import distributed  # noqa: F401
        except ImportError:
            raise BuildError("the dask executor needs Dask: pip install 'leaflets[dask]'") from None
        self.cluster = None
        self._ready = False
        self._futures: dict = {}
        self._settings, self._sizes, self._scheduler, self._workers = settings, sizes, scheduler, workers
        # Connected when there is something to render: a rebuild with nothing to do starts nothing.
        self.client, self._own_client = client, False

    def _connect(self) -> None:
        import dask
        from distributed import Client, LocalCluster

        if self.client is None and self._scheduler:
            try:
                self.client = Client(self._scheduler, timeout="15s")
            except (OSError, TimeoutError) as exc:
                raise BuildError(f"cannot reach the Dask scheduler at {self._scheduler}: {exc}") from None
            self._own_client = True
        elif self.client is None:
            with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES}):
                self.cluster = LocalCluster(
                    n_workers=self._workers, threads_per_worker=1, processes=True, dashboard_address=None
                )
            self.client, self._own_client = Client(self.cluster), True
        plugin = _plugin_class()(self._settings, self._sizes, assets.sources(self._settings))
        self.client.register_plugin(plugin)
        self._ready = True

    def run(self, fn: Callable[[Any], Any], jobs: Iterable[Any]) -> Iterator[Any]:
        from distributed import as_completed

        source = iter(jobs)
        first = next(source, None)
        if first is None:
            return
        if not self._ready:
            self._connect()
        # Dask's per-task cost (tens of ms) is paid once per batch of pages. At most WINDOW
        # tasks per worker are out at a time, so that neither the client nor the scheduler holds
        # the library's bytes; each batch is released once its results are back.
        workers = max(1, len(self.client.scheduler_info(n_workers=-1).get("workers", {})) or 1)
        batches = _batches(itertools.chain([first], source), workers)
        run = uuid.uuid4().hex[:12]  # keys must be unique per run: two copies share a hash
        pending: dict = {}
        numbers = itertools.count()

        def submit() -> bool:
            batch = next(batches, None)
            if batch is None:
                return False
            key = f"leaflets-{run}-{next(numbers)}"
            future = self.client.submit(_run_batch, fn, batch, key=key, pure=False)
            pending[future] = batch
            stream.add(future)
            return True

        stream = as_completed()
        while len(pending) < workers * WINDOW and submit():
            pass
        self._futures = pending
        for future in stream:
            batch = pending.pop(future)
            try:
                results = future.result()
            except Exception as exc:  # KilledWorker and friends: these pages, not the run, failed
                LOGGER.error("%s: %s", ", ".join(j.source for j in batch), type(exc).__name__)
                reason = f"the Dask worker was lost while rendering this page ({type(exc).__name__})"
                results = [failed(job, reason) for job in batch]
            finally:
                future.release()
            submit()
            yield from results

    def cancel(self) -> None:
        if self._futures:
            self.client.cancel(list(self._futures), force=True)
            self._futures = {}

    def close(self) -> None:
        if self._own_client and self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
