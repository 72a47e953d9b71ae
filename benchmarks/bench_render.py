"""Render time of one leaflet, cold (a fresh process) and warm (in-process), against bare WeasyPrint.

Usage: python benchmarks/bench_render.py [PAGE] [--runs N]
Prints medians and ratios; absolute times on these machines are noisy, ratios less so.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cold(page: str, runs: int) -> float:
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(runs):
            t = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "leaflets",
                    "render",
                    page,
                    "-o",
                    f"{tmp}/c.pdf",
                    "--config",
                    str(ROOT / "leaflets.toml"),
                ],
                check=True,
                capture_output=True,
            )
            times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("page", nargs="?", default=str(ROOT / "content" / "b" / "baclofen.md"))
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()

    t = time.perf_counter()
    import weasyprint  # noqa: F401

    from leaflets import load_settings, read_page
    from leaflets.pdf import render_pdf
    from leaflets.render import render_html

    import_s = time.perf_counter() - t
    settings = load_settings(ROOT / "leaflets.toml")
    leaflet = read_page(args.page, settings)
    t = time.perf_counter()
    _, pages = render_pdf(leaflet, settings)
    first = time.perf_counter() - t

    warm = []
    for _ in range(args.runs):
        t = time.perf_counter()
        render_pdf(read_page(args.page, settings), settings)
        warm.append(time.perf_counter() - t)

    # Floor: bare WeasyPrint on the same inlined HTML, reusing one FontConfiguration.
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    html = render_html(leaflet, settings, inline_css=True)
    fonts = FontConfiguration()
    floor = []
    for _ in range(args.runs):
        t = time.perf_counter()
        HTML(string=html).write_pdf(font_config=fonts, pdf_variant="pdf/ua-1")
        floor.append(time.perf_counter() - t)

    cold_s = cold(args.page, max(3, args.runs // 2))
    warm_s, floor_s = statistics.median(warm), statistics.median(floor)
    print(f"page: {args.page} ({pages} pages)")
    print(f"import weasyprint+leaflets: {import_s:.2f} s")
    print(f"first render in process:    {first:.3f} s")
    print(f"warm render (median of {args.runs}): {warm_s:.3f} s")
    print(f"bare WeasyPrint floor:      {floor_s:.3f} s")
    print(f"warm / floor ratio:         {warm_s / floor_s:.2f}x")
    print(f"cold CLI process (median):  {cold_s:.2f} s  = {cold_s / warm_s:.1f}x warm")


if __name__ == "__main__":
    main()
