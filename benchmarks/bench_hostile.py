"""Time the worst hostile pages of issue 13 against an ordinary page, in one process.

Each hostile page is parsed (or refused) as ``render`` and ``check`` would; the time is printed
with its ratio to parsing the sample Baclofen page. Before the raw-text limits, the first case
took minutes; ``--cap SECONDS`` stops a case that runs longer (it is then reported as "> cap").

    python benchmarks/bench_hostile.py [--cap 60]
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAD = b"---\ntitle: Zomirex\n---\n\n# Zomirex\n\n"
CASES = {
    "150,000 nested <span> on one line": HEAD + b"**Usage:** " + b"<span>" * 150_000 + b"z\n",
    "10,000 '<ul' with no '>'": HEAD + b"**Usage:** " + b"<ul" * 10_000 + b"z\n",
    "5,000 '[' in a paragraph": HEAD + b"**Usage:** " + b"[" * 5_000 + b"z\n",
    "2,000 '[z](' in a paragraph": HEAD + b"**Usage:** " + b"[z](" * 2_000 + b"\n",
    "200 tags split across lines": HEAD + b"**Usage:**\n\n" + b"<ul\n><li\n>" * 200 + b"z\n",
    "front matter 3,000 deep": b"---\ntitle: Z\nx: " + b"[" * 3000 + b"]" * 3000 + b"\n---\n**Usage:** z\n",
}


def _run(data: bytes, queue) -> None:
    from leaflets.errors import LeafletError
    from leaflets.reader import parse_page

    parse_page((ROOT / "content/b/baclofen.md").read_bytes(), "warm.md")  # imports and caches
    started = time.perf_counter()
    try:
        parse_page(data, "hostile.md")
        outcome = "parsed"
    except LeafletError as exc:
        outcome = "refused: " + exc.message[:60]
    except Exception as exc:  # the "before" code crashes on some of these
        outcome = f"crashed: {type(exc).__name__}"
    queue.put((time.perf_counter() - started, outcome))


def timed(data: bytes, cap: float) -> tuple[float | None, str]:
    queue = multiprocessing.Queue()
    proc = multiprocessing.Process(target=_run, args=(data, queue))
    proc.start()
    proc.join(cap)
    if proc.is_alive():
        proc.kill()
        proc.join()
        return None, "still running"
    return queue.get()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cap", type=float, default=60.0)
    cap = parser.parse_args().cap
    baseline, _ = timed((ROOT / "content/b/baclofen.md").read_bytes(), cap)
    print(f"baseline: parse content/b/baclofen.md {baseline * 1000:.1f} ms (warm)")
    for name, data in CASES.items():
        spent, outcome = timed(data, cap)
        shown = f"> {cap:g} s" if spent is None else f"{spent:.3f} s ({spent / baseline:,.1f}x)"
        print(f"{name:36} {shown:>22}  {outcome}")


if __name__ == "__main__":
    main()
