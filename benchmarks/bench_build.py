"""Bulk-export figures for `leaflets build`, each a ratio to a baseline measured in the same run.

Usage: python benchmarks/bench_build.py [--pages 200] [--runs 3] [--corpus DIR] [--jobs 2]
       python benchmarks/bench_build.py --memory 500,3000 [--corpus DIR]
       python benchmarks/bench_build.py --rebuild

1. floor: one process renders the same HTML with bare WeasyPrint (one FontConfiguration, CSS
   parsed once): leaflets/s.
2. `leaflets build -j 2`: leaflets/s and the ratio to the floor (goal ≥ 1.7× on 2 cores).
3. one `leaflets render` process per page (20 pages): how much faster build is (goal ≥ 6×).
4. a rebuild with nothing changed, as a fraction of the full build (goal ≤ 3%).
5. peak RSS of a build worker against a bare WeasyPrint process (goal ≤ 1.3×).
Medians of --runs runs; the machines are noisy, so read the ratios, not the seconds.

With --memory A,B: one `leaflets build -j 2` of B pages (the corpus's leaflet pages, or content/,
repeated), with the parent's and the workers' peak RSS read when A and when B pages are done
(goal: the parent grows by at most 10 MB between the two, a worker by at most 10%).

With --rebuild: a library of the sample pages plus 8 refused or broken ones; the time of a rebuild
with nothing changed, against the same rebuild of the good pages alone (both start no worker).

With --executor dask: `leaflets build --executor dask -j 2` (a LocalCluster of 2 workers) against
`--executor local -j 2` on the same pages, and the ratio (goal ≤ 1.15×), with the per-leaflet cost
and the per-task overhead that the README's estimate for N machines starts from.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LEAFLETS = [sys.executable, "-m", "leaflets"]
CONFIG = ["--config", str(ROOT / "leaflets.toml")]


def make_library(dest: Path, pages: int, source: Path | None) -> int:
    """content/ (or the corpus's leaflet pages) copied until there are at least `pages`."""
    from leaflets.errors import LeafletError
    from leaflets.reader import parse_page

    originals = []
    for path in sorted((source or ROOT / "content").rglob("*.md")):
        if path.name == "README.md":
            continue
        try:
            parse_page(path.read_bytes(), path)
        except LeafletError:
            continue  # refusals are not leaflets: the floor could not render them either
        originals.append(path)
    count, copy = 0, 0
    while count < pages or (source is not None and copy == 0):
        for path in originals:
            _copy_page(path, dest / f"copy{copy}" / path.name, copy)
            count += 1
        copy += 1
        if source is not None:
            break  # the corpus is big enough as it is
    return count


def _copy_page(path: Path, target: Path, copy: int) -> None:
    """A copy under its own slug: the path pattern gives the online path from the slug, and two
    pages claiming one path are both refused, so plain copies would time refusals."""
    if copy:
        target = target.with_name(f"{target.stem}-{copy}{target.suffix}")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, target)


def floor_script(library: Path, out_rss: Path) -> str:
    return f"""
import resource, sys, time
from pathlib import Path
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
sys.path.insert(0, {str(ROOT)!r})
from leaflets import load_settings
from leaflets.reader import parse_page
from leaflets.render import render_html
from leaflets.assets import stylesheet_texts
settings = load_settings({str(ROOT / "leaflets.toml")!r})
docs = [render_html(parse_page(p.read_bytes(), p), settings)
        for p in sorted(Path({str(library)!r}).rglob('*.md'))]
fonts = FontConfiguration()
css = [CSS(string=t, font_config=fonts) for t in stylesheet_texts(settings)]
start, wall = time.perf_counter(), time.time()
for html in docs:
    HTML(string=html).write_pdf(stylesheets=css, font_config=fonts, pdf_variant='pdf/ua-1')
elapsed = time.perf_counter() - start
Path({str(out_rss)!r}).write_text(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
print(len(docs) / elapsed, len(docs), wall, time.time())
"""


class PeakRSS:
    """Samples VmHWM (peak RSS) of every descendant of a process until it exits."""

    def __init__(self, pid: int):
        self.pid, self.peaks, self._stop = pid, {}, False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _children(self) -> list[int]:
        kids, frontier = [], [self.pid]
        while frontier:
            parent = frontier.pop()
            try:
                tasks = Path(f"/proc/{parent}/task").iterdir()
                for task in tasks:
                    for child in (task / "children").read_text().split():
                        kids.append(int(child))
                        frontier.append(int(child))
            except OSError:
                continue
        return kids

    def _run(self) -> None:
        while not self._stop:
            for pid in self._children():
                try:
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmHWM:"):
                            self.peaks[pid] = max(self.peaks.get(pid, 0), int(line.split()[1]))
                except OSError:
                    pass
            time.sleep(0.05)

    def stop(self) -> dict[int, int]:
        self._stop = True
        self.thread.join()
        return self.peaks


def timed(cmd: list[str], rss: bool = False) -> tuple[float, dict[int, int]]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    sampler = PeakRSS(proc.pid) if rss else None
    _, err = proc.communicate()
    elapsed = time.perf_counter() - start
    peaks = sampler.stop() if sampler else {}
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err.decode()}")
    return elapsed, peaks


def _steady_rate(cmd: list[str]) -> float:
    """Pages a second between the first and the last page done: the build without its start-up
    (imports, warm-up), which is what the floor's timing leaves out too."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    stamps = [time.perf_counter() for line in proc.stderr if line.startswith("[")]
    proc.wait()
    return (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0


def bench(library: Path, pages: int, runs: int, jobs: int, throughput_only: bool = False) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        build_cmd = [
            *LEAFLETS,
            "build",
            str(library),
            "-o",
            str(tmp / "dist"),
            "-j",
            str(jobs),
            "-q",
            *CONFIG,
        ]
        floors, floor_rss, pairs = [], [], []
        builds, rebuilds, worker_peaks, steady = [], [], [], []
        # Each run measures the floor, the pair and the build one after the other, so that a
        # machine that slows down for a minute slows all three, not one of them.
        for _ in range(runs):
            out = subprocess.run(
                [sys.executable, "-c", floor_script(library, tmp / "rss")],
                capture_output=True,
                text=True,
                check=True,
            )
            floors.append(float(out.stdout.split()[0]))
            floor_rss.append(int((tmp / "rss").read_text()))
            # Two bare WeasyPrint processes at once: what this machine's cores give together.
            procs = [
                subprocess.Popen(
                    [sys.executable, "-c", floor_script(library, tmp / f"r{n}")],
                    stdout=subprocess.PIPE,
                    text=True,
                )
                for n in range(2)
            ]
            # Pages over the span from the first start to the last end: a process that runs
            # alone for a while (the other still importing, or already done) counts as alone.
            # (Summing each process's own rate counted those stretches as if both ran.)
            spans = [p.communicate()[0].split()[1:] for p in procs]
            done = sum(int(s[0]) for s in spans)
            pairs.append(done / (max(float(s[2]) for s in spans) - min(float(s[1]) for s in spans)))
            elapsed, peaks = timed([*build_cmd, "--force"], rss=True)
            builds.append(elapsed)
            worker_peaks.append(_worker_peak(peaks))
            rebuilds.append(timed(build_cmd)[0])
            steady.append(_steady_rate([c for c in build_cmd if c != "-q"] + ["--force"]))
        singles = []
        if not throughput_only:
            for page in sorted(library.rglob("*.md"))[:20]:
                singles.append(
                    timed([*LEAFLETS, "render", str(page), "-o", str(tmp / "one.pdf"), *CONFIG])[0]
                )
    floor = statistics.median(floors)
    build = pages / statistics.median(builds)
    per_single = statistics.median(singles) if singles else 0.0
    per_build = statistics.median(builds) / pages
    rate = statistics.median(steady)
    rebuild = statistics.median(rebuilds) / statistics.median(builds)
    rss_ratio = statistics.median(worker_peaks) / statistics.median(floor_rss)
    print(f"pages: {pages}, runs: {runs}, build jobs: {jobs}, cores: {os.cpu_count()}")
    pair = statistics.median(pairs)
    print(f"1. floor, bare WeasyPrint in one process: {floor:.2f} leaflets/s")
    print(
        f"   two bare WeasyPrint processes at once: {pair:.2f} leaflets/s = {pair / floor:.2f}x "
        f"(the most these cores give)"
    )
    print(
        f"2. leaflets build -j {jobs}: {build:.2f} leaflets/s = {build / floor:.2f}x the floor "
        f"(goal >= 1.7x), {build / pair:.2f}x two bare processes (goal >= 0.92x)"
    )
    print(
        f"   without its start-up (first to last page): {rate:.2f} leaflets/s = "
        f"{rate / pair:.2f}x two bare processes (goal >= 0.92x)"
    )
    if throughput_only:
        return
    print(
        f"3. one `leaflets render` process per page: {per_single:.2f} s/page; build is "
        f"{per_single / per_build:.1f}x faster (goal >= 6x)"
    )
    print(f"4. rebuild with nothing changed: {100 * rebuild:.1f}% of the full build (goal <= 3%)")
    print(
        f"5. peak RSS: build worker {statistics.median(worker_peaks) / 1024:.0f} MiB, bare "
        f"WeasyPrint {statistics.median(floor_rss) / 1024:.0f} MiB = {rss_ratio:.2f}x (goal <= 1.3x)"
    )


def bench_dask(library: Path, pages: int, runs: int, jobs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        base = [*LEAFLETS, "build", str(library), "-j", str(jobs), "-q", "--force", *CONFIG]
        local, dask, empty_local, empty_dask = [], [], [], []
        empty = tmp / "empty"
        (empty / "a").mkdir(parents=True)
        for _ in range(runs):
            local.append(timed([*base, "-o", str(tmp / "local")])[0])
            dask.append(timed([*base, "-o", str(tmp / "dask"), "--executor", "dask"])[0])
            # The same commands on an empty library: start-up only (imports, pool, cluster).
            empty_local.append(
                timed(
                    [*LEAFLETS, "build", str(empty), "-o", str(tmp / "e1"), "-j", str(jobs), "-q", *CONFIG]
                )[0]
            )
            empty_dask.append(
                timed(
                    [
                        *LEAFLETS,
                        "build",
                        str(empty),
                        "-o",
                        str(tmp / "e2"),
                        "-j",
                        str(jobs),
                        "-q",
                        "--executor",
                        "dask",
                        *CONFIG,
                    ]
                )[0]
            )
    loc, dsk = statistics.median(local), statistics.median(dask)
    setup_loc, setup_dsk = statistics.median(empty_local), statistics.median(empty_dask)
    per_leaflet = (loc - setup_loc) * jobs / pages  # CPU-seconds of one leaflet on one worker
    per_task = ((dsk - setup_dsk) - (loc - setup_loc)) * jobs / pages
    print(f"pages: {pages}, runs: {runs}, workers: {jobs}")
    print(
        f"local -j {jobs}: {loc:.1f} s, dask LocalCluster of {jobs}: {dsk:.1f} s = {dsk / loc:.2f}x"
        f" (goal <= 1.15x)"
    )
    print(f"start-up: local {setup_loc:.1f} s, dask {setup_dsk:.1f} s")
    print(
        f"per leaflet on one worker: {per_leaflet * 1000:.0f} ms; dask overhead per task: "
        f"{per_task * 1000:.0f} ms"
    )


def _status(pid: int) -> dict[str, int]:
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmHWM:", "VmRSS:")):
                out[line.split(":")[0]] = int(line.split()[1])
    except OSError:
        pass
    return out


def bench_memory(checkpoints: list[int], source: Path | None, jobs: int) -> None:
    """Peak RSS of the build process and of its workers when each checkpoint is reached."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        pages = _repeated(tmp / "content", max(checkpoints), source)
        cmd = [*LEAFLETS, "build", str(tmp / "content"), "-o", str(tmp / "dist"), "-j", str(jobs), *CONFIG]
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        sampler = PeakRSS(proc.pid)
        seen, marks = 0, {}
        for line in proc.stderr:
            if line.startswith("["):
                seen += 1
                if seen in checkpoints:
                    workers = {pid: peak for pid, peak in sampler.peaks.items() if pid != proc.pid}
                    marks[seen] = (_status(proc.pid).get("VmHWM", 0), max(workers.values(), default=0))
        proc.wait()
        elapsed = time.perf_counter() - start
        sampler.stop()
    print(f"pages: {pages}, build jobs: {jobs}, {elapsed:.0f} s ({pages / elapsed:.1f} pages/s)")
    for n, (parent, worker) in sorted(marks.items()):
        print(
            f"after {n} pages: parent peak RSS {parent / 1024:.1f} MiB, "
            f"worker peak RSS {worker / 1024:.1f} MiB"
        )
    if len(marks) >= 2:
        (a, (pa, wa)), (b, (pb, wb)) = sorted(marks.items())[0], sorted(marks.items())[-1]
        print(
            f"from {a} to {b} pages: parent +{(pb - pa) / 1024:.1f} MiB (goal <= 10 MB), "
            f"worker {100 * (wb - wa) / max(wa, 1):+.1f}% (goal <= 10%)"
        )


def _repeated(dest: Path, pages: int, source: Path | None) -> int:
    """The leaflet pages of ``source`` (or content/), copied round after round up to ``pages``."""
    originals = [p for p in sorted((source or ROOT / "content").rglob("*.md")) if p.name != "README.md"]
    count = 0
    for copy in range(pages):
        for path in originals:
            if count == pages:
                return count
            _copy_page(path, dest / f"copy{copy}" / path.relative_to(source or ROOT / "content"), copy)
            count += 1
    return count


BAD_PAGES = {
    "x/refused-1.md": "---\ntitle: Zomirex\n---\nI cannot help with that request.\n",
    "x/refused-2.md": "---\ntitle: Zomirex\n---\nThere is no medication called Zomirex.\n",
    "x/broken-1.md": "---\ntitle: [unclosed\n---\n**Usage:** x\n",
    "x/broken-2.md": "---\ntitle: Zomirex\n",
    "x/empty.md": "",
    "x/binary.md": "\x00\x01\x02",
    "x/refused-3.md": "---\ntitle: Zomirex\n---\nNo information is available.\n",
    "x/broken-3.md": "---\n- a list\n---\n**Usage:** x\n",
}


def bench_rebuild(runs: int) -> None:
    """A rebuild with refused and broken pages against the good pages alone."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        good, mixed = tmp / "good", tmp / "mixed"
        shutil.copytree(ROOT / "content", good)
        shutil.copytree(ROOT / "content", mixed)
        for name, text in BAD_PAGES.items():
            (mixed / name).parent.mkdir(parents=True, exist_ok=True)
            (mixed / name).write_text(text)
        times, inside = {}, {}
        for lib in (good, mixed):
            cmd = [*LEAFLETS, "build", str(lib), "-o", str(tmp / f"out-{lib.name}"), "-j", "2", *CONFIG]
            timed(cmd)
            walls, own = [], []
            for _ in range(runs):
                start = time.perf_counter()
                err = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT).stderr
                walls.append(time.perf_counter() - start)
                own.append(float(re.findall(r" in ([0-9.]+) s$", err.strip())[-1]))
            times[lib.name], inside[lib.name] = statistics.median(walls), statistics.median(own)
    n_good = sum(1 for p in (ROOT / "content").rglob("*.md") if p.name != "README.md")
    print(
        f"rebuild, nothing changed, whole command (Python start-up included): {n_good} good pages "
        f"{times['good']:.2f} s; with {len(BAD_PAGES)} refused or broken pages {times['mixed']:.2f} s"
    )
    print(
        f"   the build itself (its summary line): {inside['good']:.1f} s and {inside['mixed']:.1f} s; "
        f"no worker started in either"
    )


def _worker_peak(peaks: dict[int, int]) -> int:
    """The pool's workers are the processes that rendered: the biggest peaks but the parent's
    forkserver; take the largest."""
    return max(peaks.values()) if peaks else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--executor", choices=["local", "dask"], default="local")
    ap.add_argument("--memory", default=None, metavar="A,B", help="peak RSS after A and after B pages")
    ap.add_argument("--rebuild", action="store_true", help="rebuild time with refused pages")
    ap.add_argument("--throughput", action="store_true", help="only steps 1 and 2")
    ap.add_argument(
        "--corpus",
        type=Path,
        default=None,
        help="also run on this corpus's leaflet pages (e.g. ../shared/corpus)",
    )
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.memory:
        bench_memory([int(n) for n in args.memory.split(",")], args.corpus, args.jobs)
        return
    if args.rebuild:
        bench_rebuild(args.runs)
        return
    with tempfile.TemporaryDirectory() as tmp:
        library = Path(tmp) / "content"
        pages = make_library(library, args.pages, None)
        print("== content/ repeated")
        if args.executor == "dask":
            bench_dask(library, pages, args.runs, args.jobs)
            return
        bench(library, pages, args.runs, args.jobs, args.throughput)
    if args.corpus:
        with tempfile.TemporaryDirectory() as tmp:
            library = Path(tmp) / "corpus"
            pages = make_library(library, 0, args.corpus)
            print("== corpus leaflet pages")
            bench(library, pages, args.runs, args.jobs)


if __name__ == "__main__":
    main()
