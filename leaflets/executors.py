"""Where render jobs run: one small interface, a local process pool behind it by default.

An executor takes a function and jobs and yields results as they finish, in any order. It must
survive a job that raises (the job function never does) and a worker that dies.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from .jobs import failed, init_worker, warm_up
from .settings import Settings

LOGGER = logging.getLogger(__name__)

#: A page whose worker died is tried again this many times, alone, before it is reported failed.
WORKER_DEATH_RETRIES = 1


class Executor(Protocol):
    def run(self, fn: Callable[[Any], Any], jobs: Iterable[Any]) -> Iterator[Any]: ...

    def cancel(self) -> None: ...

    def close(self) -> None: ...


class LocalExecutor:
    """A process pool on this machine (``jobs`` workers); ``jobs=1`` renders in this process."""

    def __init__(self, jobs: int, settings: Settings, sizes: tuple[str, ...]):
        self.jobs = max(1, jobs)
        self.settings = settings
        self.sizes = sizes
        self._pool: cf.ProcessPoolExecutor | None = None

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        # fork would copy a parent that may hold threads; spawn-free forkserver is safe and fast.
        context = multiprocessing.get_context("forkserver")
        return cf.ProcessPoolExecutor(
            max_workers=self.jobs,
            mp_context=context,
            initializer=init_worker,
            initargs=(self.settings, self.sizes),
        )

    def run(self, fn: Callable[[Any], Any], jobs: Iterable[Any]) -> Iterator[Any]:
        jobs = list(jobs)
        if not jobs:
            return
        if self.jobs == 1:
            warm_up(self.settings, self.sizes)
            for job in jobs:
                yield fn(job)
            return
        attempts = dict.fromkeys(range(len(jobs)), 0)
        pending = list(range(len(jobs)))
        while pending:
            self._pool = self._pool or self._new_pool()
            futures = {self._pool.submit(fn, jobs[i]): i for i in pending}
            pending = []
            broken = False
            for future in cf.as_completed(futures):
                index = futures[future]
                try:
                    yield future.result()
                except BrokenProcessPool:
                    broken = True
                    attempts[index] += 1
                    if attempts[index] > WORKER_DEATH_RETRIES:
                        yield _dead(jobs[index])
                    else:
                        pending.append(index)
            if broken:
                # A dead worker breaks the whole pool: start a fresh one for what is left, and
                # retry the suspects one at a time so one crashing page cannot take others along.
                self._shutdown()
                if len(pending) > 1:
                    suspects, pending = pending, []
                    for index in suspects:
                        yield from self._alone(fn, jobs[index])

    def _alone(self, fn, job) -> Iterator[Any]:
        pool = self._new_pool()
        try:
            yield pool.submit(fn, job).result()
        except BrokenProcessPool:
            yield _dead(job)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def cancel(self) -> None:
        """Stop now: drop queued jobs and end the workers (an interrupt)."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        # The pool forgets its processes on shutdown: take them first, to end them for sure.
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=5)

    def close(self) -> None:
        self._shutdown()


def _dead(job: Any) -> Any:
    LOGGER.error("a worker died while rendering %s", getattr(job, "source", job))
    return failed(job, "the worker process died while rendering this page")
