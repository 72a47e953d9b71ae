"""Where render jobs run: one small interface, a local pool of worker processes behind it.

An executor takes a function and jobs and yields results as they finish, in any order. It must
survive a job that raises (the job function never does), a worker that dies and a job that never
ends. The local pool holds a bounded window of jobs (two per worker), so that memory does not grow
with the size of the library, and it owns its processes, so that stopping one stuck or dead
worker touches no other page:

- a job that runs past its time limit: its worker is killed, the page is reported failed, and a
  fresh worker takes its place; the pages queued behind it are handed to the other workers;
- a worker that dies: its page is tried once more, alone in a fresh worker, then reported;
- a worker whose memory keeps growing is retired after its current jobs and replaced.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from .errors import BuildError
from .jobs import failed, init_worker, job_limit, warm_up, worker_context
from .settings import Settings

LOGGER = logging.getLogger(__name__)

#: A page whose worker died is tried again this many times, alone, before it is reported failed.
WORKER_DEATH_RETRIES = 1
#: Jobs handed to one worker at a time: one running, one waiting, so it never idles on the parent.
DEPTH = 2
#: A worker's peak resident memory after this many pages is its baseline for recycling
#: (WeasyPrint's caches fill over the first hundred pages or so: 63 MB warm, 86 after 25 pages,
#: 94 after 100, then 2.5 to 4 MB per 100 pages more, even on pages it has seen before)...
BASELINE_PAGES = 100
#: ...and, from then on, it is replaced once its peak passes this much over the lowest baseline
#: any worker of the pool has shown. One ceiling for the pool, not one per worker: baselines
#: differ by 15% with the pages each worker happened to get first, so per-worker ceilings let the
#: pool's peak creep up with every new worker (94 -> 100 MB over 1,600 pages; one ceiling:
#: 96 -> 98). A replacement forks from the preloaded server (``jobs.worker_context``) and costs
#: about half a CPU-second.
RECYCLE_GROWTH = 1.05
#: Workers that may die during their warm-up before the build gives up (a broken install).
MAX_FAILED_STARTS = 3


class Executor(Protocol):
    """Runs jobs, yielding results as they finish. One may also have ``prepare()``, which the
    build calls once, while it still plans, when it finds the first page to render."""

    def run(self, fn: Callable[[Any], Any], jobs: Iterable[Any]) -> Iterator[Any]: ...

    def cancel(self) -> None: ...

    def close(self) -> None: ...


def _peak() -> int:
    """This process's peak resident memory so far in bytes (0 where /proc is missing): what a
    worker's growth is judged on, since the peak, not the memory between pages, is what the
    machine must hold."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            line = next(line for line in fh if line.startswith("VmHWM:"))
        return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError, StopIteration):
        return 0


def _worker_main(conn, inbox, fn, settings: Settings, sizes: tuple[str, ...]) -> None:
    """A worker: warm up, then run jobs from ``inbox`` until told to stop (None)."""
    init_worker(settings, sizes)
    conn.send(("ready", _peak()))
    while (job := inbox.get()) is not None:
        conn.send(("done", fn(job), _peak()))
    conn.close()


@dataclass
class _Worker:
    process: Any
    conn: Any
    inbox: Any
    #: Jobs handed over and not yet back, oldest (the running one) first: (index, job).
    assigned: deque = field(default_factory=deque)
    ready: bool = False
    #: When the oldest assigned job started running.
    started: float = 0.0
    done: int = 0
    retiring: bool = False
    #: A worker running a page again after a worker death takes no other job.
    alone: bool = False


class _Line:
    """The jobs waiting for a worker: taken back from a stopped worker first, then the next ones
    from the caller's iterator, read one at a time (never the whole library at once)."""

    def __init__(self, first: Any, source: Iterator[Any]):
        self.source = source
        self.waiting: deque = deque([first])
        #: Pages to run again, alone, after their worker died.
        self.retry: deque = deque()
        self._deaths: dict[int, int] = {}

    def take(self) -> Any | None:
        if self.waiting:
            return self.waiting.popleft()
        return next(self.source, None)

    def left(self) -> bool:
        if not (self.waiting or self.retry) and (job := next(self.source, None)) is not None:
            self.waiting.append(job)
        return bool(self.waiting or self.retry)

    def requeue(self, jobs: Iterable[Any]) -> None:
        """Jobs a stopped worker never started go to the front, in their order."""
        self.waiting.extendleft(reversed(list(jobs)))

    def died(self, job: Any) -> int:
        """Count a worker death while running ``job``: how many so far."""
        self._deaths[id(job)] = self._deaths.get(id(job), 0) + 1
        return self._deaths[id(job)]


class LocalExecutor:
    """Worker processes on this machine (``jobs`` of them); ``jobs=0`` renders in this process,
    without a wall-clock limit per job (the render deadline still applies)."""

    def __init__(self, jobs: int, settings: Settings, sizes: tuple[str, ...], *, limit: float | None = None):
        self.jobs = max(0, jobs)
        self.settings = settings
        self.sizes = sizes
        #: Seconds one job may run; None: derived from the job (see ``jobs.job_limit``).
        self.limit = limit
        self._workers: list[_Worker] = []
        self._events: queue.Queue = queue.Queue()
        self._context = worker_context()
        #: Worker processes started so far (a measure for tests and benchmarks).
        self.started = 0
        self._failed_starts = 0
        #: The lowest baseline of any worker so far: the pool's recycling reference.
        self._floor = 0

    # -- workers -------------------------------------------------------------------------------

    def _spawn(self, fn) -> _Worker:
        parent, child = self._context.Pipe(duplex=False)
        inbox = self._context.Queue()  # a feeder thread: putting a job never blocks
        process = self._context.Process(
            target=_worker_main, args=(child, inbox, fn, self.settings, self.sizes), daemon=True
        )
        process.start()
        child.close()
        worker = _Worker(process, parent, inbox)
        self._workers.append(worker)
        self.started += 1
        # One reader thread per worker: a result is received at once, whatever the parent is
        # busy with, so a worker never blocks on sending it.
        threading.Thread(target=self._read, args=(worker,), daemon=True).start()
        return worker

    def _read(self, worker: _Worker) -> None:
        try:
            while True:
                self._events.put((worker, worker.conn.recv()))
        except (EOFError, OSError):
            self._events.put((worker, ("gone",)))

    def _stop(self, worker: _Worker, kill: bool = False) -> None:
        if worker in self._workers:
            self._workers.remove(worker)
        if kill:
            worker.process.kill()
        else:
            try:
                worker.inbox.put(None)
            except OSError:
                worker.process.kill()
        worker.process.join(timeout=None if kill else 10)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()
        worker.inbox.cancel_join_thread()  # a job it never read is dropped, not waited on
        worker.inbox.close()
        worker.conn.close()

    # -- running -------------------------------------------------------------------------------

    def prepare(self) -> None:
        """Start the server that workers fork from now, so that it imports WeasyPrint while the
        build still plans (the plan calls this when it finds the first page to render)."""
        if self.jobs:
            from multiprocessing import forkserver

            forkserver.ensure_running()

    def run(self, fn: Callable[[Any], Any], jobs: Iterable[Any]) -> Iterator[Any]:
        source = iter(jobs)
        first = next(source, None)
        if first is None:
            return  # nothing to render: no worker is started
        if self.jobs == 0:
            warm_up(self.settings, self.sizes)
            yield fn(first)
            for job in source:
                yield fn(job)
            return
        yield from self._pooled(fn, first, source)

    def _pooled(self, fn, first, source: Iterator[Any]) -> Iterator[Any]:
        line = _Line(first, source)
        try:
            for _ in range(self.jobs):
                self._spawn(fn)
            while True:
                self._feed(line)
                if not any(w.assigned for w in self._workers) and not line.left():
                    break
                try:
                    worker, message = self._events.get(timeout=self._wait())
                except queue.Empty:
                    pass
                else:
                    yield from self._handle(fn, worker, message, line)
                yield from self._expire(fn, line)
        finally:
            for worker in list(self._workers):
                self._stop(worker, kill=bool(worker.assigned))

    def _feed(self, line: _Line) -> None:
        """Hand jobs to every ready worker, up to DEPTH each; a retried page runs alone."""
        for worker in list(self._workers):
            if not worker.ready or worker.retiring:
                continue
            if line.retry and not worker.assigned:
                self._assign(worker, line.retry.popleft())
                worker.alone = True
                continue
            while not worker.alone and len(worker.assigned) < DEPTH and (job := line.take()) is not None:
                self._assign(worker, job)

    def _assign(self, worker: _Worker, job: Any) -> None:
        if not worker.assigned:
            worker.started = time.monotonic()
        worker.assigned.append(job)
        worker.inbox.put(job)

    def _wait(self) -> float:
        """Seconds until the nearest job deadline (at most one)."""
        now = time.monotonic()
        deadlines = [w.started + self._limit(w.assigned[0]) - now for w in self._workers if w.assigned]
        return max(0.01, min([1.0, *deadlines]))

    def _limit(self, job: Any) -> float:
        return self.limit if self.limit is not None else job_limit(job)

    def _replace(self, fn, line: _Line) -> None:
        """Start a worker in place of a stopped one, if anything is left to do."""
        if line.left() or any(w.assigned for w in self._workers):
            self._spawn(fn)

    def _handle(self, fn, worker: _Worker, message: tuple, line: _Line) -> Iterator[Any]:
        if worker not in self._workers:
            return  # sent by a worker that was stopped in the meantime
        kind = message[0]
        if kind == "ready":
            worker.ready = True
        elif kind == "done":
            _, result, peak = message
            worker.assigned.popleft()
            worker.started = time.monotonic()
            worker.done += 1
            worker.alone = False
            if worker.done == BASELINE_PAGES:
                self._floor = min(self._floor or peak, peak)
            if worker.done >= BASELINE_PAGES and peak > self._floor * RECYCLE_GROWTH and not worker.retiring:
                LOGGER.debug("worker %s peaked at %d MB: replaced", worker.process.pid, peak >> 20)
                worker.retiring = True
                self._spawn(fn)
            if worker.retiring and not worker.assigned:
                self._stop(worker)
            yield result
        elif kind == "gone":
            # The worker died (a crash, the OOM killer). Its running page is suspect: it is tried
            # once more, alone; the pages queued behind it never started and go back in line.
            self._stop(worker, kill=True)
            if not worker.ready:
                self._failed_starts += 1
                if self._failed_starts >= MAX_FAILED_STARTS:
                    raise BuildError("the worker processes exit before they are ready (see above)")
            if worker.assigned:
                job = worker.assigned.popleft()
                line.requeue(worker.assigned)
                if line.died(job) > WORKER_DEATH_RETRIES:
                    LOGGER.error("a worker died while rendering %s", getattr(job, "source", job))
                    yield failed(job, "the worker process died while rendering this page")
                else:
                    line.retry.append(job)
            self._replace(fn, line)

    def _expire(self, fn, line: _Line) -> Iterator[Any]:
        """Kill the worker of every job past its time limit and report that page failed."""
        now = time.monotonic()
        for worker in list(self._workers):
            if not worker.assigned or now - worker.started <= self._limit(worker.assigned[0]):
                continue
            job = worker.assigned.popleft()
            line.requeue(worker.assigned)
            worker.assigned.clear()
            self._stop(worker, kill=True)
            limit = self._limit(job)
            LOGGER.error("%s: stopped after %g s", getattr(job, "source", job), limit)
            yield failed(
                job, f"stopped after {limit:g} s: the page took too long (it is tried again next build)"
            )
            self._replace(fn, line)

    def cancel(self) -> None:
        """Stop now: drop queued jobs and end the workers (an interrupt)."""
        for worker in list(self._workers):
            worker.assigned.clear()
            self._stop(worker, kill=True)

    def close(self) -> None:
        for worker in list(self._workers):
            self._stop(worker, kill=bool(worker.assigned))
