"""Writing systems: which fonts a page needs, which way it runs, and the language tag fonts expect.

The pip fonts (Atkinson Hyperlegible, Noto Sans) cover Latin, Greek and Cyrillic and are embedded
through ``@font-face``. Every other script comes from the system's Noto fonts (Debian
``fonts-noto-core`` and ``fonts-noto-cjk``), which WeasyPrint reaches through fontconfig by family
name: no ``@font-face`` points at a system folder, and the locked fetcher is unchanged. A page
whose script has no installed font is refused with the package to install; it never prints tofu.
"""

from __future__ import annotations

import collections
import functools
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup

from .errors import MissingFontError
from .html_scan import split_markup

#: Right-to-left languages (primary subtags).
RTL_LANGUAGES = frozenset({"ar", "fa", "ps", "ur", "he", "yi", "sd", "ug", "dv", "ckb"})


@dataclass(frozen=True)
class Script:
    name: str
    #: fontconfig families, in order of preference; the first one installed is used.
    families: tuple[str, ...]
    package: str
    pattern: re.Pattern[str]


def _ranges(*spans: tuple[int, int]) -> re.Pattern[str]:
    return re.compile("[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in spans) + "]")


_CJK = _ranges(
    (0x2E80, 0x2FDF), (0x3001, 0x303F), (0x3040, 0x30FF), (0x3100, 0x312F), (0x3130, 0x318F),
    (0x31A0, 0x31FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xA960, 0xA97F), (0xAC00, 0xD7AF),
    (0xF900, 0xFAFF), (0xFF01, 0xFF60), (0x20000, 0x3134F),
)  # fmt: skip
_CORE = "fonts-noto-core"

#: Scripts the pip fonts do not cover. CJK comes first: its family depends on the language.
SCRIPTS: tuple[Script, ...] = (
    Script("CJK", ("Noto Sans CJK SC",), "fonts-noto-cjk", _CJK),
    Script(
        "Arabic",
        ("Noto Sans Arabic", "Noto Naskh Arabic"),
        _CORE,
        _ranges((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFC)),
    ),
    Script("Hebrew", ("Noto Sans Hebrew",), _CORE, _ranges((0x0591, 0x05F4), (0xFB1D, 0xFB4F))),
    Script("Myanmar", ("Noto Sans Myanmar",), _CORE,
           _ranges((0x1000, 0x109F), (0xA9E0, 0xA9FF), (0xAA60, 0xAA7F))),
    Script("Ethiopic", ("Noto Sans Ethiopic",), _CORE,
           _ranges((0x1200, 0x139F), (0x2D80, 0x2DDF), (0xAB01, 0xAB2F))),
    Script("Devanagari", ("Noto Sans Devanagari",), _CORE, _ranges((0x0900, 0x097F), (0xA8E0, 0xA8FF))),
    Script("Bengali", ("Noto Sans Bengali",), _CORE, _ranges((0x0980, 0x09FF),)),
    Script("Gurmukhi", ("Noto Sans Gurmukhi",), _CORE, _ranges((0x0A00, 0x0A7F),)),
    Script("Gujarati", ("Noto Sans Gujarati",), _CORE, _ranges((0x0A80, 0x0AFF),)),
    Script("Tamil", ("Noto Sans Tamil",), _CORE, _ranges((0x0B80, 0x0BFF),)),
    Script("Telugu", ("Noto Sans Telugu",), _CORE, _ranges((0x0C00, 0x0C7F),)),
    Script("Sinhala", ("Noto Sans Sinhala",), _CORE, _ranges((0x0D80, 0x0DFF),)),
    Script("Thai", ("Noto Sans Thai",), _CORE, _ranges((0x0E00, 0x0E7F),)),
    Script("Lao", ("Noto Sans Lao",), _CORE, _ranges((0x0E80, 0x0EFF),)),
    Script("Khmer", ("Noto Sans Khmer",), _CORE, _ranges((0x1780, 0x17FF),)),
    Script("Georgian", ("Noto Sans Georgian",), _CORE, _ranges((0x10A0, 0x10FF),)),
    Script("Armenian", ("Noto Sans Armenian",), _CORE, _ranges((0x0531, 0x058F),)),
)  # fmt: skip

#: The CJK face whose glyph forms each language expects (``lang="zh"`` alone picks Japanese forms).
_CJK_FAMILIES = {
    "zh-CN": "Noto Sans CJK SC",
    "zh-TW": "Noto Sans CJK TC",
    "zh-HK": "Noto Sans CJK HK",
    "ja": "Noto Sans CJK JP",
    "ko": "Noto Sans CJK KR",
}


def font_lang(lang: str) -> str:
    """The language tag fonts expect: ``zh`` and ``zh-Hans`` are ``zh-CN``, ``zh-Hant`` is
    ``zh-TW``. Other tags are kept as written."""
    parts = lang.replace("_", "-").split("-")
    if parts[0].lower() != "zh":
        return lang
    rest = {p.lower() for p in parts[1:]}
    if rest & {"tw", "hant"}:
        return "zh-TW"
    if rest & {"hk", "mo"}:
        return "zh-HK"
    return "zh-CN"


def direction(lang: str) -> str:
    return "rtl" if lang.replace("_", "-").split("-")[0].lower() in RTL_LANGUAGES else "ltr"


def _cjk_family(lang: str) -> str:
    tag = font_lang(lang)
    return _CJK_FAMILIES.get(tag) or _CJK_FAMILIES.get(tag.split("-")[0].lower(), "Noto Sans CJK SC")


#: The few fontconfig calls ``installed_families`` makes (their declarations in WeasyPrint's
#: ``text/ffi.py``, enums as ints).
_FONTCONFIG_CDEF = """
    typedef ... FcConfig;
    typedef ... FcPattern;
    typedef unsigned char FcChar8;
    typedef struct _FcFontSet { int nfont; int sfont; FcPattern **fonts; } FcFontSet;
    FcConfig * FcInitLoadConfigAndFonts (void);
    void FcConfigDestroy (FcConfig *config);
    FcFontSet * FcConfigGetFonts (FcConfig *config, int set);
    int FcPatternGetString (FcPattern *p, const char *object, int n, FcChar8 **s);
"""


def _fontconfig(weasyprint: bool = False):
    """The fontconfig library WeasyPrint uses, through cffi, without importing WeasyPrint: the
    build's parent only plans, and importing WeasyPrint there cost a second before any worker
    started. Where the library's usual file name is not found, WeasyPrint's own binding."""
    if not weasyprint:
        from cffi import FFI

        ffi = FFI()
        ffi.cdef(_FONTCONFIG_CDEF)
        for name in ("libfontconfig.so.1", "libfontconfig.1.dylib", "libfontconfig-1.dll"):
            try:
                return ffi, ffi.dlopen(name)
            except OSError:
                continue
    from weasyprint.text.ffi import ffi, fontconfig

    return ffi, fontconfig


@functools.lru_cache(maxsize=2)
def installed_families(weasyprint: bool = False) -> dict[str, tuple[str, ...]]:
    """Every font family fontconfig knows, with its files: what WeasyPrint can use."""
    ffi, fontconfig = _fontconfig(weasyprint)
    config = fontconfig.FcInitLoadConfigAndFonts()
    found: dict[str, set[str]] = {}
    try:
        fonts = fontconfig.FcConfigGetFonts(config, 0)  # FcSetSystem
        value = ffi.new("FcChar8 **")
        for i in range(fonts.nfont if fonts != ffi.NULL else 0):
            pattern = fonts.fonts[i]
            if fontconfig.FcPatternGetString(pattern, b"file", 0, value) != 0:
                continue
            file = ffi.string(value[0]).decode("utf-8", "replace")
            n = 0
            while fontconfig.FcPatternGetString(pattern, b"family", n, value) == 0:
                found.setdefault(ffi.string(value[0]).decode("utf-8", "replace"), set()).add(file)
                n += 1
    finally:
        fontconfig.FcConfigDestroy(config)
    return {family: tuple(sorted(files)) for family, files in found.items()}


@dataclass(frozen=True)
class Typesetting:
    """How one document is set: its language tag, direction and the system font families it needs."""

    lang: str
    dir: str
    #: System families for the scripts the page uses, in the order they are tried.
    families: tuple[str, ...]
    #: The pip family tried first for Latin, Greek and Cyrillic.
    primary: str


#: An English page in Latin script.
LATIN = Typesetting("en", "ltr", (), "Atkinson Hyperlegible")


@functools.lru_cache(maxsize=1)
def _primary_cmap() -> frozenset[int]:
    """The characters the hyperlegible typeface (pip) has glyphs for."""
    import fontpkg_atkinson_hyperlegible as atkinson
    from fontTools.ttLib import TTFont

    font = TTFont(Path(atkinson.ROOT) / "files" / "AtkinsonHyperlegible-Regular.ttf", lazy=True)
    return frozenset(font.getBestCmap())


def scripts_in(text: str) -> tuple[Script, ...]:
    return tuple(s for s in SCRIPTS if s.pattern.search(text))


def _needs_noto_first(text: str) -> bool:
    """Whether so many of the page's letters are missing from Atkinson Hyperlegible (Vietnamese,
    Russian) that words would mix two typefaces: then Noto Sans sets all of them."""
    cmap = _primary_cmap()
    letters = missing = 0
    for ch, n in collections.Counter(text).items():  # each distinct character once: pages are long
        if ch.isalpha() and (ord(ch) < 0x0530 or 0x1E00 <= ord(ch) <= 0x1FFF):
            letters += n
            missing += n if ord(unicodedata.normalize("NFC", ch)) not in cmap else 0
    return letters > 0 and missing > letters / 100


def typesetting(lang: str, text: str, *, check: bool = True) -> Typesetting:
    """The typesetting of a page in ``lang`` whose printed text is ``text``. Raises
    MissingFontError naming the package when a script it uses has no installed font."""
    families: list[str] = []
    have = installed_families() if check else {}
    for script in scripts_in(text):
        wanted = (_cjk_family(lang), *script.families) if script.name == "CJK" else script.families
        chosen = next((f for f in wanted if f in have), None) if check else wanted[0]
        if chosen is None:
            raise MissingFontError(
                f"no installed font for the {script.name} script this page uses "
                f"(install the Debian package {script.package})"
            )
        families.append(chosen)
    primary = "Noto Sans" if _needs_noto_first(text) else "Atkinson Hyperlegible"
    return Typesetting(font_lang(lang), direction(lang), tuple(families), primary)


def font_stack(ts: Typesetting) -> str:
    """The CSS font-family list for a document."""
    pip = ["Atkinson Hyperlegible", "Noto Sans"]
    if ts.primary != pip[0]:
        pip.reverse()
    return ", ".join(f'"{f}"' for f in (*pip, *ts.families)) + ", sans-serif"


def fonts_fingerprint(text: str) -> str:
    """What the system fonts for the scripts in ``text`` are right now: part of the build key,
    so that installing or updating a font rebuilds exactly the pages that need it."""
    scripts = scripts_in(text)
    if not scripts:
        return ""
    have = installed_families()
    digest = hashlib.sha256()
    for script in scripts:
        families = script.families
        if script.name == "CJK":
            families = tuple(_CJK_FAMILIES.values())
        for family in families:
            for file in have.get(family, ()):
                path = Path(file)
                stat = path.stat() if path.exists() else None
                digest.update(f"{family}\0{file}\0{stat.st_size if stat else 0}\0".encode())
                digest.update(f"{stat.st_mtime_ns if stat else 0}\n".encode())
            digest.update(f"{script.name}:{family}\n".encode())
    return digest.hexdigest()


# A left-to-right run inside right-to-left text: Latin words and digits, with the spaces and
# punctuation between them ("Paracetamol 500 mg", "4 g", "1-2"). Arabic-Indic digits need none.
_LTR_CHAR = r"A-Za-z0-9\u00c0-\u024f\u00b5"
_LTR_RUN = re.compile(rf"[{_LTR_CHAR}](?:[{_LTR_CHAR}.,:/%+×\-–' \u00a0]*[{_LTR_CHAR}%])?")
#: A run of plain text isolated already (LRI … PDI).
_ISOLATED = re.compile("(\u2066[^\u2066\u2069]*\u2069)")


def isolate_ltr(html: str) -> str:
    """Wrap each left-to-right run of the text (never of tags or entities) in ``<bdi>``, so that
    a right-to-left page prints "500 mg", not "mg 500" (Unicode bidi isolates, UAX #9)."""
    out = []
    inside_bdi = 0
    for part in split_markup(html):
        if part.startswith("<"):
            name = part[1:].lstrip("/").split(None, 1)[0].rstrip(">/").lower() if len(part) > 2 else ""
            if name == "bdi":
                inside_bdi += -1 if part.startswith("</") else 1
            out.append(part)
        elif part.startswith("&") or inside_bdi:
            out.append(part)
        else:
            out.append(_LTR_RUN.sub(lambda m: f"<bdi>{m.group(0)}</bdi>", part))
    return "".join(out)


def isolate_ltr_text(text: str) -> str:
    """The same runs of plain text between LRI and PDI (U+2066 … U+2069, UAX #9 isolates): the
    words the tool puts around a right-to-left page's body, which are no markup (the patient's
    name, a strength, the pharmacy's phone, the running title and footer of the margin boxes).
    Pango honours them in the print, browsers online; neither prints them."""
    parts = _ISOLATED.split(text)
    return "".join(
        part if n % 2 else _LTR_RUN.sub(lambda m: f"\u2066{m.group(0)}\u2069", part)
        for n, part in enumerate(parts)
    )


def isolated(value: Any, direction: str) -> Any:
    """The template filter for what the tool prints around a page's body (titles, labels, the
    patient's box, the pharmacy, the summary table): in a right-to-left document, its Latin names,
    doses and numbers in ``<bdi>``, as the reader isolates the body's. Elsewhere the value as it
    is. (Not LRI … PDI here: a dose's no-break span, added later, would reorder inside them.)"""
    if direction != "rtl" or not value:
        return value
    return Markup(isolate_ltr(str(Markup.escape(value))))


def isolated_text(value: Any, direction: str) -> Any:
    """The same for an attribute that a margin box prints (the running title, header and footer):
    plain text, its runs between LRI and PDI."""
    if direction != "rtl" or not value:
        return value
    return isolate_ltr_text(str(value))
