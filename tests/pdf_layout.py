"""Measure a rendered leaflet's pages with pdfplumber: how full each page is, where the QR code is.

Shared by tests/test_layout.py and benchmarks/bench_layout.py. The printable area comes from the
same margins the stylesheet is made from (``leaflets.assets.page_margins_mm``); what lies outside
it (the running header and footer) is not counted as content.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pdfplumber

from leaflets.assets import page_margins_mm

PT_PER_MM = 72 / 25.4
#: A page but the last must be filled at least this much (issue 12).
MIN_FILL = 0.55
#: The last page must carry at least about this many lines of text.
MIN_LAST_LINES = 6


@dataclass(frozen=True)
class PageLayout:
    number: int
    #: Share of the printable height used: from its top to the lowest mark on the page.
    fill: float
    #: Lines of text in the printable area.
    lines: int
    #: The QR code's box (x0, top, x1, bottom) in points, when this page has it.
    qr: tuple[float, float, float, float] | None
    #: The page's text inside the printable area, and in the header and footer (line by line).
    text: str
    margin_text: str
    #: Font sizes of the characters inside the printable area, and in the header and footer.
    sizes: tuple[float, ...] = ()
    margin_sizes: tuple[float, ...] = ()
    #: The smallest QR module, in points.
    qr_module: float | None = None
    #: The text of each ruled box on the page (table cells, callouts), line by line: columns
    #: side by side interleave in ``text``, so a cell's words are whole only here.
    regions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Area:
    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def height(self) -> float:
        return self.bottom - self.top


def printable_area(width: float, height: float, paper: str) -> Area:
    top, right, bottom, left = (m * PT_PER_MM for m in page_margins_mm(paper))
    return Area(left, top, width - right, height - bottom)


def _white(obj: dict) -> bool:
    colour = obj.get("non_stroking_color")
    return bool(obj.get("fill")) and colour is not None and all(c >= 0.99 for c in _flat(colour))


def _flat(colour) -> tuple[float, ...]:
    if isinstance(colour, (int, float)):
        return (float(colour),)
    return tuple(float(c) for c in colour)


def _qr(rects: list[dict], area: Area) -> tuple[tuple[float, float, float, float] | None, float | None]:
    """The QR code: a cluster of at least 20 small dark filled runs of one module height."""
    by_height: dict[float, list] = {}
    for r in rects:
        if r.get("fill") and not _white(r) and 0.5 < r["height"] < 4.5 and r["top"] >= area.top - 1:
            by_height.setdefault(round(r["height"], 2), []).append(r)
    best = max(by_height.values(), key=len, default=[])
    if len(best) < 20:
        return None, None
    box = (
        min(r["x0"] for r in best),
        min(r["top"] for r in best),
        max(r["x1"] for r in best),
        max(r["bottom"] for r in best),
    )
    return box, min(r["height"] for r in best)


def _rows(chars: list[dict]) -> list[list[dict]]:
    rows: list[list[dict]] = []
    for c in sorted(chars, key=lambda c: (round(c["bottom"]), c["x0"])):
        if rows and abs(rows[-1][0]["bottom"] - c["bottom"]) <= 3:
            rows[-1].append(c)
        else:
            rows.append([c])
    # Rows that share most of their height are one line: a superscript "®" or a bullet from
    # another font stands a little higher than the words beside it.
    merged: list[list[dict]] = []
    for row in rows:
        if merged and _overlap(merged[-1], row) > 0.5:
            merged[-1] += row
        else:
            merged.append(row)
    for row in merged:
        row.sort(key=lambda c: c["x0"])
    return merged


def _overlap(a: list[dict], b: list[dict]) -> float:
    """How much of the lower of two rows' heights they share."""
    a_top, a_bottom = min(c["top"] for c in a), max(c["bottom"] for c in a)
    b_top, b_bottom = min(c["top"] for c in b), max(c["bottom"] for c in b)
    shared = min(a_bottom, b_bottom) - max(a_top, b_top)
    return shared / max(1e-6, min(a_bottom - a_top, b_bottom - b_top))


def _words(row: list[dict]) -> str:
    words, last = "", None
    for c in row:
        if last is not None and c["x0"] - last["x1"] > 0.2 * c["size"] and not words.endswith(" "):
            words += " "
        words += c["text"]
        last = c
    return words.strip()


def text_lines(chars: list[dict]) -> list[str]:
    """Characters as lines of text (top to bottom, a space where words are apart)."""
    return [line for line in map(_words, _rows(chars)) if line]


def margin_lines(chars: list[dict], width: float, middle: float) -> list[str]:
    """The header's and the footer's text, box by box: margin boxes side by side may each wrap,
    so a row is cut where words stand far apart and each piece goes to its box (left, right)."""
    lines = []
    for region in ([c for c in chars if c["top"] < middle], [c for c in chars if c["top"] >= middle]):
        boxes: dict[str, list[str]] = {"left": [], "right": []}
        for row in _rows(region):
            piece = [row[0]]
            for c in row[1:]:
                if c["x0"] - piece[-1]["x1"] > 1.5 * c["size"]:
                    boxes["left" if piece[0]["x0"] < width / 3 else "right"].append(_words(piece))
                    piece = []
                piece.append(c)
            boxes["left" if piece[0]["x0"] < width / 3 else "right"].append(_words(piece))
        lines += [" ".join(boxes["left"]), " ".join(boxes["right"])]
    return [line for line in lines if line]


def measure(pdf_path: str | Path | io.BytesIO, paper: str) -> list[PageLayout]:
    """One PageLayout per page of the PDF."""
    pages = []
    with pdfplumber.open(pdf_path if hasattr(pdf_path, "read") else str(pdf_path)) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            area = printable_area(float(page.width), float(page.height), paper)

            def inside(obj: dict, area: Area = area) -> bool:
                return obj["top"] >= area.top - 2 and obj["bottom"] <= area.bottom + 2

            chars = [c for c in page.chars if c["text"].strip()]
            body = [c for c in chars if inside(c)]
            margin = [c for c in chars if not inside(c)]
            rects = page.rects
            drawn = rects + page.curves + page.lines + page.images
            marks = body + [o for o in drawn if not _white(o) and inside(o)]
            lowest = max((o["bottom"] for o in marks), default=area.top)
            lines = text_lines(body)
            qr, module = _qr(rects, area)
            regions = []
            for table in page.find_tables():
                for x0, top, x1, bottom in (c for row in table.rows for c in row.cells if c):
                    held = [c for c in body if x0 <= c["x0"] and c["x1"] <= x1 and top <= c["top"] <= bottom]
                    regions.append("\n".join(text_lines(held)))
            pages.append(
                PageLayout(
                    number=number,
                    fill=round(min(1.0, (lowest - area.top) / area.height), 3),
                    lines=len(lines),
                    qr=qr,
                    text="\n".join(lines),
                    margin_text="\n".join(margin_lines(margin, float(page.width), float(page.height) / 2)),
                    sizes=tuple(round(c["size"], 2) for c in body),
                    margin_sizes=tuple(round(c["size"], 2) for c in margin),
                    qr_module=module,
                    regions=tuple(r for r in regions if r),
                )
            )
    return pages


def under_filled(pages: list[PageLayout]) -> list[PageLayout]:
    """Pages but the last that are less than MIN_FILL full."""
    return [p for p in pages[:-1] if p.fill < MIN_FILL]


def short_last_page(pages: list[PageLayout]) -> bool:
    """A last page that is there for fewer than MIN_LAST_LINES lines of text."""
    return len(pages) > 1 and pages[-1].lines < MIN_LAST_LINES
