"""`leaflets serve` figures, as ratios to bare WeasyPrint rendering the same HTML in this run.

Usage: python benchmarks/bench_serve.py [--runs 15] [--page baclofen]

- a warm personalised PDF request (POST, never cached) against the floor (goal ≤ 1.15×);
- a repeated unpersonalised PDF request (GET, served from the cache) (goal ≤ 0.1×);
- 20 concurrent PDF requests: how many succeed (goal: all);
- a three-medicine prescription (POST /prescriptions.pdf) against the sum of the three leaflets'
  floors, each the same personalised HTML through bare WeasyPrint (goal <= 1.2x);
- 20 concurrent three-medicine prescriptions: how many succeed (goal: all, within the queue bound).
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
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


def fetch(url: str, form: dict | list | None = None) -> tuple[int, bytes]:
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    origin = "/".join(url.split("/")[:3])  # the counter takes POSTs from its own pages only
    request = urllib.request.Request(url, data=data, headers={"Origin": origin})
    try:
        with urllib.request.urlopen(request, timeout=300) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


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
    ap.add_argument("--prescription", default="salbutamol,atorvastatin,omeprazole")
    ap.add_argument("--rx-runs", type=int, default=5)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from leaflets import load_settings
    from leaflets.assets import stylesheet_texts
    from leaflets.cli_common import find_page
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

    # The prescription's leaflets, each as the counter prints it (with its own label).
    rx_slugs = args.prescription.split(",")
    rx_items = [(slug, f"Directions for {slug}", "10 mg tablets", "28") for slug in rx_slugs]
    rx_html = []
    for slug, directions, strength, quantity in rx_items:
        page = read_page(find_page(slug, settings))
        mine = Personal(FORM["patient"], directions, FORM["initials"], strength, quantity, "2026-12-01")
        rx_html.append(render_html(page, settings, personal=mine))

    def rx_floor() -> None:
        for one in rx_html:
            HTML(string=one).write_pdf(stylesheets=css, font_config=fonts, pdf_variant="pdf/ua-1")

    def rx_form(patient: str) -> list[tuple[str, str]]:
        pairs = [("patient", patient), ("initials", "AB"), ("date", "2026-12-01")]
        for slug, directions, strength, quantity in rx_items:
            pairs += [("slug", slug), ("directions", directions)]
            pairs += [("strength", strength), ("quantity", quantity)]
        return pairs

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
        rx_url = f"{base}/prescriptions.pdf"
        status, body = fetch(rx_url, rx_form("Test Patient"))
        assert status == 200 and body.startswith(b"%PDF"), (status, body[:300])
        rx_floors, rx_posts = [], []
        for _ in range(args.rx_runs):
            rx_floors.append(timed(rx_floor, 1))
            rx_posts.append(timed(lambda: fetch(rx_url, rx_form("Test Patient")), 1))
        rx_ratio = statistics.median(p / f for p, f in zip(rx_posts, rx_floors, strict=True))
        with cf.ThreadPoolExecutor(20) as pool:
            start = time.perf_counter()
            rx_results = list(pool.map(lambda i: fetch(rx_url, rx_form(f"P{i}")), range(20)))
            rx_burst = time.perf_counter() - start
        rx_ok = sum(status == 200 and body.startswith(b"%PDF") for status, body in rx_results)
        rx_statuses = sorted({status for status, _ in rx_results})
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
    print(
        f"three-medicine prescription ({args.prescription}): {statistics.median(rx_posts) * 1000:.0f} ms "
        f"vs sum of three floors {statistics.median(rx_floors) * 1000:.0f} ms = {rx_ratio:.2f}x "
        "(goal <= 1.2x)"
    )
    print(f"20 concurrent prescriptions: {rx_ok}/20 succeeded in {rx_burst:.1f} s (statuses {rx_statuses})")


if __name__ == "__main__":
    main()
