"""Write a markdown page out as a FHIR ePI Type-1 document (an R5 ``Bundle``), validated with
``fhir.resources`` (R5, strict) before it is written.

- The ``Composition`` comes first, typed as an EMA "Package Leaflet", in the page's language, with
  one section per leaflet section, coded where the section maps to a QRD heading, in QRD order
  (1 … 6; sections with no QRD heading follow in page order, the disclaimer and note last).
- Each section's narrative is the page's sanitised HTML as XHTML. Side-effect groups become
  sub-sections (a heading label as the title), so that reading the bundle back gives the same
  groups and severities; FAQs become one heading per question.
- The bundle claims no regulatory status: no authorisation, no product identifiers, status
  ``preliminary``, and an author that says it is an export of the page.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import uuid
from typing import Any

import lxml.html
from lxml import etree

from . import __version__, codes
from .errors import RenderError
from .model import Faq, Kind, Leaflet, Prose, Section, SideEffect, SideEffectGroup
from .sanitize import text_of

XHTML = "http://www.w3.org/1999/xhtml"
_EMPTY_REASON = {
    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/list-empty-reason", "code": "unavailable"}]
}
#: QRD order of the kinds a markdown page has; kinds not listed keep page order after them.
_QRD_ORDER = {
    Kind.INTRO: 0,
    Kind.GENERIC_NAME: 0,
    Kind.USAGE: 1,
    Kind.PRECAUTIONS: 2,
    Kind.INTERACTIONS: 2,
    Kind.DOSAGE: 3,
    Kind.SIDE_EFFECTS: 4,
    Kind.STORAGE: 5,
    Kind.DISCLAIMER: 8,
    Kind.NOTE: 8,
}
_OTHERS = 7


def xhtml_div(html: str) -> str:
    """A sanitised HTML fragment as a FHIR narrative ``div`` (XHTML)."""
    parsed = lxml.html.fragment_fromstring(html or "", create_parent="div")
    div = etree.Element(f"{{{XHTML}}}div", nsmap={None: XHTML})
    div.text = parsed.text
    for child in parsed:
        div.append(_namespaced(child))
    return etree.tostring(div, encoding="unicode")


def _namespaced(el) -> etree._Element:
    copy = etree.Element(f"{{{XHTML}}}{el.tag}", {k: v for k, v in el.attrib.items()})
    copy.text, copy.tail = el.text, el.tail
    for child in el:
        if isinstance(child.tag, str):
            copy.append(_namespaced(child))
    return copy


def _narrative(html: str) -> dict[str, str] | None:
    if not text_of(html):
        return None
    return {"status": "additional", "div": xhtml_div(html)}


def _blocks_html(blocks: tuple[SideEffect | Prose, ...]) -> str:
    out, items = [], []
    for block in blocks:
        if isinstance(block, SideEffect):
            items.append(f"<li>{block.html}</li>")
            continue
        if items:
            out.append("<ul>" + "".join(items) + "</ul>")
            items = []
        out.append(block.html if block.html.lstrip().startswith("<") else f"<p>{block.html}</p>")
    if items:
        out.append("<ul>" + "".join(items) + "</ul>")
    return "".join(out)


def _group_section(group: SideEffectGroup) -> dict[str, Any]:
    body = _blocks_html(group.blocks)
    section: dict[str, Any] = {}
    if group.label is not None and group.label_is_heading:
        section["title"] = text_of(group.label)
    elif group.label is not None:
        body = f"<p>{group.label}</p>" + body  # a lead-in sentence stays a sentence
    narrative = _narrative(body)
    if narrative:
        section["text"] = narrative
    elif "title" not in section:
        return {}
    else:
        section["emptyReason"] = _EMPTY_REASON
    return section


def _faqs_html(faqs: tuple[Faq, ...]) -> str:
    out = []
    for faq in faqs:
        answer = (
            faq.answer
            if re.match(r"^\s*<(?:p|ul|ol|table|div|blockquote)\b", faq.answer)
            else f"<p>{faq.answer}</p>"
        )
        out.append(f"<h3>{faq.question}</h3>{answer}")
    return "".join(out)


def _section(section: Section) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if section.kind is not Kind.INTRO and section.label:
        out["title"] = section.label
    code = codes.QRD_FOR_KIND.get(section.kind)
    if code:
        out["code"] = {"coding": [{"system": codes.QRD_SYSTEM, "code": code, "display": codes.QRD[code][1]}]}
    html = section.html
    if section.kind is Kind.FAQS:
        html += _faqs_html(section.faqs)  # leftover text first: it is never read as an answer
    narrative = _narrative(html)
    if narrative:
        out["text"] = narrative
    subs = [_group_section(g) for g in section.groups]
    subs += [_section(child) for child in section.children]
    subs = [s for s in subs if s]
    if subs:
        out["section"] = subs
    if not narrative and not subs:
        out["emptyReason"] = _EMPTY_REASON
    return out


def _ordered(sections: tuple[Section, ...]) -> list[Section]:
    ranked = sorted(enumerate(sections), key=lambda p: (_QRD_ORDER.get(p[1].kind, _OTHERS), p[0]))
    return [s for _, s in ranked]


def _instant(leaflet: Leaflet) -> tuple[str, str]:
    """(Composition.date, Bundle.timestamp): the page's date, else SOURCE_DATE_EPOCH, else now."""
    if leaflet.date and re.match(r"^\d{4}-\d{2}-\d{2}$", leaflet.date):
        try:
            dt.date.fromisoformat(leaflet.date)
            return leaflet.date, f"{leaflet.date}T00:00:00Z"
        except ValueError:
            pass
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    moment = dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC) if epoch.isdigit() else dt.datetime.now(dt.UTC)
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return stamp, stamp


def _fhir_id(slug: str) -> str:
    return (re.sub(r"[^A-Za-z0-9.-]+", "-", slug).strip("-") or "leaflet")[:64]


def to_bundle(leaflet: Leaflet) -> dict[str, Any]:
    """The page as an ePI Type-1 document Bundle (plain JSON data)."""
    key = f"leaflets:{leaflet.relpath or leaflet.slug}:{leaflet.revision}"
    document = uuid.uuid5(uuid.NAMESPACE_URL, key)
    composition_id = uuid.uuid5(uuid.NAMESPACE_URL, key + ":composition")
    date, timestamp = _instant(leaflet)
    system, code, display = codes.PACKAGE_LEAFLET
    source = (leaflet.relpath or leaflet.slug) + ".md"
    composition = {
        "resourceType": "Composition",
        "id": _fhir_id(leaflet.slug),
        "language": leaflet.lang,
        "identifier": [{"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{composition_id}"}],
        "version": leaflet.revision,
        "status": "preliminary",
        "type": {"coding": [{"system": system, "code": code, "display": display}]},
        "subject": [{"display": leaflet.generic_name or leaflet.title}],
        "date": date,
        "author": [{"display": f"leaflets {__version__}, exported from {source}"}],
        "title": leaflet.title,
        "section": [s for s in (_section(x) for x in _ordered(leaflet.sections)) if s],
    }
    return {
        "resourceType": "Bundle",
        "id": _fhir_id(leaflet.slug),
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{document}"},
        "type": "document",
        "timestamp": timestamp,
        "entry": [{"fullUrl": f"urn:uuid:{composition_id}", "resource": composition}],
    }


def validate(bundle: dict[str, Any]) -> None:
    """Strict R5, plus the structural rules the samples follow (document, Composition first)."""
    from fhir.resources.bundle import Bundle
    from pydantic import ValidationError

    try:
        parsed = Bundle.model_validate(bundle)
    except ValidationError as exc:
        raise RenderError(f"the ePI export is not valid FHIR R5: {exc.errors()[0]}") from None
    first = parsed.entry[0].resource if parsed.entry else None
    if parsed.type != "document" or first is None or first.get_resource_type() != "Composition":
        raise RenderError("the ePI export is not a document Bundle with its Composition first")


def export_epi(leaflet: Leaflet) -> bytes:
    """The validated bundle as UTF-8 JSON bytes."""
    if leaflet.source_format != "markdown":
        raise RenderError(
            f"{leaflet.source}: only markdown pages are exported as ePI "
            f"(this is already an official source: {leaflet.source_format})"
        )
    bundle = to_bundle(leaflet)
    validate(bundle)
    return (json.dumps(bundle, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
