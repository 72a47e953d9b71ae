"""The local pool: a bounded window of jobs, a wall-clock limit per job, and a dead or stuck
worker that costs its own page only (never a fresh pool for every pending page)."""

from __future__ import annotations

import os
import time
from collections import deque
from dataclasses import dataclass

import leaflets.executors as executors
from leaflets import Settings
from leaflets.executors import DEPTH, LocalExecutor


@dataclass(frozen=True)
class Toy:
    """A job the pool can run without WeasyPrint work: what it does is in its name."""

    source: str
    key: str = "k"


def act(job: Toy):
    """Runs in a worker: ``hang`` takes 300 s, ``crash`` kills the worker, the rest echo."""
    if job.source == "hang":
        time.sleep(300)
    if job.source == "crash":
        os._exit(3)
    if job.source.startswith("grow"):
        _HOARD.append(bytearray(os.urandom(1)) * (64 << 20))  # a cache that never lets go
    return job.source


_HOARD: list[bytearray] = []


def sources(results) -> list[str]:
    return sorted(r if isinstance(r, str) else f"{r.result.source}:{r.result.reason}" for r in results)


def test_a_job_past_its_limit_is_killed_and_only_it_fails():
    pool = LocalExecutor(2, Settings(), ("standard",), limit=4)
    jobs = [Toy(s) for s in ("a", "b", "hang", "c", "d", "e", "f")]
    started = time.monotonic()
    try:
        results = list(pool.run(act, jobs))
    finally:
        pool.close()
    elapsed = time.monotonic() - started
    done = sources(results)
    assert [d for d in done if ":" not in d] == ["a", "b", "c", "d", "e", "f"]
    (stuck,) = [d for d in done if ":" in d]
    assert stuck.startswith("hang:stopped after 4 s")
    # One replacement worker, not a pool per pending page; and the run did not wait for the
    # stuck page (warm-up of three workers included, on a busy machine).
    assert pool.started == 3
    assert elapsed < 250


def test_a_dead_worker_costs_its_page_one_retry_and_nothing_else():
    pool = LocalExecutor(2, Settings(), ("standard",), limit=120)
    jobs = [Toy(s) for s in ("a", "crash", "b", "c", "d")]
    try:
        results = list(pool.run(act, jobs))
    finally:
        pool.close()
    assert sources(results) == [
        "a",
        "b",
        "c",
        "crash:the worker process died while rendering this page",
        "d",
    ]
    assert pool.started == 4  # two, and one fresh worker after each of the two deaths


def test_only_the_dead_page_is_retried_not_the_pages_queued_behind_it(monkeypatch):
    """One worker holds DEPTH jobs: "crash" running, "b" queued behind it. Only the running page
    is suspect; "b" never started, so it goes back in line and is not made a retry (a retry runs
    alone, a worker to itself). The results alone cannot tell: this counts what is retried."""
    retried = []

    class Recorded(deque):
        def append(self, job):
            retried.append(job.source)
            super().append(job)

        def extend(self, jobs):
            jobs = list(jobs)
            retried.extend(j.source for j in jobs)
            super().extend(jobs)

    real_init = executors._Line.__init__

    def init(self, first, source):
        real_init(self, first, source)
        self.retry = Recorded()

    monkeypatch.setattr(executors._Line, "__init__", init)
    assert DEPTH >= 2
    pool = LocalExecutor(1, Settings(), ("standard",), limit=120)
    try:
        results = list(pool.run(act, [Toy(s) for s in ("crash", "b", "c")]))
    finally:
        pool.close()
    assert sources(results) == ["b", "c", "crash:the worker process died while rendering this page"]
    assert retried == ["crash"]


def test_the_pool_holds_a_bounded_window_of_jobs():
    """Jobs are read from the iterator as workers free up, never the whole library at once."""
    pulled = []

    def lazily():
        for n in range(40):
            pulled.append(n)
            yield Toy(f"p{n}")

    pool = LocalExecutor(2, Settings(), ("standard",), limit=120)
    ahead = []
    try:
        for n, _ in enumerate(pool.run(act, lazily()), 1):
            ahead.append(len(pulled) - n)
    finally:
        pool.close()
    assert len(ahead) == 40
    assert max(ahead) <= 2 * DEPTH + 1


def test_no_worker_starts_when_there_is_nothing_to_run():
    pool = LocalExecutor(2, Settings(), ("standard",), limit=120)
    assert list(pool.run(act, iter([]))) == []
    assert pool.started == 0


def test_a_worker_whose_memory_keeps_growing_is_replaced(monkeypatch):
    """Past its baseline (taken after BASELINE_PAGES pages) by RECYCLE_GROWTH, a worker finishes
    what it holds and a fresh one takes over; every page still comes back once."""
    from leaflets import executors

    monkeypatch.setattr(executors, "BASELINE_PAGES", 2)
    pool = LocalExecutor(1, Settings(), ("standard",), limit=120)
    jobs = [Toy(s) for s in ("a", "b", "grow1", "c", "d", "e")]
    try:
        results = list(pool.run(act, jobs))
    finally:
        pool.close()
    assert sources(results) == ["a", "b", "c", "d", "e", "grow1"]
    assert pool.started == 2  # the first worker, and the one that replaced it after grow1


def test_one_memory_ceiling_holds_for_the_whole_pool(monkeypatch):
    """A worker whose baseline is already past the pool's lowest baseline by RECYCLE_GROWTH (it
    got heavy pages first) is replaced at its baseline, though it grows no further: otherwise
    every new worker could raise the pool's peak a little more."""
    from leaflets import executors

    monkeypatch.setattr(executors, "BASELINE_PAGES", 2)
    pool = LocalExecutor(1, Settings(), ("standard",), limit=120)
    # The first worker: a, b (its baseline), grow1 (replaced), c (which it already held). The
    # second: grow2, d (a baseline 64 MB over the first's), and is replaced; a third does e, f.
    jobs = [Toy(s) for s in ("a", "b", "grow1", "c", "grow2", "d", "e", "f")]
    try:
        results = list(pool.run(act, jobs))
    finally:
        pool.close()
    assert sources(results) == ["a", "b", "c", "d", "e", "f", "grow1", "grow2"]
    assert pool.started == 3
