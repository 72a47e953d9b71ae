"""Read a page: bytes → text → front matter → sections (line-aware) → a Leaflet.

1. ``decode`` refuses empty, binary and oversized files and decodes UTF-8 (or, with a warning,
   cp1252).
2. ``split_front_matter`` parses the YAML header with a safe loader that refuses aliases.
3. ``scan_sections`` finds the section labels line by line, so every section keeps its line.
4. ``SectionConverter`` (markdown_ext) turns each section body into sanitised HTML and model blocks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ContentError, NotALeafletError
from .labels import classify, clean_label, is_qa_label, marks_serious
from .markdown_ext import SectionConverter
from .model import Kind, Leaflet, Section
from .sanitize import text_of

_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# **Label:** rest   |   **Label**: rest   |   __Label:__ rest
_BOLD_LABEL = re.compile(r"^(\*\*|__)(?P<label>[^*_\n]{1,120}?)\s*(?::\s*\1|\1\s*:)\s*(?P<rest>.*)$")
# **Usage** alone on a line (no colon): a label only when it names a known section.
_BOLD_ALONE = re.compile(r"^(\*\*|__)(?P<label>[^*_\n]{1,80}?)\1\s*$")
# Usage: rest  — plain labels only count for known keywords.
_PLAIN_LABEL = re.compile(r"^(?P<label>[A-Z][\w ()/&'’,-]{1,60}?)\s*:\s*(?P<rest>.*)$")
_LANG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
_DATE_KEYS = ("date", "lastModified", "last_modified", "reviewed")


@dataclass
class RawSection:
    kind: Kind
    label: str
    line: int
    lines: list[str] = field(default_factory=list)


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML that also refuses anchors and aliases (no "billion laughs" in a header)."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.MarkedYAMLError(
                "while reading front matter", None, "aliases are not allowed", event.start_mark
            )
        return super().compose_node(parent, index)


def decode(data: bytes, path: str, max_bytes: int) -> tuple[str, list[str]]:
    """Bytes → text, refusing what is not a text page. Returns (text, warnings)."""
    if len(data) > max_bytes:
        raise ContentError(path, f"file is {len(data):,} bytes, over the {max_bytes:,}-byte limit")
    if not data.strip():
        raise ContentError(path, "file is empty")
    if b"\x00" in data:
        raise ContentError(path, "file is binary, not a text page")
    warnings = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise ContentError(path, "file is not UTF-8 text", line) from None
        warnings.append(f"{path}:{line}: file is not UTF-8; read it as Windows-1252 (cp1252)")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\t\f")
    if controls > max(8, len(text) // 100):
        raise ContentError(path, "file is binary, not a text page")
    return text, warnings


def split_front_matter(text: str, path: str) -> tuple[dict[str, Any], list[str], int]:
    """Return (front matter, body lines, line number of the first body line)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, lines, 1
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        raise ContentError(path, "front matter starts with '---' but never ends", 1)
    header = "\n".join(lines[1:end])
    try:
        data = yaml.load(header, Loader=_NoAliasLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 2 if mark is not None else 1
        raise ContentError(path, f"front matter is not valid YAML: {exc.problem}", line) from None
    except yaml.YAMLError as exc:
        raise ContentError(path, f"front matter is not valid YAML: {exc}", 1) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ContentError(path, "front matter must be a mapping of keys to values", 2)
    return data, lines[end + 1 :], end + 2


def _match_label(line: str) -> tuple[str, str, str] | None:
    """(label, rest, style) when the line starts with a section-like label."""
    if m := _HEADING.match(line):
        return m.group(2), "", "heading"
    if m := _BOLD_LABEL.match(line):
        return m.group("label"), m.group("rest"), "bold"
    if m := _BOLD_ALONE.match(line):
        return m.group("label"), "", "bold-alone"
    if m := _PLAIN_LABEL.match(line):
        return m.group("label"), m.group("rest"), "plain"
    return None


def scan_sections(lines: list[str], first: int) -> tuple[str | None, list[RawSection]]:
    """Split body lines into sections by their labels. Returns (H1 text, sections)."""
    h1: str | None = None
    current = RawSection(Kind.INTRO, "", first)
    sections = [current]
    fenced = False
    for offset, line in enumerate(lines):
        number = first + offset
        if _FENCE.match(line):
            fenced = not fenced
        found = None if fenced else _match_label(line)
        if (
            found
            and h1 is None
            and line.startswith("# ")
            and current.kind is Kind.INTRO
            and not any(s.strip() for s in current.lines)
        ):
            h1 = found[0].strip()
            continue
        if found:
            label, rest, style = found
            kind = classify(label)
            name = clean_label(label)
            if current.kind is Kind.SIDE_EFFECTS and (
                kind is Kind.SIDE_EFFECTS or (kind is None and marks_serious(name))
            ):
                found = None  # a group inside the side effects, not a new section
            elif current.kind is Kind.FAQS and (is_qa_label(name) or name.endswith("?")):
                found = None  # a question or an answer
            elif kind is None and (
                style in ("plain", "bold-alone") or is_qa_label(name) or name.endswith("?") or not name
            ):
                found = None
        if not found:
            if not current.lines and not line.strip():
                if current.kind is Kind.INTRO:
                    current.line = number + 1
                continue
            current.lines.append(line)
            continue
        current = RawSection(kind or Kind.OTHER, name, number, [rest] if rest.strip() else [])
        sections.append(current)
    return h1, [s for s in sections if s.kind is not Kind.INTRO or any(x.strip() for x in s.lines)]


def _scalar(value: Any, path: str, key: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, str | int | float):
        return str(value).strip() or None
    raise ContentError(path, f"front matter {key!r} must be text, not a {type(value).__name__}")


def parse_page(
    data: bytes,
    path: str | Path = "<string>",
    *,
    content_root: str | Path | None = None,
    max_bytes: int = 1_000_000,
    converter: SectionConverter | None = None,
) -> Leaflet:
    """Parse the bytes of one page into a Leaflet. Raises ContentError (or NotALeafletError)."""
    path = str(path)
    text, warnings = decode(data, path, max_bytes)
    meta, body, first = split_front_matter(text, path)
    h1, raw_sections = scan_sections(body, first)
    title = _scalar(meta.get("title"), path, "title") or (text_of(h1) if h1 else None)
    if not title:
        raise ContentError(path, "page has no title (no 'title:' in front matter and no '# ' heading)")
    if meta.get("is_banned") is True:
        raise NotALeafletError(path, "the page marks the product as banned (is_banned: true)")
    if not any(s.kind not in (Kind.INTRO, Kind.OTHER) for s in raw_sections):
        raise NotALeafletError(path, "not a leaflet: the page has no recognisable section")
    converter = converter or _converter()
    sections = []
    for raw in raw_sections:
        body_html = converter.convert(raw.kind, "\n".join(raw.lines))
        sections.append(
            Section(
                kind=raw.kind,
                label=text_of(raw.label),
                line=raw.line,
                html=body_html.html,
                groups=body_html.groups,
                faqs=body_html.faqs,
            )
        )
    lang = _scalar(meta.get("lang"), path, "lang") or "en"
    if not _LANG.match(lang):
        warnings.append(f"{path}: lang {lang!r} is not a language tag; using 'en'")
        lang = "en"
    generic = next((text_of(s.html) for s in sections if s.kind is Kind.GENERIC_NAME), None)
    date = next((d for k in _DATE_KEYS if (d := _scalar(meta.get(k), path, k))), None)
    source = Path(path)
    relpath = source.with_suffix("").name
    if content_root is not None:
        try:
            relpath = source.resolve().relative_to(Path(content_root).resolve()).with_suffix("")
            relpath = relpath.as_posix()
        except ValueError:
            pass
    return Leaflet(
        source=path,
        slug=source.stem if path != "<string>" else slugify(title),
        title=title,
        lang=lang,
        sections=tuple(sections),
        revision=hashlib.sha256(data).hexdigest()[:12],
        generic_name=generic or None,
        date=date,
        permalink=_scalar(meta.get("permalink"), path, "permalink"),
        relpath=str(relpath),
        warnings=tuple(warnings),
    )


def read_page(
    path: str | Path, *, content_root: str | Path | None = None, max_bytes: int = 1_000_000
) -> Leaflet:
    """Read and parse the page at ``path``."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ContentError(path, f"file is {size:,} bytes, over the {max_bytes:,}-byte limit")
        data = path.read_bytes()
    except IsADirectoryError:
        raise ContentError(path, "is a folder, not a page") from None
    except FileNotFoundError:
        raise ContentError(path, "no such file") from None
    except OSError as exc:
        raise ContentError(path, f"cannot read file: {exc.strerror or exc}") from None
    return parse_page(data, path, content_root=content_root, max_bytes=max_bytes)


def slugify(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug or "leaflet"


_CONVERTER: SectionConverter | None = None


def _converter() -> SectionConverter:
    global _CONVERTER
    if _CONVERTER is None:
        _CONVERTER = SectionConverter()
    return _CONVERTER
