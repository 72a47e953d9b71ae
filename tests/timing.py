"""How a test checks that work grows about linearly with its input, on a shared, loaded machine.

One helper for every such test (the ReDoS sweep over the package's patterns, the frequency-word
labels). Times are CPU time of this thread, so a pause while other processes hold the cores is
not counted; a step that looks too steep is measured again, each size repeated until one
measurement lasts well above timer noise, small and large in alternation, best of several
rounds, and only a step that stays too steep in every attempt fails. An exponential blow-up is
caught when one call passes CEILING (by wall time, then again by CPU time), before it could
hang the test.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

#: Doubling the input may at most triple the time (linear work doubles it; quadratic, fourfold).
FACTOR = 3.0
#: Wall time one call may take at any size before the work counts as exponential.
CEILING = 0.5
#: Each confirming measurement lasts at least this long (CPU seconds), far above timer noise.
MEASURE = 2e-3
#: Screening steps shorter than this (CPU seconds) are too close to timer noise to flag.
SCREEN_FLOOR = 5e-4


def once(call: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds of one call."""
    wall, cpu = time.perf_counter(), time.thread_time()
    call()
    return time.perf_counter() - wall, time.thread_time() - cpu


def too_slow(call: Callable[[], object]) -> float | None:
    """The seconds one call took when it passed CEILING twice: first by wall time, then, run
    again, by CPU time (a pause of the machine is not an exponential blow-up); else None."""
    wall, _ = once(call)
    if wall <= CEILING:
        return None
    _, cpu = once(call)
    return cpu if cpu > CEILING else None


def best_times(calls: list[Callable[[], object]], rounds: int = 7) -> list[float]:
    """Best CPU time per call of each callable, measured in alternation so that the load of the
    machine weighs on all of them alike; each measurement repeats its call to last MEASURE."""
    reps = [max(1, math.ceil(MEASURE / max(once(call)[1], 1e-7))) for call in calls]
    best = [math.inf] * len(calls)
    for _ in range(rounds):
        for i, call in enumerate(calls):
            start = time.thread_time()
            for _ in range(reps[i]):
                call()
            best[i] = min(best[i], (time.thread_time() - start) / reps[i])
    return best


def steep_step(small: Callable[[], object], large: Callable[[], object], attempts: int = 3):
    """None when ``large`` takes at most FACTOR times ``small`` in one of ``attempts`` careful
    measurements, else the (small, large) times of the last one."""
    for _ in range(attempts):
        a, b = best_times([small, large])
        if b <= FACTOR * a:
            return None
    return a, b


def growth_problem(
    make: Callable[[int], Callable[[], object]],
    sizes: list[int],
    describe: Callable[[int], str] = str,
    screen_floor: float = SCREEN_FLOOR,
) -> str | None:
    """None when the time grows at most FACTOR-fold per doubling of the size, else what went wrong.

    ``make(size)`` returns the work for an input of that size. Each size is run once (the
    screen); a step steeper than FACTOR, and longer than ``screen_floor``, is confirmed with
    :func:`steep_step` before it counts."""
    previous = None
    for size in sizes:
        call = make(size)
        wall, cpu = once(call)
        if wall > CEILING and (spent := too_slow(call)) is not None:
            return f"{spent:.2f} s on {describe(size)}"
        steep = previous is not None and cpu > FACTOR * previous[1] and cpu > screen_floor
        if steep and (times := steep_step(make(previous[0]), call)) is not None:
            a, b = times
            return (
                f"{a * 1e3:.3f} ms on {describe(previous[0])}, {b * 1e3:.3f} ms on "
                f"{describe(size)} (×{b / a:.1f} for ×{size / previous[0]:.0f} the input)"
            )
        previous = size, cpu
    return None
