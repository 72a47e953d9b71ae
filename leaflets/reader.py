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
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from . import limits
from .characters import strip_forbidden
from .discover import OFFICIAL_SUFFIXES, byte_limit, language_folder, page_slug
from .epi import looks_like_epi, parse_epi
from .errors import ContentError, NotALeafletError
from .files import read_page_bytes
from .markdown_ext import SectionConverter
from .model import Kind, Leaflet, Problem, Section, walk
from .paths import quote_path
from .sanitize import text_of
from .scripts import direction, isolate_ltr
from .sections import LEAFLET_KINDS, RawSection, looks_truncated, scan_sections
from .spl import looks_like_spl, parse_spl
from .vocabulary import refuses

_LANG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
#: A QR code at error correction M holds 2,331 bytes; the permalink, percent-encoded as the
#: URL carries it, stays far below that.
MAX_PERMALINK = 1000
#: What ``is_banned`` may say. Anything else is a mistake to fix, not a guess to make.
_TRUE = frozenset({"true", "yes", "y", "on", "1"})
_FALSE = frozenset({"false", "no", "n", "off", "0", ""})
_DATE_KEYS = ("date", "lastModified", "last_modified", "reviewed")
# The parsed HTML is checked again, exactly, per block; [^<>] keeps each pattern linear.
_BLOCK_TAG = re.compile(r"</?(?:p|li|h[1-6]|div|section|td|th|dd|dt|blockquote|ul|ol|table|tr)\b[^<>]*>")
_INLINE_TAG = re.compile(r"<[a-zA-Z][^<>]*>")


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML that also refuses anchors and aliases (no "billion laughs" in a header)."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.MarkedYAMLError(
                "while reading front matter", None, "aliases are not allowed", event.start_mark
            )
        return super().compose_node(parent, index)


# Dates stay as the page wrote them ("2025-02-30" is a typo to show, not a crash): no implicit
# timestamp conversion. Explicit tags such as !!timestamp still construct, and may fail below.
_NoAliasLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


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


def split_front_matter(text: str, path: str) -> tuple[dict[str, Any], list[str], int]:
    """Return (front matter, body lines, line number of the first body line)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, lines, 1
    for end in range(1, len(lines)):
        # Only a line in column 0 ends the header: an indented "..." is text of a folded scalar.
        if lines[end].rstrip() in ("---", "..."):
            break
    else:
        raise ContentError(path, "front matter starts with '---' but never ends", 1)
    limits.check_header(lines[1:end], 2, path)
    header = "\n".join(lines[1:end])
    try:
        data = yaml.load(header, Loader=_NoAliasLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 2 if mark is not None else 1
        raise ContentError(path, f"front matter is not valid YAML: {exc.problem}", line) from None
    except yaml.YAMLError as exc:
        raise ContentError(path, f"front matter is not valid YAML: {exc}", 1) from None
    except RecursionError:
        raise ContentError(
            path, f"front matter is nested more than {limits.MAX_FRONT_MATTER_DEPTH} levels deep", 2
        ) from None
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
        # PyYAML's constructors raise these for values such as "!!timestamp x" or "!!int word".
        raise ContentError(path, f"front matter has a value YAML cannot read: {exc}", 2) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ContentError(path, "front matter must be a mapping of keys to values", 2)
    if (problem := limits.front_matter_problem(data)) is not None:
        key, message = problem
        at = next((n for n, t in enumerate(lines[1:end], 2) if t.startswith(f"{key}:")), 2)
        raise ContentError(path, message, at)
    return data, lines[end + 1 :], end + 2


def _scalar(value: Any, path: str, key: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, str | int | float):
        return str(value).strip() or None
    raise ContentError(path, f"front matter {key!r} must be text, not a {type(value).__name__}")


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
        if not _LANG.match(official.lang):
            raise ContentError(path, f"language {official.lang!r} is not a language tag")
        return replace(official, slug=page_slug(relpath), relpath=relpath)
    text, notes = decode(data, path, max_bytes)
    problems = list(notes)
    meta, body, first = split_front_matter(text, path)
    limits.check_body(body, first, path)
    body, stripped = _strip_controls(body)
    if stripped:
        problems.append(
            Problem("warning", "control-characters", f"removed {stripped} control character(s) from the text")
        )
    h1, raw_sections = scan_sections(list(enumerate(body, first)))
    title = _scalar(meta.get("title"), path, "title") or (text_of(h1[1]) if h1 else None)
    if not title:
        raise ContentError(path, "page has no title (no 'title:' in front matter and no '# ' heading)")
    permalink = _scalar(meta.get("permalink"), path, "permalink")
    if permalink is not None and (size := len(quote_path(permalink))) > MAX_PERMALINK:
        raise ContentError(
            path,
            f"permalink is too long for a QR code ({size:,} characters once percent-encoded; "
            f"at most {MAX_PERMALINK:,})",
        )
    if _banned(meta.get("is_banned"), path):
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
        faqs = _front_matter_faqs(meta["faqs"], converter, at)
        if faqs is not None:
            sections = _fill_faqs(sections, faqs)
    problems.extend(_refusals(sections))
    if (line := looks_truncated(raw_sections)) is not None:
        problems.append(Problem("warning", "truncated", "page looks truncated: it stops mid-sentence", line))
    lang = _scalar(meta.get("lang"), path, "lang") or default_lang
    if not _LANG.match(lang):
        problems.append(Problem("warning", "lang", f"lang {lang!r} is not a language tag; using 'en'"))
        lang = "en"
    if folder is not None and lang.casefold() != folder.casefold():
        message = f"lang {lang!r} is not the language of its folder {folder + '/'!r}"
        problems.append(Problem("warning", "lang", message))
    translations = _translations(meta.get("translations"), problems)
    if direction(lang) == "rtl":
        sections = [_isolated(section) for section in sections]
    generic = next((text_of(s.html) for s in walk(sections) if s.kind is Kind.GENERIC_NAME), None)
    date = next((d for k in _DATE_KEYS if (d := _scalar(meta.get(k), path, k))), None)
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
        aliases=_aliases(meta.get("aliases"), path),
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


def _banned(value: Any, path: str) -> bool:
    """``is_banned``: YAML booleans, and the words and numbers people write for them."""
    if value is None or isinstance(value, bool):
        return bool(value)
    word = str(value).strip().casefold() if isinstance(value, str | int | float) else None
    if word in _TRUE or (isinstance(value, int | float) and value != 0):
        return True
    if word in _FALSE:
        return False
    raise ContentError(path, f"front matter 'is_banned' must be true or false, not {value!r}")


def _aliases(value: Any, path: str) -> tuple[str, ...]:
    """``aliases:`` is a list of names (or one name); anything else is a content error."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        name = _scalar(item, path, "aliases")
        if name:
            names.append(name)
    return tuple(dict.fromkeys(names))


def _translations(value: Any, problems: list[Problem]) -> tuple[tuple[str, str], ...]:
    """``translations: {ar: p/paracetamol-ar}``: the same medicine's pages in other languages."""
    if value is None:
        return ()
    if not isinstance(value, dict):
        problems.append(
            Problem("warning", "translations", "translations must map language tags to pages; ignored")
        )
        return ()
    found = []
    for lang, ref in value.items():
        page = ref.strip().removesuffix(".md").strip("/") if isinstance(ref, str) else ""
        if not (isinstance(lang, str) and _LANG.match(lang)) or not page or ".." in page.split("/"):
            problems.append(
                Problem(
                    "warning", "translations", f"translation {lang!r}: {ref!r} is not a language and a page"
                )
            )
            continue
        found.append((lang, page))
    return tuple(found)


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


def _front_matter_faqs(items: list[Any], converter: SectionConverter, line: int) -> Section | None:
    """gen3's ``faqs: [{q, a}]``. The importer often left the answer inside ``q`` too
    (``"Question?**\n\n**A:** answer"``): keep the question, and the answer from ``a`` or ``q``."""
    lines = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("q"), str):
            continue
        q = item["q"]
        a = item.get("a") if isinstance(item.get("a"), str) else ""
        parts = re.split(r"\*\*\s*A\s*:\s*\*\*|\n\s*\n", q, maxsplit=1)
        head, tail = parts[0], (parts[1] if len(parts) > 1 else "")
        if not tail and not a.strip() and "?" in head.rstrip("*_ ")[:-1]:
            # "Can I drive? Avoid driving until …": the answer follows the question mark.
            head, _, tail = head.partition("?")
            head += "?"
        question = re.sub(r"[*_]+", "", head).strip()
        answer = re.sub(r"^\s*(?:\*+\s*)?A\s*:\s*\**\s*", "", a or tail).strip()
        if question:
            lines.append(f"* **{question}** {' '.join(answer.split())}")
    if not lines:
        return None
    body = converter.convert(Kind.FAQS, "\n".join(lines))
    return Section(kind=Kind.FAQS, label="FAQs", line=line, html=body.html, faqs=body.faqs)


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
