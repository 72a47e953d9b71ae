"""Read a FHIR ePI document (an R5 ``Bundle`` of type ``document`` whose first entry is the
``Composition``) into a Leaflet, validated with ``fhir.resources`` (R5, strict).

Published bundles are not all strict R5. They are read through this short list of tolerated
normalisations, and each one applied is named in an ``info`` line that ``check`` prints; anything
else that strict R5 rejects is an error:

- ``empty-strings``: empty strings (FHIR forbids them) are dropped, and the objects and lists they
  leave empty;
- ``r4-single-value``: R4's single ``Composition.identifier`` and ``Composition.subject`` become the
  one-element lists R5 has;
- ``r4-confidentiality``: R4's ``Composition.confidentiality`` moves to ``meta.security``, where
  R5 keeps it;
- ``r4-organization-contact``: R4's ``Organization.telecom`` and ``address`` move to
  ``Organization.contact``, where R5 keeps them.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from .errors import ContentError
from .model import Leaflet, Problem
from .official import Node, map_sections

NORMALISATIONS = ("empty-strings", "r4-single-value", "r4-confidentiality", "r4-organization-contact")
_CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"


def looks_like_epi(data: bytes) -> bool:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"{") and re.search(rb'"resourceType"\s*:\s*"Bundle"', data[:65536]) is not None


def _drop_empty(value: Any, where: str, dropped: list[str]) -> Any:
    """Without empty strings, and without the objects and lists that leaves empty (None)."""
    if isinstance(value, str):
        if value == "":
            dropped.append(where)
            return None
        return value
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            kept = _drop_empty(item, f"{where}.{key}" if where else key, dropped)
            if kept is not None:
                out[key] = kept
        return out or None
    if isinstance(value, list):
        items = [_drop_empty(item, f"{where}[{n}]", dropped) for n, item in enumerate(value)]
        kept_items = [item for item in items if item is not None]
        return kept_items or None
    return value


def normalise(data: dict) -> tuple[dict, list[Problem]]:
    """Apply the tolerated normalisations; returns the data and one info line per one applied."""
    notes: list[Problem] = []
    dropped: list[str] = []
    data = _drop_empty(data, "", dropped) or {}
    if dropped:
        shown = ", ".join(dropped[:3]) + (f" and {len(dropped) - 3} more" if len(dropped) > 3 else "")
        notes.append(
            Problem("info", "empty-strings", f"tolerated: dropped {len(dropped)} empty string(s) ({shown})")
        )
    for n, entry in enumerate(data.get("entry") or []):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            continue
        where = f"entry[{n}].resource"
        kind = resource.get("resourceType")
        if kind == "Composition":
            for key in ("identifier", "subject"):
                if isinstance(resource.get(key), dict):
                    resource[key] = [resource[key]]
                    notes.append(
                        Problem(
                            "info",
                            "r4-single-value",
                            f"tolerated: {where}.{key} is a single value (R4); read as a list (R5)",
                        )
                    )
            if "confidentiality" in resource:
                code = resource.pop("confidentiality")
                meta = resource.setdefault("meta", {})
                meta.setdefault("security", []).append({"system": _CONFIDENTIALITY, "code": code})
                notes.append(
                    Problem(
                        "info",
                        "r4-confidentiality",
                        f"tolerated: {where}.confidentiality (R4) moved to meta.security (R5)",
                    )
                )
        elif kind == "Organization" and ("telecom" in resource or "address" in resource):
            telecom = resource.pop("telecom", None)
            addresses = resource.pop("address", None) or [None]
            contacts = resource.setdefault("contact", [])
            for i, address in enumerate(addresses):
                contact = {}
                if telecom and i == 0:
                    contact["telecom"] = telecom
                if address:
                    contact["address"] = address
                if contact:
                    contacts.append(contact)
            if not contacts:
                resource.pop("contact")
            notes.append(
                Problem(
                    "info",
                    "r4-organization-contact",
                    f"tolerated: {where}.telecom/address (R4) moved to contact (R5)",
                )
            )
    return data, notes


def _validate(data: dict, path: str):
    from fhir.resources.bundle import Bundle
    from pydantic import ValidationError

    try:
        return Bundle.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ContentError(path, f"not a valid FHIR R5 Bundle: {where}: {first.get('msg')}{more}") from None
    except (ValueError, TypeError) as exc:
        raise ContentError(path, f"not a valid FHIR R5 Bundle: {exc}") from None


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _nodes(sections, lines: _Lines) -> list[Node]:
    nodes = []
    for section in sections or []:
        codings = section.code.coding if section.code and section.code.coding else []
        title = _text(section.title) or None
        line = lines.find(title)  # before the sub-sections: titles come in document order
        nodes.append(
            Node(
                title=title,
                codes=[(c.system, c.code) for c in codings if c.code],
                html=section.text.div if section.text and section.text.div else "",
                children=_nodes(section.section, lines),
                line=line,
            )
        )
    return nodes


class _Lines:
    """Line numbers of section titles in the JSON text, in order (for check's messages)."""

    def __init__(self, text: str):
        self.text, self.at = text, 0

    def find(self, title: str | None) -> int:
        if not title:
            return 0
        needle = json.dumps(title, ensure_ascii=False)[1:-1]
        i = self.text.find(needle, self.at)
        if i < 0:
            return 0
        self.at = i + len(needle)
        return self.text.count("\n", 0, i) + 1


def parse_epi(data: bytes, path: str, *, max_bytes: int, default_lang: str = "en") -> Leaflet:
    if len(data) > max_bytes:
        raise ContentError(path, f"file is {len(data):,} bytes, over the {max_bytes:,}-byte limit for ePI")
    try:
        text = data.decode("utf-8-sig")
        raw = json.loads(text)
    except UnicodeDecodeError:
        raise ContentError(path, "ePI bundle is not UTF-8 JSON") from None
    except json.JSONDecodeError as exc:
        raise ContentError(path, f"not valid JSON: {exc.msg}", exc.lineno) from None
    except RecursionError:
        raise ContentError(path, "the JSON is nested too deeply to read") from None
    if not isinstance(raw, dict) or raw.get("resourceType") != "Bundle":
        raise ContentError(path, "JSON file is not a FHIR Bundle")
    _check_raw_depth(raw, path)
    raw, problems = normalise(raw)
    bundle = _validate(raw, path)
    entries = bundle.entry or []
    composition = entries[0].resource if entries else None
    if bundle.type != "document" or composition is None or composition.get_resource_type() != "Composition":
        raise ContentError(
            path, "not an ePI document: a Bundle of type 'document' whose first entry is a Composition"
        )
    others = sorted({e.resource.get_resource_type() for e in entries[1:] if e.resource is not None})
    if others:
        problems.append(
            Problem(
                "info", "other-resources", f"not printed: the Bundle's other resources ({', '.join(others)})"
            )
        )
    if composition.text is not None:
        problems.append(
            Problem(
                "info",
                "composition-narrative",
                f"not printed: the Composition's own narrative (status {composition.text.status}), "
                "which restates the resource; its sections are the leaflet",
            )
        )
    nodes = _nodes(composition.section, _Lines(text))
    sections, found = map_sections(nodes, path)
    problems += found
    lang = composition.language or default_lang
    if composition.language is None:
        problems.append(
            Problem("info", "lang", f"the Composition has no language: read as {lang!r} (settings)")
        )
    subject = next((s.display for s in composition.subject or [] if s.display), None)
    official = _revision(bundle, composition)
    title = _text(composition.title) or path
    from .official import generic_from

    return Leaflet(
        source=path,
        slug="",
        title=title,
        lang=lang,
        sections=tuple(sections),
        revision=f"{official} · {hashlib.sha256(data).hexdigest()[:12]}",
        generic_name=subject or generic_from(sections),
        date=_written_date(raw) if composition.date else None,
        permalink=composition.url if composition.url and composition.url.startswith("https://") else None,
        problems=tuple(problems),
        source_format="epi",
    )


def _written_date(raw: dict) -> str | None:
    """The Composition's date as the bundle writes it (dates stay as written)."""
    value = raw["entry"][0]["resource"].get("date")
    return value if isinstance(value, str) else None


def _revision(bundle, composition) -> str:
    """``Bundle.identifier``, else the Composition's id and version."""
    if bundle.identifier is not None and bundle.identifier.value:
        return bundle.identifier.value
    version = composition.version or (composition.meta.versionId if composition.meta else None)
    ident = composition.id or "composition"
    return f"{ident} v{version}" if version else ident


def _check_raw_depth(raw: dict, path: str) -> None:
    """Refuse absurd section nesting before the validator walks it."""
    from .official import MAX_NESTING

    entries = raw.get("entry")
    if not isinstance(entries, list) or not entries or not isinstance(entries[0], dict):
        return
    resource = entries[0].get("resource")
    stack = [(s, 1) for s in (resource.get("section") or [])] if isinstance(resource, dict) else []
    while stack:
        section, depth = stack.pop()
        if depth > MAX_NESTING:
            raise ContentError(path, f"sections are nested too deeply (more than {MAX_NESTING} levels)")
        if isinstance(section, dict) and isinstance(section.get("section"), list):
            stack.extend((s, depth + 1) for s in section["section"])
