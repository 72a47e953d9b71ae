"""Braille Ready Format (BRF) from the reading order, translated by liblouis.

liblouis (Debian ``liblouis20``/``liblouis-bin`` with ``liblouis-data``) is loaded through ctypes:
Debian's Python bindings import only under the system Python, and ``lou_translate`` would parse
backslash escapes in a page and split long paragraphs. Output cells are North American ASCII
braille (``en-us-brf.dis``), laid out as braille transcribers do: a title page, centred section
headings with a blank line around them, cell-5 sub-headings, 3-1 paragraphs and 1-3 list items,
and the braille page number at the right of every page's last line.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import re
import threading
import unicodedata
from pathlib import Path

from .errors import MissingSystemPackageError, RenderError
from .files import write_atomic
from .i18n import texts
from .model import Leaflet, Personal, Prescription
from .reading import HEADING, ITEM, Line, Part, Reading, reading_order, summary_reading
from .settings import Settings

#: North American ASCII braille: the 64 six-dot cells are the characters space to underscore.
BRF_CELLS = frozenset(chr(c) for c in range(0x20, 0x60))
DISPLAY = "en-us-brf.dis"
#: Translation tables by language: grade 1 (uncontracted) and grade 2 (contracted).
TABLES: dict[str, dict[int, str]] = {
    "en": {1: "en-ueb-g1.ctb", 2: "en-ueb-g2.ctb"},  # Unified English Braille
    "fr": {1: "fr-bfu-comp6.utb", 2: "fr-bfu-g2.ctb"},  # braille français unifié: intégral, abrégé
    "es": {1: "es-g1.ctb", 2: "es-g2.ctb"},
}
#: Web and e-mail addresses: written uncontracted, whatever the grade, as braille codes require
#: (a contraction inside an address cannot be typed back). Bounded runs keep the scan linear.
_ADDRESS = re.compile(
    r"((?:https?://|www\.)[^\s<>\"]*[^\s<>\".,;:!?)\]]|\b[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8})"
)
#: The grade readers of a language usually get: Spanish braille is mostly read uncontracted.
USUAL_GRADE = {"es": 1}
#: Mode bit: undefined characters give nothing instead of an escape such as '\x2265'.
_NO_UNDEFINED = 128
_PACKAGES = "liblouis-bin (with liblouis-data)"


def primary(lang: str) -> str:
    return lang.replace("_", "-").split("-")[0].lower()


def table_for(lang: str, settings: Settings) -> str:
    """The liblouis table for a page language and the configured grade."""
    tables = TABLES.get(primary(lang))
    if tables is None:
        known = ", ".join(sorted(TABLES))
        raise RenderError(f"no braille table for the language {lang!r} (braille is made for: {known})")
    grade = settings.braille_grade or USUAL_GRADE.get(primary(lang), 2)
    return tables[grade]


class _Louis:
    """liblouis through ctypes. liblouis keeps compiled tables in global state: one lock."""

    def __init__(self) -> None:
        name = ctypes.util.find_library("louis") or "liblouis.so.20"
        try:
            self.lib = ctypes.CDLL(name)
        except OSError:
            raise MissingSystemPackageError("liblouis (for braille)", _PACKAGES) from None
        self.lib.lou_checkTable.argtypes = [ctypes.c_char_p]
        self.lib.lou_translateString.argtypes = [
            ctypes.c_char_p,
            ctypes.c_void_p,
            ctypes.POINTER(ctypes.c_int),
        ]
        self.lib.lou_translateString.argtypes += [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int)]
        self.lib.lou_translateString.argtypes += [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
        size = self.lib.lou_charSize()
        self.widechar = {2: ctypes.c_uint16, 4: ctypes.c_uint32}[size]
        self.messages: list[str] = []
        log = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_char_p)

        def collect(level: int, message: bytes) -> None:
            self.messages.append(message.decode("utf-8", "replace"))

        self._log = log(collect)  # kept: liblouis holds the pointer
        self.lib.lou_registerLogCallback(self._log)
        self.lock = threading.Lock()
        self.checked: set[str] = set()
        #: (table, character) → defined in that table.
        self.defined: dict[tuple[str, str], bool] = {}

    def check(self, table: str) -> None:
        with self.lock:
            if table in self.checked:
                return
            self.messages.clear()
            if not self.lib.lou_checkTable(f"{DISPLAY},{table}".encode()):
                detail = self.messages[-1] if self.messages else "not found"
                raise MissingSystemPackageError(f"the braille table {table} ({detail})", "liblouis-data")
            self.checked.add(table)

    def translate(self, table: str, text: str, mode: int = 0) -> str:
        if not text:
            return ""
        self.check(table)
        codes = [ord(c) for c in text]
        if self.widechar is ctypes.c_uint16 and max(codes) > 0xFFFF:
            codes = [c if c <= 0xFFFF else 0xFFFD for c in codes]
        inbuf = (self.widechar * len(codes))(*codes)
        capacity = 4 * len(codes) + 64
        while True:
            inlen = ctypes.c_int(len(codes))
            outbuf = (self.widechar * capacity)()
            outlen = ctypes.c_int(capacity)
            with self.lock:
                ok = self.lib.lou_translateString(
                    f"{DISPLAY},{table}".encode(), inbuf, inlen, outbuf, outlen, None, None, mode
                )
            if not ok:
                raise RenderError(f"liblouis could not translate with {table}")
            if inlen.value >= len(codes) or capacity > 64 * len(codes):
                return "".join(map(chr, outbuf[: outlen.value]))
            capacity *= 4  # the output filled the buffer before the input was used up

    def is_defined(self, table: str, char: str) -> bool:
        key = (table, char)
        if key not in self.defined:
            cells = self.translate(table, char, _NO_UNDEFINED)
            self.defined[key] = bool(cells.strip()) and set(cells) <= BRF_CELLS
        return self.defined[key]


@functools.lru_cache(maxsize=1)
def louis() -> _Louis:
    return _Louis()


class Translator:
    """Text → braille cells for one table. A character the table does not define never comes out
    as an escape: it is spelled with what the table has (compatibility form, base letter, the
    symbol's words in the page's language), and a character nothing can spell is an error."""

    def __init__(self, table: str, text: dict[str, str]):
        self.table = table
        #: The same language's uncontracted table, for addresses.
        self.literal = next((t[1] for t in TABLES.values() if table in t.values()), table)
        self.louis = louis()
        self.louis.check(table)
        self.louis.check(self.literal)
        self.words = {"≥": text["sym_ge"], "≤": text["sym_le"], "°": text["sym_degree"]}

    def __call__(self, text: str) -> str:
        cells = ""
        for n, piece in enumerate(_ADDRESS.split(text)):
            spelled = "".join(self._spell(c) for c in piece)
            cells += self.louis.translate(self.literal if n % 2 else self.table, spelled)
        bad = sorted(set(cells) - BRF_CELLS)
        if bad:
            raise RenderError(f"braille table {self.table} gave cells outside BRF: {''.join(bad)!r}")
        return cells

    def _ok(self, text: str) -> bool:
        return all(c == " " or self.louis.is_defined(self.table, c) for c in text)

    @functools.lru_cache(maxsize=512)  # noqa: B019 - one translator per document
    def _spell(self, char: str) -> str:
        if char.isspace():
            return " "
        if (char.isascii() and char.isalnum()) or self.louis.is_defined(self.table, char):
            return char
        candidates = [
            unicodedata.normalize("NFKC", char),
            "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)),
            f" {self.words[char]} " if char in self.words else "",
            "-" if unicodedata.category(char).startswith("P") else "",
            f" {unicodedata.name(char, '').lower()} ",
        ]
        for candidate in candidates:
            if candidate.strip() and candidate != char and self._ok(candidate):
                return candidate
        raise RenderError(f"the braille table {self.table} cannot write {char!r} (U+{ord(char):04X})")


# -- layout ------------------------------------------------------------------------------------


class _Pages:
    """Fills pages of ``lines`` lines, ``cells`` cells wide; the last line of each page holds
    its number."""

    def __init__(self, cells: int, lines: int, number) -> None:
        self.cells = cells
        self.body = lines - 1
        self.number = number
        self.pages: list[list[str]] = [[]]
        #: Where the headings that text has not followed yet start on this page.
        self.hold: int | None = None

    @property
    def left(self) -> int:
        return self.body - len(self.pages[-1])

    def new_page(self) -> None:
        self.hold = None
        if self.pages[-1]:
            self.pages.append([])

    def blank(self) -> None:
        # On a full page, nothing: the next block starts a new page (taking held headings along).
        page = self.pages[-1]
        if page and page[-1] and self.left > 0:
            page.append("")

    def add(self, rows: list[str], need: int = 2, heading: bool = False) -> None:
        """Rows of one block, starting a new page unless ``need`` rows fit on this one (a
        heading needs its rows and the first lines under it; a paragraph, two rows). Headings
        not yet followed by text go along to the new page: none is left at a page's foot."""
        if self.left < min(need, self.body):
            page = self.pages[-1]
            carried = page[self.hold :] if self.hold else []
            del page[len(page) - len(carried) :]
            self.new_page()
            while carried and not carried[0]:
                carried.pop(0)
            self.pages[-1].extend(carried)
            self.hold = 0 if carried else None
        if heading and self.hold is None:
            self.hold = len(self.pages[-1])
        elif not heading:
            self.hold = None
        for row in rows:
            if self.left <= 0:
                self.new_page()
            self.pages[-1].append(row)

    def render(self, first: int = 1) -> tuple[bytes, int]:
        """The pages as BRF, numbered from ``first`` (a prescription numbers straight through)."""
        out = []
        total = len(self.pages)
        for n, page in enumerate(self.pages, first):
            while page and not page[-1]:
                page.pop()
            number = self.number(n)
            rows = [*page, *[""] * (self.body - len(page)), number.rjust(self.cells)]
            out.append("\r\n".join(row.rstrip() for row in rows) + "\r\n\f")
        return "".join(out).encode("ascii"), total


def wrap(cells: str, width: int, first: int = 0, rest: int = 0, cont: str = "-") -> list[str]:
    """Break braille at blank cells: the first row indented ``first`` cells, runovers ``rest``.
    A word longer than a row is divided with ``cont`` at the end of each full row."""
    rows: list[str] = []
    row = " " * first
    for word in cells.split():
        while word:
            sep = " " if row.strip() else ""
            if len(row) + len(sep) + len(word) <= width:
                row, word = row + sep + word, ""
            elif row.strip():
                rows.append(row)
                row = " " * rest
            else:
                take = max(1, width - len(row) - len(cont))
                rows.append(row + word[:take] + cont)
                row, word = " " * rest, word[take:]
    if row.strip():
        rows.append(row)
    return rows


def layout(reading: Reading, settings: Settings, pharmacy_lines: list[str]) -> tuple[bytes, int]:
    return _fill(reading, settings, pharmacy_lines).render()


def _fill(reading: Reading, settings: Settings, pharmacy_lines: list[str]) -> _Pages:
    """The reading laid out on braille pages: a title page, then the parts."""
    table = table_for(reading.lang, settings)
    tr = Translator(table, reading.text)
    cells, width = settings.braille_cells, settings.braille_cells
    cont = '"' if table.startswith("en-ueb") else "-"  # UEB's line continuation indicator: dot 5
    numbers: dict[int, str] = {}

    def number(n: int) -> str:
        if n not in numbers:
            numbers[n] = tr(str(n))
        return numbers[n]

    pages = _Pages(cells, settings.braille_lines, number)

    def centred(text: str) -> list[str]:
        rows = wrap(tr(text), width - 6)
        return [" " * ((width - len(r)) // 2) + r for r in rows]

    def heading(text: str, level: int) -> None:
        pages.blank()
        if level <= 2:
            rows = centred(text)
            pages.add(rows, need=len(rows) + 3, heading=True)
            pages.blank()
        else:
            indent = 4 if level == 3 else 6  # cell-5 and cell-7 headings
            rows = wrap(tr(text), width, indent, indent)
            pages.add(rows, need=len(rows) + 2, heading=True)

    # The title page.
    pages.add(["", *centred(reading.title)])
    pages.blank()
    pages.add(centred(reading.text["description"]))
    for text in pharmacy_lines:
        pages.blank()
        pages.add(wrap(tr(text), width, 0, 2, cont))
    pages.blank()
    pages.add(wrap(tr(reading.trace), width, 0, 2, cont))
    if reading.url:
        pages.blank()
        pages.add(wrap(tr(reading.text["online"] + ":"), width, 0, 2, cont))
        pages.add(wrap(tr(reading.url), width, 2, 2, cont))
    pages.new_page()
    for part in reading.parts:
        _part(part, pages, tr, heading, width, cont)
    return pages


def _part(part: Part, pages: _Pages, tr, heading, width: int, cont: str) -> None:
    if part.title:
        heading(part.title, part.level)
    elif pages.pages[-1]:
        pages.blank()
    for line in part.lines:
        _line(line, part.level, pages, tr, heading, width, cont)


def _line(line: Line, level: int, pages: _Pages, tr, heading, width: int, cont: str) -> None:
    if line.kind == HEADING:
        heading(line.text, level + 1)
    elif line.kind == ITEM:
        pages.add(wrap(tr(line.text), width, 2 * line.depth, 2 * line.depth + 2, cont))
    else:
        pages.add(wrap(tr(line.text), width, 2, 0, cont))


def pharmacy_lines(settings: Settings, text: dict[str, str]) -> list[str]:
    p = settings.pharmacy
    lines = [p.name, p.address, f"{text['phone']}: {p.phone}" if p.phone else ""]
    return [line for line in lines if line]


def brf_bytes(leaflet: Leaflet, settings: Settings, personal: Personal | None = None) -> tuple[bytes, int]:
    """The leaflet as BRF bytes, and its number of braille pages."""
    reading = reading_order(leaflet, settings, personal)
    return layout(reading, settings, pharmacy_lines(settings, reading.text))


def prescription_brf(leaflets: list[Leaflet], rx: Prescription, settings: Settings) -> tuple[bytes, int]:
    """A prescription as one BRF: the summary (directions as typed, and the braille page where
    each leaflet starts), then each personalised leaflet from its own title page, the pages
    numbered straight through."""
    from .prescription import long_date, settle, summary_lang, title

    lang = summary_lang(rx, leaflets)
    text = texts(lang)
    bodies = []
    for leaflet, item in zip(leaflets, rx.items, strict=True):
        reading = reading_order(leaflet, settings, rx.personal(item))
        try:
            bodies.append(_fill(reading, settings, pharmacy_lines(settings, reading.text)))
        except RenderError as exc:  # say which medicine has no braille table
            raise type(exc)(f"{leaflet.source}: {exc}") from None

    def summary(first_pages: int) -> _Pages:
        starts, at = [], first_pages + 1
        for body in bodies:
            starts.append(at)
            at += len(body.pages)
        rows = list(zip(leaflets, rx.items, starts, strict=True))
        reading = summary_reading(rows, rx, lang, title(rx, lang), long_date(rx.date, lang))
        return _fill(reading, settings, pharmacy_lines(settings, text))

    out, at = [], 1
    for pages in (settle(summary), *bodies):
        data, count = pages.render(first=at)
        out.append(data)
        at += count
    return b"".join(out), at - 1


def write_brf(
    leaflet: Leaflet, target: str | Path, settings: Settings, personal: Personal | None = None
) -> tuple[Path, int]:
    data, pages = brf_bytes(leaflet, settings, personal)
    return write_atomic(data, target), pages


@functools.lru_cache(maxsize=1)
def tool_versions() -> str:
    """liblouis's version, for the build hash; loading it proves it is installed."""
    lib = louis().lib
    lib.lou_version.restype = ctypes.c_char_p
    return f"liblouis {lib.lou_version().decode()}"
