"""`leaflets serve` figures, as ratios to bare WeasyPrint rendering the same HTML in this run.

Usage: python benchmarks/bench_serve.py [--runs 15] [--page baclofen]

- a warm personalised PDF request (POST, never cached) against the floor (goal ≤ 1.15×);
- a repeated unpersonalised PDF request (GET, served from the cache) (goal ≤ 0.1×);
- 20 concurrent PDF requests: how many succeed (goal: all).
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORM = {
    "size": "standard",
    "paper": "a4",
    "patient": "Test Patient",
    "directions": "Take 1 tablet three times a day",
    "initials": "AB",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, form: dict | None = None) -> tuple[int, bytes]:
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=120) as r:
        return r.status, r.read()


def timed(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--page", default="baclofen")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from leaflets import load_settings
    from leaflets.assets import stylesheet_texts
    from leaflets.cli import find_page
    from leaflets.model import Personal
    from leaflets.reader import read_page
    from leaflets.render import render_html

    settings = load_settings(ROOT / "leaflets.toml")
    leaflet = read_page(find_page(args.page, settings))
    personal = Personal(FORM["patient"], FORM["directions"], FORM["initials"])
    html = render_html(leaflet, settings, personal=personal)
    fonts = FontConfiguration()
    css = [CSS(string=t, font_config=fonts) for t in stylesheet_texts(settings)]
    HTML(string=html).write_pdf(stylesheets=css, font_config=fonts, pdf_variant="pdf/ua-1")

    def floor() -> None:
        HTML(string=html).write_pdf(stylesheets=css, font_config=fonts, pdf_variant="pdf/ua-1")

    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "leaflets",
            "serve",
            str(ROOT / "content"),
            "--port",
            str(port),
            "--workers",
            "2",
            "--config",
            str(ROOT / "leaflets.toml"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                fetch(base + "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        url = f"{base}/leaflets/{leaflet.slug}.pdf"
        for _ in range(4):  # warm both workers
            fetch(url, FORM)
        # Interleave the floor and the request, so the machine's drift hits both alike.
        floors, posts = [], []
        for _ in range(args.runs):
            floors.append(timed(floor, 1))
            posts.append(timed(lambda: fetch(url, FORM), 1))
        floor_s, post_s = statistics.median(floors), statistics.median(posts)
        pair_ratio = statistics.median(p / f for p, f in zip(posts, floors, strict=True))
        floor_again = timed(floor, 3)
        fetch(url + "?size=standard&paper=a4")
        cached_s = timed(lambda: fetch(url + "?size=standard&paper=a4"), args.runs)
        with cf.ThreadPoolExecutor(20) as pool:
            start = time.perf_counter()
            results = list(pool.map(lambda i: fetch(url, {**FORM, "patient": f"P{i}"}), range(20)))
            burst = time.perf_counter() - start
        ok = sum(status == 200 and body.startswith(b"%PDF") for status, body in results)
    finally:
        server.terminate()
        server.wait(timeout=30)
    floor_mid = statistics.median([floor_s, floor_again])
    ratio = pair_ratio
    cached = cached_s / floor_mid
    print(f"page: {leaflet.slug}, runs: {args.runs}, server workers: 2")
    print(f"floor (bare WeasyPrint, same HTML): {floor_s * 1000:.0f} ms, again {floor_again * 1000:.0f} ms")
    print(f"warm personalised POST: {post_s * 1000:.0f} ms = {ratio:.2f}x the floor (goal <= 1.15x)")
    print(f"repeat unpersonalised GET (cached): {cached_s * 1000:.1f} ms = {cached:.3f}x (goal <= 0.1x)")
    print(f"20 concurrent POSTs: {ok}/20 succeeded in {burst:.1f} s")


if __name__ == "__main__":
    main()
