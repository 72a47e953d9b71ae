"""Run every page of ../shared/corpus through the parser and the renderer's HTML; report figures.

Usage: python tests/corpus_fidelity.py [CORPUS_DIR] [--pdf N]
Exit 1 when a page crashes, drops a word or shows any structural defect of issue 11
(tests/corpus_checks.py counts them from the markdown and the HTML hooks). CI runs it when
../shared/corpus exists.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from corpus_checks import CHECKED, DEFECTS, count  # noqa: E402
from fidelity import dropped  # noqa: E402

from leaflets import NotALeafletError, Settings  # noqa: E402
from leaflets.check import FileReport, grade_summary  # noqa: E402
from leaflets.errors import ContentError  # noqa: E402
from leaflets.front_matter import split_front_matter  # noqa: E402
from leaflets.readability import leaflet_readability  # noqa: E402
from leaflets.reader import decode, parse_page  # noqa: E402
from leaflets.render import render_html  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", nargs="?", default=str(ROOT.parent / "shared" / "corpus"))
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    corpus = Path(args.corpus)
    settings = Settings(base_url="https://rxhive.zynapte.com")
    stats: dict[str, Counter] = defaultdict(Counter)
    lost_total: Counter = Counter()
    serious = common = 0
    failures = []
    grades: list[FileReport] = []
    defects: dict[str, Counter] = defaultdict(Counter)
    examples: dict[str, list[str]] = defaultdict(list)
    t0 = time.perf_counter()
    for path in sorted(corpus.rglob("*.md")):
        if path.name == "README.md":
            continue
        gen = path.relative_to(corpus).parts[0]
        data = path.read_bytes()
        try:
            leaflet = parse_page(data, path)
        except NotALeafletError as exc:
            stats[gen]["refused"] += 1
            if args.verbose:
                print(f"refused: {exc}")
            continue
        except ContentError as exc:
            stats[gen]["error"] += 1
            failures.append(f"error: {exc}")
            continue
        except Exception as exc:  # a crash is a failure, reported with the page
            stats[gen]["crashed"] += 1
            failures.append(f"crash: {path}: {type(exc).__name__}: {exc}")
            continue
        try:
            html = render_html(leaflet, settings)
        except Exception as exc:
            stats[gen]["crashed"] += 1
            failures.append(f"crash (render): {path}: {type(exc).__name__}: {exc}")
            continue
        stats[gen]["rendered"] += 1
        grades.append(FileReport(str(path), readability=leaflet_readability(leaflet)))
        if leaflet.warnings:
            stats[gen]["warned"] += 1
        text, _ = decode(data, str(path), 10**7)
        _, body, _ = split_front_matter(text, str(path))
        lost = dropped("\n".join(body), html)
        if lost:
            stats[gen]["dropped words"] += 1
            lost_total += lost
            failures.append(f"dropped: {path}: {dict(lost.most_common(8))}")
        for name, n in count(text, html).items():
            defects[name][gen] += n
            if name in DEFECTS and len(examples[name]) < (40 if args.verbose else 3):
                examples[name].append(str(path.relative_to(corpus)))
        for group in leaflet.side_effect_groups:
            n = len(group.items)
            if group.severity == "serious":
                serious += n
            else:
                common += n
    elapsed = time.perf_counter() - t0
    for gen in sorted(stats):
        figures = ", ".join(f"{k} {v}" for k, v in sorted(stats[gen].items()))
        print(f"{gen}: {figures}")
    print(f"words dropped: {sum(lost_total.values())}")
    print(f"side-effect items: {serious} serious, {common} common")
    print(grade_summary(grades))
    print("structural defects (issue 11), by generation:")
    for name in DEFECTS:
        by_gen = ", ".join(f"{g} {n}" for g, n in sorted(defects[name].items()) if n)
        print(f"  {name}: {sum(defects[name].values())}" + (f" ({by_gen})" if by_gen else ""))
        for example in examples[name]:
            print(f"    e.g. {example}")
        if sum(defects[name].values()):
            failures.append(f"defect: {name}: {sum(defects[name].values())}")
    wrong, checked = defects["serious item printed as common"], defects[CHECKED]
    rates = ", ".join(
        f"{g} {wrong[g]}/{checked[g]} ({100 * wrong[g] / checked[g]:.2f}%)"
        for g in sorted(checked)
        if checked[g]
    )
    print(f"serious items printed as common, strict count: {rates}")
    print(f"time: {elapsed:.1f} s")
    for line in failures[:60]:
        print(line)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
