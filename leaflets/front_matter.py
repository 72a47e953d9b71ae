"""Front matter: a markdown page's YAML header, read safely, and the fields the reader takes from it.

``split_front_matter`` parses the header with a safe loader that refuses aliases, after
``limits`` has checked its size and depth on the raw text. The other functions check one field
each (permalink, ``is_banned``, aliases, translations, lang, date, gen3's FAQs) and raise
``ContentError`` naming the page, or add a warning, as each field deserves.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

import yaml

from . import limits
from .errors import ContentError
from .model import Kind, Problem, Section
from .paths import quote_path

if TYPE_CHECKING:
    from .markdown_ext import SectionConverter

_LANG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
#: A QR code at error correction M holds 2,331 bytes; the permalink, percent-encoded as the
#: URL carries it, stays far below that.
MAX_PERMALINK = 1000
#: What ``is_banned`` may say. Anything else is a mistake to fix, not a guess to make.
_TRUE = frozenset({"true", "yes", "y", "on", "1"})
_FALSE = frozenset({"false", "no", "n", "off", "0", ""})
_DATE_KEYS = ("date", "lastModified", "last_modified", "reviewed")


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


def is_language_tag(text: str) -> bool:
    """A BCP 47 shape: ``en``, ``pt-BR``, ``zh-Hant-TW``."""
    return bool(_LANG.match(text))


def scalar(value: Any, path: str, key: str) -> str | None:
    """One front-matter value as text (None when absent or blank); a list or mapping is an error."""
    if value is None:
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, str | int | float):
        return str(value).strip() or None
    raise ContentError(path, f"front matter {key!r} must be text, not a {type(value).__name__}")


def permalink(meta: dict[str, Any], path: str) -> str | None:
    """``permalink:``, refused when its percent-encoded form would not fit the QR code."""
    value = scalar(meta.get("permalink"), path, "permalink")
    if value is not None and (size := len(quote_path(value))) > MAX_PERMALINK:
        raise ContentError(
            path,
            f"permalink is too long for a QR code ({size:,} characters once percent-encoded; "
            f"at most {MAX_PERMALINK:,})",
        )
    return value


def banned(value: Any, path: str) -> bool:
    """``is_banned``: YAML booleans, and the words and numbers people write for them."""
    if value is None or isinstance(value, bool):
        return bool(value)
    word = str(value).strip().casefold() if isinstance(value, str | int | float) else None
    if word in _TRUE or (isinstance(value, int | float) and value != 0):
        return True
    if word in _FALSE:
        return False
    raise ContentError(path, f"front matter 'is_banned' must be true or false, not {value!r}")


def lang(meta: dict[str, Any], path: str, default: str, problems: list[Problem]) -> str:
    """``lang:`` (else ``default``); a value that is not a language tag warns and reads as English."""
    value = scalar(meta.get("lang"), path, "lang") or default
    if not is_language_tag(value):
        problems.append(Problem("warning", "lang", f"lang {value!r} is not a language tag; using 'en'"))
        return "en"
    return value


def page_date(meta: dict[str, Any], path: str) -> str | None:
    """The page's date, from the first of its date keys that holds one, as the page wrote it."""
    return next((d for k in _DATE_KEYS if (d := scalar(meta.get(k), path, k))), None)


def aliases(value: Any, path: str) -> tuple[str, ...]:
    """``aliases:`` is a list of names (or one name); anything else is a content error."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        name = scalar(item, path, "aliases")
        if name:
            names.append(name)
    return tuple(dict.fromkeys(names))


def translations(value: Any, problems: list[Problem]) -> tuple[tuple[str, str], ...]:
    """``translations: {ar: p/paracetamol-ar}``: the same medicine's pages in other languages."""
    if value is None:
        return ()
    if not isinstance(value, dict):
        problems.append(
            Problem("warning", "translations", "translations must map language tags to pages; ignored")
        )
        return ()
    found = []
    for tag, ref in value.items():
        page = ref.strip().removesuffix(".md").strip("/") if isinstance(ref, str) else ""
        if not (isinstance(tag, str) and is_language_tag(tag)) or not page or ".." in page.split("/"):
            problems.append(
                Problem(
                    "warning", "translations", f"translation {tag!r}: {ref!r} is not a language and a page"
                )
            )
            continue
        found.append((tag, page))
    return tuple(found)


def faqs(items: list[Any], converter: SectionConverter, line: int) -> Section | None:
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
