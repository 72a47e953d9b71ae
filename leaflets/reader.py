"""Read a page: bytes → text → front matter → sections (line-aware) → a Leaflet.

1. ``decode`` refuses empty, binary and oversized files and decodes UTF-8 (or, with a warning,
   cp1252).
2. ``front_matter.split_front_matter`` parses the YAML header with a safe loader that refuses
   aliases; ``front_matter`` checks each field the leaflet takes from it.
3. ``scan_sections`` finds the section labels line by line, so every section keeps its line.
4. ``SectionConverter`` (markdown_ext) turns each section body into sanitised HTML and model blocks.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import replace
from pathlib import Path

from . import front_matter, limits
from .characters import strip_forbidden
from .discover import OFFICIAL_SUFFIXES, byte_limit, language_folder, page_slug
from .epi import looks_like_epi, parse_epi
from .errors import ContentError, NotALeafletError
from .files import read_page_bytes
from .markdown_ext import SectionConverter
from .model import Kind, Leaflet, Problem, Section, walk
from .sanitize import text_of
from .scripts import direction, isolate_ltr
from .sections import LEAFLET_KINDS, RawSection, looks_truncated, scan_sections
from .spl import looks_like_spl, parse_spl
from .vocabulary import refuses

# The parsed HTML is checked again, exactly, per block; [^<>] keeps each pattern linear.
_BLOCK_TAG = re.compile(r"</?(?:p|li|h[1-6]|div|section|td|th|dd|dt|blockquote|ul|ol|table|tr)\b[^<>]*>")
_INLINE_TAG = re.compile(r"<[a-zA-Z][^<>]*>")


def decode(data: bytes, path: str, max_bytes: int) -> tuple[str, list[Problem]]:
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
        warnings.append(
            Problem("warning", "encoding", "file is not UTF-8; read it as Windows-1252 (cp1252)", line)
        )
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\t\f")
    if controls > max(8, len(text) // 100):
        raise ContentError(path, "file is binary, not a text page")
    return text, warnings


MAX_BYTES_XML = 20_000_000


def parse_page(
    data: bytes,
    path: str | Path = "<string>",
    *,
    content_root: str | Path | None = None,
    max_bytes: int = 1_000_000,
    max_bytes_xml: int = MAX_BYTES_XML,
    default_lang: str = "en",
    converter: SectionConverter | None = None,
) -> Leaflet:
    """Parse the bytes of one page into a Leaflet. Raises ContentError (or NotALeafletError).

    The format is read from the content: a FHIR ePI document Bundle (JSON), an FDA SPL document
    (XML in ``urn:hl7-org:v3``), or a markdown page."""
    path = str(path)
    relpath = _relpath(Path(path), content_root)
    # A page in a language folder (fr/b/baclofen.md) is in that language unless it says otherwise.
    folder = language_folder(relpath)
    default_lang = folder or default_lang
    official = None
    if looks_like_epi(data):
        official = parse_epi(data, path, max_bytes=max_bytes_xml, default_lang=default_lang)
    elif looks_like_spl(data):
        official = parse_spl(data, path, max_bytes=max_bytes_xml, default_lang=default_lang)
    elif Path(path).suffix.lower() in OFFICIAL_SUFFIXES:
        kind = "a FHIR ePI Bundle" if path.lower().endswith(".json") else "an SPL document (urn:hl7-org:v3)"
        raise ContentError(path, f"not {kind}, and not a markdown page")
    if official is not None:
        if not front_matter.is_language_tag(official.lang):
            raise ContentError(path, f"language {official.lang!r} is not a language tag")
        return replace(official, slug=page_slug(relpath), relpath=relpath)
    text, notes = decode(data, path, max_bytes)
    problems = list(notes)
    meta, body, first = front_matter.split_front_matter(text, path)
    limits.check_body(body, first, path)
    body, stripped = _strip_controls(body)
    if stripped:
        problems.append(
            Problem("warning", "control-characters", f"removed {stripped} control character(s) from the text")
        )
    h1, raw_sections = scan_sections(list(enumerate(body, first)))
    title = front_matter.scalar(meta.get("title"), path, "title") or (text_of(h1[1]) if h1 else None)
    if not title:
        raise ContentError(path, "page has no title (no 'title:' in front matter and no '# ' heading)")
    permalink = front_matter.permalink(meta, path)
    if front_matter.banned(meta.get("is_banned"), path):
        raise NotALeafletError(path, "the page marks the product as banned (is_banned: true)")
    if not _is_leaflet(raw_sections):
        raise NotALeafletError(path, "not a leaflet: the page has no recognisable section")
    converter = converter or _converter()
    try:
        sections = [_build(raw, converter) for raw in raw_sections]
    except RecursionError:
        raise ContentError(path, "the page is nested too deeply to read") from None
    for section in sections:
        _check_inline(section, path)
    heading = None
    if h1 and _norm(text_of(h1[1])) != _norm(title):
        # The page's own heading says something else: print it too, nothing is dropped.
        heading = text_of(converter.convert(Kind.INTRO, h1[1]).html)
    if not any(s.faqs for s in walk(sections)) and isinstance(meta.get("faqs"), list):
        # gen3 keeps its FAQs in front matter; the body's (empty) FAQ section, if any, holds them.
        at = next((n for n, t in enumerate(text.split("\n")[:first], 1) if t.startswith("faqs:")), 1)
        faqs = front_matter.faqs(meta["faqs"], converter, at)
        if faqs is not None:
            sections = _fill_faqs(sections, faqs)
    problems.extend(_refusals(sections))
    if (line := looks_truncated(raw_sections)) is not None:
        problems.append(Problem("warning", "truncated", "page looks truncated: it stops mid-sentence", line))
    lang = front_matter.lang(meta, path, default_lang, problems)
    if folder is not None and lang.casefold() != folder.casefold():
        message = f"lang {lang!r} is not the language of its folder {folder + '/'!r}"
        problems.append(Problem("warning", "lang", message))
    translations = front_matter.translations(meta.get("translations"), problems)
    if direction(lang) == "rtl":
        sections = [_isolated(section) for section in sections]
    generic = next((text_of(s.html) for s in walk(sections) if s.kind is Kind.GENERIC_NAME), None)
    date = front_matter.page_date(meta, path)
    return Leaflet(
        source=path,
        slug=page_slug(relpath) if path != "<string>" else slugify(title),
        title=title,
        lang=lang,
        sections=tuple(sections),
        revision=hashlib.sha256(data).hexdigest()[:12],
        generic_name=generic or None,
        date=date,
        permalink=permalink,
        relpath=relpath,
        h1=heading,
        h1_line=h1[0] if heading else None,
        problems=tuple(problems),
        aliases=front_matter.aliases(meta.get("aliases"), path),
        translations=translations,
    )


def _strip_controls(body: list[str]) -> tuple[list[str], int]:
    """The body without control characters (they are not words, and break XML and HTML)."""
    total = 0
    lines = []
    for line in body:
        clean, count = strip_forbidden(line)
        lines.append(clean)
        total += count
    return lines, total


def _relpath(source: Path, content_root: str | Path | None) -> str:
    """The path relative to the content folder, without suffix (``b/baclofen``)."""
    if content_root is not None:
        try:
            return source.resolve().relative_to(Path(content_root).resolve()).with_suffix("").as_posix()
        except ValueError:
            pass
    return source.with_suffix("").name


def _check_inline(section: Section, path: str) -> None:
    fragments = [section.html]
    fragments += [b.html for g in section.groups for b in g.blocks]
    fragments += [f.question + f.answer for f in section.faqs]
    for fragment in fragments:
        for chunk in _BLOCK_TAG.split(fragment):
            count = len(_INLINE_TAG.findall(chunk))
            if count > limits.MAX_INLINE_PER_BLOCK:
                raise ContentError(
                    path,
                    f"a paragraph holds {count:,} pieces of inline markup (at most "
                    f"{limits.MAX_INLINE_PER_BLOCK}): too slow to lay out",
                    section.line,
                )
    for child in section.children:
        _check_inline(child, path)


def _refusals(sections: list[Section]) -> list[Problem]:
    """Sections where the model declined ("I cannot provide information on …"): still printed,
    since nothing is dropped, but a person should look."""
    found = []
    for section in walk(sections):
        words = " ".join(
            [section.html]
            + [(g.label or "") + " ".join(b.html for b in g.blocks) for g in section.groups]
            + [f.question + " " + f.answer for f in section.faqs]
        )
        if refuses(text_of(words)):
            name = section.label or "introduction"
            message = f"partial refusal in {name!r}: the page declines to give some information"
            found.append(Problem("warning", "partial-refusal", message, section.line))
    return found


def _is_leaflet(sections: list[RawSection]) -> bool:
    stack = list(sections)
    while stack:
        s = stack.pop()
        if s.kind in LEAFLET_KINDS:
            return True
        stack.extend(s.children)
    return False


def _build(raw: RawSection, converter: SectionConverter) -> Section:
    body = converter.convert(raw.kind, raw.text, raw.label)
    return Section(
        kind=raw.kind,
        label=text_of(raw.label),
        line=raw.line,
        html=body.html,
        groups=body.groups,
        faqs=body.faqs,
        children=tuple(_build(child, converter) for child in raw.children),
    )


def _isolated(section: Section) -> Section:
    """The section with its left-to-right runs isolated (a right-to-left page)."""
    return replace(
        section,
        html=isolate_ltr(section.html),
        groups=tuple(
            replace(
                g,
                label=isolate_ltr(g.label) if g.label else g.label,
                blocks=tuple(replace(b, html=isolate_ltr(b.html)) for b in g.blocks),
            )
            for g in section.groups
        ),
        faqs=tuple(
            replace(f, question=isolate_ltr(f.question), answer=isolate_ltr(f.answer)) for f in section.faqs
        ),
        children=tuple(_isolated(child) for child in section.children),
    )


def _fill_faqs(sections: list[Section], faqs: Section) -> list[Section]:
    for i, section in enumerate(sections):
        if section.kind is Kind.FAQS:
            sections[i] = replace(section, faqs=faqs.faqs, html=section.html)
            return sections
    return [*sections, faqs]


def _norm(text: str) -> str:
    return re.sub(r"[\W_]+", "", text).casefold()


def read_page(
    path: str | Path,
    *,
    content_root: str | Path | None = None,
    max_bytes: int = 1_000_000,
    max_bytes_xml: int = MAX_BYTES_XML,
    default_lang: str = "en",
    confine: bool = False,
) -> Leaflet:
    """Read and parse the page at ``path`` (markdown, ePI JSON or SPL XML): a regular file,
    inside ``content_root`` when ``confine`` is true, read with a bound (see
    ``files.read_page_bytes``). An official source may be up to ``max_bytes_xml``; a markdown
    page is held to ``max_bytes`` once its content says it is markdown."""
    path = Path(path)
    limit = byte_limit(path, max_bytes, max_bytes_xml)
    data = read_page_bytes(path, limit, content_root if confine else None)
    return parse_page(
        data,
        path,
        content_root=content_root,
        max_bytes=max_bytes,
        max_bytes_xml=max_bytes_xml,
        default_lang=default_lang,
    )


def slugify(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug or "leaflet"


#: One converter per thread: a Markdown instance keeps its state between calls, so two threads
#: (the counter reads pages in several) must never share one, or one page gets another's text.
_LOCAL = threading.local()


def _converter() -> SectionConverter:
    converter = getattr(_LOCAL, "converter", None)
    if converter is None:
        converter = _LOCAL.converter = SectionConverter()
    return converter
