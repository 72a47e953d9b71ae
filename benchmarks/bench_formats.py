"""Braille and audio cost per leaflet against the PDF render of the same page, in the same run.

Usage: python benchmarks/bench_formats.py [PAGE...] [--runs N]
Goals (issue 16): BRF ≤ 0.2× the PDF render; audio ≤ 5× for the standard leaflet. Each format is
warmed once (fonts and CSS, the liblouis table, espeak-ng's voice list), then timed; rounds
interleave the three formats so that load on a shared machine hits them alike. Also prints the
process CPU time of the audio's subprocesses (espeak-ng and lame), which the wall clock hides.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["b/baclofen.md", "i/ibuprofen.md", "m/metformin.md", "a/amoxicillin-clavulanic-acid.md"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", default=[str(ROOT / "content" / p) for p in PAGES])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from leaflets import load_settings, read_page
    from leaflets.audio import mp3_bytes
    from leaflets.braille import brf_bytes
    from leaflets.pdf import render_pdf

    settings = load_settings(ROOT / "leaflets.toml")
    makers = {"pdf": render_pdf, "brf": brf_bytes, "audio": mp3_bytes}
    print(f"{'page':<34} {'pdf s':>7} {'brf s':>7} {'audio s':>8} {'brf×':>6} {'audio×':>7} {'child cpu':>9}")
    ratios: dict[str, list[float]] = {"brf": [], "audio": []}
    for page in args.pages:
        leaflet = read_page(page, settings)
        for make in makers.values():
            make(leaflet, settings)  # warm: fonts, stylesheets, tables, voices
        times: dict[str, list[float]] = {name: [] for name in makers}
        child = []
        for _ in range(args.runs):
            for name, make in makers.items():
                before = os.times()
                start = time.perf_counter()
                make(leaflet, settings)
                times[name].append(time.perf_counter() - start)
                if name == "audio":
                    after = os.times()
                    child.append(after.children_user + after.children_system)
                    child[-1] -= before.children_user + before.children_system
        pdf, brf, audio = (statistics.median(times[n]) for n in makers)
        ratios["brf"].append(brf / pdf)
        ratios["audio"].append(audio / pdf)
        name = Path(page).stem[:34]
        cpu = statistics.median(child)
        print(f"{name:<34} {pdf:7.3f} {brf:7.3f} {audio:8.3f} {brf / pdf:6.3f} {audio / pdf:7.2f} {cpu:9.2f}")
    print(
        f"median ratio: BRF {statistics.median(ratios['brf']):.3f}× the PDF (goal ≤ 0.2×), "
        f"audio {statistics.median(ratios['audio']):.2f}× (goal ≤ 5×)"
    )


if __name__ == "__main__":
    main()
