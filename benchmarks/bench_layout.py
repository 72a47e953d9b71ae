"""Layout report over a corpus: pages per leaflet, last-page fill, under-filled pages, QR page.

Usage: python benchmarks/bench_layout.py [CORPUS_DIR] [--sizes standard,large] [--paper a4]
                                         [-j 2] [--limit N] [--json FILE]
Renders every leaflet of the corpus (pages that are not leaflets are skipped) and measures each
PDF with pdfplumber (tests/pdf_layout.py): the share of the printable height each page uses, the
text lines of the last page, and the page the QR code is on. Exit 1 when a leaflet breaks a
pagination rule of issue 12 (a page but the last under 55% full, a last page of fewer than six
lines, the QR code off page 1), so CI can run it as a check.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from pdf_layout import MIN_FILL, measure, short_last_page, under_filled  # noqa: E402

from leaflets import NotALeafletError, Settings  # noqa: E402
from leaflets.discover import page_files  # noqa: E402
from leaflets.errors import LeafletError  # noqa: E402

BASE_URL = "https://rxhive.zynapte.com"


def one(args: tuple[str, str, str]) -> dict:
    path, size, paper = args
    from leaflets.pdf import render_pdf
    from leaflets.reader import parse_page

    settings = Settings(base_url=BASE_URL, size=size, paper=paper)
    try:
        leaflet = parse_page(Path(path).read_bytes(), Path(path))
    except NotALeafletError:
        return {"path": path, "size": size, "status": "refused"}
    try:
        data, _ = render_pdf(leaflet, settings)
    except LeafletError as exc:
        return {"path": path, "size": size, "status": "failed", "reason": str(exc)}
    pages = measure(io.BytesIO(data), paper)
    qr_pages = [p.number for p in pages if p.qr]
    return {
        "path": path,
        "size": size,
        "status": "ok",
        "pages": len(pages),
        "fills": [p.fill for p in pages],
        "last_lines": pages[-1].lines,
        "under_filled": [p.number for p in under_filled(pages)],
        "short_last": short_last_page(pages),
        "qr_pages": qr_pages,
    }


def quartiles(values: list[float]) -> str:
    if len(values) < 2:
        return ", ".join(f"{v:.2f}" for v in values)
    q = statistics.quantiles(values, n=4, method="inclusive")
    return f"min {min(values):.2f}  q1 {q[0]:.2f}  median {q[1]:.2f}  q3 {q[2]:.2f}  max {max(values):.2f}"


def report(results: list[dict], size: str) -> list[str]:
    ok = [r for r in results if r["status"] == "ok" and r["size"] == size]
    failed = [r for r in results if r["status"] == "failed" and r["size"] == size]
    lines = [f"== {size}: {len(ok)} leaflets ({len(failed)} failed to render)"]
    if not ok:
        return lines
    pages = Counter(r["pages"] for r in ok)
    lines.append("pages per leaflet: " + "  ".join(f"{n}p: {c}" for n, c in sorted(pages.items())))
    lines.append(f"  mean {statistics.mean(r['pages'] for r in ok):.2f}")
    multi = [r for r in ok if r["pages"] > 1]
    lines.append("last-page fill (multi-page): " + quartiles([r["fills"][-1] for r in multi]))
    buckets = Counter(min(int(r["fills"][-1] * 10), 9) for r in multi)
    lines.append("  histogram: " + "  ".join(f"{b * 10}-{b * 10 + 10}%: {buckets[b]}" for b in range(10)))
    under = [r for r in ok if r["under_filled"]]
    short = [r for r in ok if r["short_last"]]
    off = [r for r in ok if r["qr_pages"] != [1]]
    alone = [r for r in ok if r["qr_pages"] and r["pages"] > 1 and r["fills"][r["qr_pages"][0] - 1] < 0.3]
    share = 100 / len(ok)
    lines.append(f"a page (not the last) under {MIN_FILL:.0%} full: {len(under)} ({len(under) * share:.1f}%)")
    lines.append(f"leaflets whose last page has < 6 lines: {len(short)} ({len(short) * share:.1f}%)")
    lines.append(
        f"QR code not on page 1: {len(off)} ({len(off) * share:.1f}%); nearly alone on a page: {len(alone)}"
    )
    return lines


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", nargs="?", default=str(ROOT.parent / "shared" / "corpus"))
    ap.add_argument("--sizes", default="standard,large")
    ap.add_argument("--paper", default="a4")
    ap.add_argument("-j", "--jobs", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--json", help="write every leaflet's figures here")
    args = ap.parse_args()
    paths = page_files(args.corpus)
    if args.limit:
        paths = paths[: args.limit]
    sizes = args.sizes.split(",")
    work = [(str(p), s, args.paper) for s in sizes for p in paths]
    t = time.perf_counter()
    results = []
    with ProcessPoolExecutor(args.jobs) as pool:
        for n, result in enumerate(pool.map(one, work, chunksize=4), 1):
            results.append(result)
            if n % 50 == 0:
                print(f"  {n}/{len(work)} rendered", file=sys.stderr, flush=True)
    print(f"{len(paths)} pages of {args.corpus}, paper {args.paper}, {time.perf_counter() - t:.0f} s")
    for size in sizes:
        print("\n".join(report(results, size)))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    bad = [
        r
        for r in results
        if r["status"] == "failed"
        or (r["status"] == "ok" and (r["under_filled"] or r["short_last"] or r["qr_pages"] != [1]))
    ]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
