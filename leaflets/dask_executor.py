"""Render jobs on a Dask distributed cluster (``pip install leaflets[dask]``).

Same interface as the local pool: the client plans and skips unchanged pages, ships one job per
page (settings included), and writes what comes back. Each worker receives the templates, the
stylesheets and the logo once, through a worker plugin that also warms WeasyPrint up.
"""

from __future__ import annotations

import logging
import uuid
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
            import dask
            from distributed import Client, LocalCluster
        except ImportError:
            raise BuildError("the dask executor needs Dask: pip install 'leaflets[dask]'") from None
        self.cluster = None
        self._futures: list = []
        if client is not None:
            self.client, self._own_client = client, False
        elif scheduler:
            try:
                self.client = Client(scheduler, timeout="15s")
            except (OSError, TimeoutError) as exc:
                raise BuildError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
            self._own_client = True
        else:
            with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES}):
                self.cluster = LocalCluster(
                    n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
                )
            self.client, self._own_client = Client(self.cluster), True
        plugin = _plugin_class()(settings, sizes, assets.sources(settings))
        self.client.register_plugin(plugin)

    def run(self, fn: Callable[[Any], Any], jobs: Iterable[Any]) -> Iterator[Any]:
        from distributed import as_completed

        jobs = list(jobs)
        if not jobs:
            return
        # A few pages per task: Dask's per-task cost (tens of ms) is then paid once per batch,
        # while every worker still gets several batches to balance the load.
        workers = max(1, len(self.client.scheduler_info(n_workers=-1).get("workers", {})) or 1)
        size = max(1, min(MAX_BATCH, len(jobs) // (workers * 4)))
        batches = [jobs[i : i + size] for i in range(0, len(jobs), size)]
        # Keys must be unique per run: two copies of a page share a content hash.
        run = uuid.uuid4().hex[:12]
        futures = {
            self.client.submit(_run_batch, fn, batch, key=f"leaflets-{run}-{n}", pure=False): batch
            for n, batch in enumerate(batches)
        }
        self._futures = list(futures)
        for future in as_completed(futures):
            batch = futures[future]
            try:
                results = future.result()
            except Exception as exc:  # KilledWorker and friends: these pages, not the run, failed
                LOGGER.error("%s: %s", ", ".join(j.source for j in batch), type(exc).__name__)
                reason = f"the Dask worker was lost while rendering this page ({type(exc).__name__})"
                results = [failed(job, reason) for job in batch]
            finally:
                future.release()
            yield from results

    def cancel(self) -> None:
        if self._futures:
            self.client.cancel(self._futures, force=True)
            self._futures = []

    def close(self) -> None:
        if self._own_client:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
