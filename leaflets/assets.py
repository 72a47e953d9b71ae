"""The tool's own files: templates, stylesheets and fonts, from a checkout or an installed wheel."""

from __future__ import annotations

import functools
from pathlib import Path

import fontpkg_atkinson_hyperlegible as atkinson
import fontpkg_noto_sans as noto

from .scripts import LATIN, Typesetting
from .settings import Settings

_PACKAGE = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    # A wheel carries them inside the package (force-included); a checkout keeps them at the top.
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"leaflets is installed without its {name}/ folder")


def templates_dir() -> Path:
    return _data_dir("templates")


def styles_dir() -> Path:
    return _data_dir("styles")


def font_dirs() -> tuple[Path, ...]:
    return (Path(atkinson.ROOT) / "files", Path(noto.ROOT) / "files")


#: Noto Sans's ``ccmp`` splits ẹ ị ọ ụ ṃ ṅ ṣ ḿ ǹ into a letter and a combining mark. WeasyPrint
#: maps each glyph to one text string in the PDF (its ToUnicode map): the shared dot-below mark
#: took the whole letter of its first use, so "trị" read back as "triị" and every later "ụ" as
#: "uị", for copy, search and screen readers alike. Without ``ccmp`` the font's own precomposed
#: glyphs print, each mapped to its own letter. Noto Sans only: the system fonts of complex
#: scripts need ``ccmp``.
_NO_CCMP = ' font-feature-settings: "ccmp" 0;'


@functools.lru_cache(maxsize=1)
def font_face_css() -> str:
    """@font-face rules pointing at the pip-installed fonts (hyperlegible first, Noto as fallback
    for Greek, Cyrillic and symbols such as ≥ ≤ ₂ that Atkinson Hyperlegible lacks)."""
    a = Path(atkinson.ROOT) / "files"
    n = Path(noto.ROOT) / "files"
    faces = [
        ("Atkinson Hyperlegible", a / "AtkinsonHyperlegible-Regular.ttf", "400", "normal"),
        ("Atkinson Hyperlegible", a / "AtkinsonHyperlegible-Bold.ttf", "700", "normal"),
        ("Atkinson Hyperlegible", a / "AtkinsonHyperlegible-Italic.ttf", "400", "italic"),
        ("Atkinson Hyperlegible", a / "AtkinsonHyperlegible-BoldItalic.ttf", "700", "italic"),
        # One variable file per style. Declared once: fontconfig finds its Bold instance itself,
        # and a second rule at 700 gave bold glyphs widths that differ from the embedded program
        # (PDF/UA-1 fails on a page set in Noto Sans, such as Russian or Vietnamese).
        ("Noto Sans", n / "NotoSans[wdth,wght].ttf", "400", "normal"),
        ("Noto Sans", n / "NotoSans-Italic[wdth,wght].ttf", "400", "italic"),
    ]
    rules = []
    for family, path, weight, style in faces:
        if not path.is_file():
            raise FileNotFoundError(f"font file missing: {path}")
        rules.append(
            f'@font-face {{ font-family: "{family}"; src: url("{path.as_uri()}"); '
            f"font-weight: {weight}; font-style: {style};{_NO_CCMP if family == 'Noto Sans' else ''} }}"
        )
    return "\n".join(rules)


_PAPER = {"a4": "A4", "letter": "letter", "a5": "A5"}
#: Page margins in mm (top, right, bottom, left) by paper: the running header lives in the top
#: one, the footer (up to two lines of 15 pt in xl) in the bottom one.
_MARGINS = {"a4": (14, 15, 20, 15), "letter": (14, 16, 20, 16), "a5": (12, 12, 20, 12)}


def page_margins_mm(paper: str) -> tuple[float, float, float, float]:
    return _MARGINS[paper]


#: Template and style sources shipped to a worker on another machine (see ``use_sources``).
_SOURCES: dict[str, str] | None = None


def sources(settings: Settings | None = None) -> dict[str, str]:
    """Every template and stylesheet, by ``templates/<name>`` and ``styles/<name>``, and the
    configured logo as a data: URL: what a remote worker needs to print exactly like this one."""
    found: dict[str, str] = {}
    for prefix, folder in (("templates", templates_dir()), ("styles", styles_dir())):
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            found[f"{prefix}/{path.relative_to(folder).as_posix()}"] = path.read_text(encoding="utf-8")
    if settings is not None and settings.logo is not None:
        found["logo"] = _data_url(Path(settings.logo))
    return found


def use_sources(shipped: dict[str, str] | None) -> None:
    """Render from ``shipped`` sources instead of this machine's files (a worker's set-up)."""
    global _SOURCES
    _SOURCES = shipped
    _read_style.cache_clear()


def shipped_templates() -> dict[str, str] | None:
    if _SOURCES is None:
        return None
    return {k.removeprefix("templates/"): v for k, v in _SOURCES.items() if k.startswith("templates/")}


def logo_url(settings: Settings) -> str | None:
    """The configured logo as a data: URL, so the page itself carries it to the renderer."""
    if settings.logo is None:
        return None
    if _SOURCES is not None and "logo" in _SOURCES:
        return _SOURCES["logo"]
    return _data_url(Path(settings.logo))


@functools.lru_cache(maxsize=4)
def _data_url(path: Path) -> str:
    import base64
    import mimetypes

    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{kind};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


@functools.lru_cache(maxsize=8)
def _read_style(name: str) -> str:
    if _SOURCES is not None:
        return _SOURCES[f"styles/{name}"]
    return (styles_dir() / name).read_text(encoding="utf-8")


def stylesheet_texts(settings: Settings, ts: Typesetting | None = None) -> list[str]:
    """Every stylesheet the leaflet uses, in cascade order: the footer speaks the page's
    language, and the fonts and direction follow its scripts (``ts``)."""
    from .i18n import page_counter_css
    from .scripts import font_stack

    ts = ts or LATIN
    sheets = [font_face_css(), _read_style("base.css"), _read_style("print.css")]
    if settings.size != "standard":
        sheets.append(_read_style(f"{settings.size}.css"))
    sheets.append(_read_style("scripts.css"))
    margins = " ".join(f"{m}mm" for m in page_margins_mm(settings.paper))
    sheets.append(f"@page {{ size: {_PAPER[settings.paper]}; margin: {margins}; }}")
    sheets.append(page_counter_css(ts.lang, rtl=ts.dir == "rtl"))
    if ts.families or ts.primary != "Atkinson Hyperlegible":
        stack = font_stack(ts)
        sheets.append(
            f"html {{ font-family: {stack}; }} @page {{ @bottom-left {{ font-family: {stack}; }} "
            f"@bottom-right {{ font-family: {stack}; }} }}"
        )
    return sheets


def asset_roots(settings: Settings) -> tuple[Path, ...]:
    """The only places the renderer may read files from."""
    roots = [templates_dir(), styles_dir(), *font_dirs()]
    if settings.logo is not None:
        roots.append(Path(settings.logo))
    return tuple(p.resolve() for p in roots)
