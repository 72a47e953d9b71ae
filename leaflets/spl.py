"""Read an FDA SPL document (XML in ``urn:hl7-org:v3``) into a Leaflet: its patient parts only.

- Parsed with lxml hardened: no DTD, no entity expansion, no network, no huge trees. A document
  that declares a DTD or entities is refused outright (real SPL has none).
- Patient parts are found by LOINC code: Medication Guide 42231-1, patient package insert
  42230-3, Patient Medication Information 68498-5, Instructions for Use 59845-8. An OTC label
  (Drug Facts) is printed whole, in its own order. A document with neither is refused: the
  professional label is never printed as a patient leaflet.
- Boxed warnings (34066-1) print first, as a serious callout under their own title.
- A part's text is split at its own headings (a paragraph in bold alone that is a Medication
  Guide heading: "What is the most important information I should know about X?").
"""

from __future__ import annotations

import hashlib
import html
import re

from lxml import etree

from . import codes
from .errors import ContentError, NotALeafletError
from .labels import classify_heading
from .model import Kind, Leaflet, Problem
from .official import MAX_ELEMENT_DEPTH, Node, map_sections

NS = "urn:hl7-org:v3"
V = f"{{{NS}}}"
_DECLARES = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.I)
_STYLE_TAGS = (("bold", "strong"), ("italics", "em"), ("underline", "u"))
_IFU = re.compile(r"^\s*instructions\s+for\s+use\b", re.I)


def looks_like_spl(data: bytes) -> bool:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<") and NS.encode() in data[:8192]


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_spl(data: bytes, path: str, *, max_bytes: int, default_lang: str = "en") -> Leaflet:
    if len(data) > max_bytes:
        raise ContentError(path, f"file is {len(data):,} bytes, over the {max_bytes:,}-byte limit for SPL")
    if m := _DECLARES.search(data):
        line = data[: m.start()].count(b"\n") + 1
        raise ContentError(path, "the XML declares a DTD or entities, which are never read", line)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        if "depth" in (exc.msg or "").lower():
            raise ContentError(path, "the XML is nested too deeply (over libxml2's 256 levels)") from None
        raise ContentError(path, f"not well-formed XML: {exc.msg}", exc.lineno or None) from None
    if root.tag != f"{V}document":
        raise ContentError(path, f"not an SPL document: the root element is not <document> in {NS}")
    _check_depth(root, path)
    problems: list[Problem] = []
    media = {m.get("ID"): _plain(m.find(f"{V}text")) for m in root.iter(f"{V}observationMedia")}
    body = root.find(f"{V}component/{V}structuredBody")
    top = body.findall(f"{V}component/{V}section") if body is not None else []
    doc_code = _code(root)
    otc = doc_code == codes.OTC_DOCUMENT or any(
        _code(s) in codes.OTC_SECTIONS for s in root.iter(f"{V}section")
    )
    boxed = [s for s in root.iter(f"{V}section") if _code(s) == codes.BOXED_WARNING]
    if otc:
        parts = [s for s in top if _code(s) not in codes.DATA_SECTIONS]
        what = "OTC Drug Facts, printed whole in their own order"
    else:
        parts = _patient_parts(top)
        if not parts:
            raise NotALeafletError(path, "not a patient leaflet: no Medication Guide or patient insert")
        names = sorted({codes.PATIENT_PARTS[_code(p)] for p in parts})
        what = ", ".join(names)
    skipped = sum(
        1 for s in top if s not in parts and _code(s) not in codes.DATA_SECTIONS | {codes.BOXED_WARNING}
    )
    problems.append(
        Problem(
            "info",
            "patient-parts",
            f"printed: {what}"
            + (f"; {len(boxed)} boxed warning(s) first" if boxed else "")
            + (
                f"; not printed: {skipped} section(s) of the professional label"
                if skipped and not otc
                else ""
            ),
        )
    )
    convert = _Converter(media)
    nodes = [_node(s, convert, skip=set(boxed)) for s in boxed]
    for part in parts:
        if part in boxed:
            continue
        if otc:
            nodes.append(_node(part, convert, skip=set(boxed)))
        else:
            nodes.extend(_split_part(part, convert, set(boxed)))
    sections, found = map_sections(nodes, path)
    problems += found
    set_id = _attr(root.find(f"{V}setId"), "root")
    version = _attr(root.find(f"{V}versionNumber"), "value")
    official = (
        f"{set_id} v{version}" if set_id and version else (set_id or _attr(root.find(f"{V}id"), "root"))
    )
    from .official import generic_from

    generic = _generic(root)
    return Leaflet(
        source=path,
        slug="",
        title=_title(root) or path,
        lang=_lang(root) or default_lang,
        sections=tuple(sections),
        revision=f"{official} · {hashlib.sha256(data).hexdigest()[:12]}" if official else "",
        generic_name=generic or generic_from(sections),
        date=_date(_attr(root.find(f"{V}effectiveTime"), "value")),
        problems=tuple(problems),
        source_format="spl",
    )


def _check_depth(root, path: str) -> None:
    stack = [(root, 1)]
    while stack:
        el, depth = stack.pop()
        if depth > MAX_ELEMENT_DEPTH:
            raise ContentError(path, f"the XML is nested too deeply (more than {MAX_ELEMENT_DEPTH} levels)")
        stack.extend((c, depth + 1) for c in el)


def _attr(el, name: str) -> str | None:
    return el.get(name) if el is not None else None


def _code(el) -> str | None:
    return _attr(el.find(f"{V}code"), "code")


def _plain(el) -> str:
    return " ".join("".join(el.itertext()).split()) if el is not None else ""


def _date(value: str | None) -> str | None:
    """SPL's ``20130930`` as ``2013-09-30``; anything else as written."""
    if value and re.fullmatch(r"\d{8}", value):
        return f"{value[:4]}-{value[4:6]}-{value[6:]}"
    return value


def _lang(root) -> str | None:
    code = _attr(root.find(f"{V}languageCode"), "code")
    return code.split("-")[0].lower() if code else None


def _products(root) -> list:
    return [p for p in root.iter(f"{V}manufacturedProduct") if p.find(f"{V}name") is not None]


def _generic(root) -> str | None:
    names = [
        _plain(g.find(f"{V}name")) for g in root.iter(f"{V}genericMedicine") if g.find(f"{V}name") is not None
    ]
    return next((n for n in names if n), None)


def _title(root) -> str | None:
    """The product's name (and its generic name), as the document gives them: the document's own
    title is the professional highlights' heading."""
    products = _products(root)
    if products:
        # <name>TRIAMINIC<suffix>Childrens …</suffix></name>: the parts are words of their own.
        name = " ".join(" ".join(products[0].find(f"{V}name").itertext()).split())
        generic = _generic(root)
        if generic and generic.casefold() not in name.casefold():
            return f"{name} ({generic})"
        return name
    return _plain(root.find(f"{V}title")) or None


def _patient_parts(sections: list) -> list:
    """Patient sections, outermost first, in document order."""
    found = []
    stack = list(reversed(sections))
    while stack:
        s = stack.pop()
        if _code(s) in codes.PATIENT_PARTS:
            found.append(s)
            continue
        stack.extend(reversed(s.findall(f"{V}component/{V}section")))
    return found


def _node(section, convert: _Converter, skip: set) -> Node:
    text = section.find(f"{V}text")
    code = _code(section)
    return Node(
        title=_plain(section.find(f"{V}title")) or None,
        codes=[(codes.LOINC, code)] if code and code != codes.UNCLASSIFIED else [],
        html=convert.html(text) if text is not None else "",
        children=[
            _node(c, convert, skip) for c in section.findall(f"{V}component/{V}section") if c not in skip
        ],
        line=section.sourceline or 0,
    )


def _heading_text(el) -> str | None:
    """A paragraph that is bold alone: its text, else None."""
    if el.tag != f"{V}paragraph" or (el.text or "").strip() or not len(el):
        return None
    for child in el:
        styles = (child.get("styleCode") or "").lower()
        if child.tag != f"{V}content" or "bold" not in styles or (child.tail or "").strip():
            return None
    return _plain(el) or None


def _split_part(section, convert: _Converter, skip: set) -> list[Node]:
    """A patient part's text, split at its own headings. What comes before the first heading
    is the part's introduction; untitled sub-sections continue the section before them."""
    code = _code(section)
    title = _plain(section.find(f"{V}title")) or None
    in_ifu = code == "59845-8"
    # An Instructions for Use part is one section (how to use); any other part's opening text
    # is its introduction.
    intro = Node(title=title, line=section.sourceline or 0, kind=Kind.DOSAGE if in_ifu else Kind.INTRO)
    nodes = [intro]
    current, buffer = intro, []
    text = section.find(f"{V}text")
    for el in text if text is not None else []:
        heading = _heading_text(el)
        # "Before starting HUMIRA, tell your doctor if you:" introduces what follows: not a heading.
        if heading and heading.rstrip().endswith(":"):
            heading = None
        kind = classify_heading(heading, official_only=True) if heading else None
        ifu = bool(heading and _IFU.match(heading))
        if kind is not None and (not in_ifu or ifu):
            current.html = "".join(convert.html_of(b) for b in buffer)
            current = Node(title=heading, line=el.sourceline or 0)
            nodes.append(current)
            buffer, in_ifu = [], in_ifu or ifu
            continue
        buffer.append(el)
    current.html = "".join(convert.html_of(b) for b in buffer)
    for child in section.findall(f"{V}component/{V}section"):
        if child in skip:
            continue
        node = _node(child, convert, skip)
        if node.title or node.codes:
            nodes.append(node)
        else:
            nodes[-1].html += node.html
            nodes[-1].children += node.children
    if not intro.html.strip() and not intro.children:
        nodes.remove(intro)
    return nodes


class _Converter:
    """SPL narrative → the HTML markdown pages produce (escaped here, sanitised by the mapper)."""

    def __init__(self, media: dict[str, str]):
        self.media = media

    def html(self, text) -> str:
        return self._inner(text)

    def html_of(self, el) -> str:
        return self._element(el) + self._escape(el.tail)

    @staticmethod
    def _escape(value: str | None) -> str:
        return html.escape(re.sub(r"\s+", " ", value), quote=False) if value else ""

    def _inner(self, el) -> str:
        return self._escape(el.text) + "".join(self._element(c) + self._escape(c.tail) for c in el)

    def _element(self, el) -> str:
        if not isinstance(el.tag, str):
            return ""
        tag = etree.QName(el).localname
        inner = self._inner(el)
        if tag == "paragraph":
            return f"<p>{inner}</p>"
        if tag == "list":
            name = "ol" if (el.get("listType") or "").lower() == "ordered" else "ul"
            return f"<{name}>{inner}</{name}>"
        if tag == "item":
            return f"<li>{inner}</li>"
        if tag in ("table", "thead", "tbody", "tfoot", "tr", "caption"):
            return f"<{tag}>{inner}</{tag}>"
        if tag in ("td", "th"):
            span = "".join(
                f' {a}="{int(v)}"' for a in ("colspan", "rowspan") if (v := el.get(a)) and v.isdigit()
            )
            return f"<{tag}{span}>{inner}</{tag}>"
        if tag in ("col", "colgroup"):
            return ""
        if tag == "br":
            return "<br>"
        if tag in ("sup", "sub"):
            return f"<{tag}>{inner}</{tag}>"
        if tag == "content":
            styles = (el.get("styleCode") or "").lower()
            for style, name in _STYLE_TAGS:
                if style in styles:
                    inner = f"<{name}>{inner}</{name}>"
            return inner
        if tag == "renderMultiMedia":
            # An image prints as its text (the observationMedia's description): never fetched.
            return self._escape(self.media.get(el.get("referencedObject") or "", ""))
        # linkHtml, footnote and anything else: their text, nothing dropped.
        return inner
