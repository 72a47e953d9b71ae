"""Issue 17: FDA SPL documents read into the same content model: their patient parts only.

Humira (a prescription label with a boxed warning and a Medication Guide) and an OTC Drug Facts
label (cough), both CC0 (tests/fixtures/official/README.md); hardened parsing; refusals.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import page as pdf_validator
import pytest
from click.testing import CliRunner
from conftest import BASE_URL, FIXTURES, pdftotext, squash

from leaflets import Kind, Settings, Severity
from leaflets.cli import cli
from leaflets.errors import ContentError, NotALeafletError
from leaflets.pdf import write_pdf
from leaflets.reader import parse_page, read_page
from leaflets.render import render_html

OFFICIAL = FIXTURES / "official"
HUMIRA = OFFICIAL / "humira.xml"
COUGH = OFFICIAL / "cough.xml"
SETTINGS = Settings(base_url=BASE_URL, content_dir=OFFICIAL)


def read(path: Path):
    return read_page(path, content_root=OFFICIAL, **SETTINGS.read_options)


def parse(data: bytes, name: str = "variant.xml"):
    return parse_page(data, name, **SETTINGS.read_options)


def test_humira_prints_its_medication_guide_with_the_boxed_warning_first():
    leaflet = read(HUMIRA)
    assert leaflet.source_format == "spl" and leaflet.title == "Humira (Adalimumab)"
    assert leaflet.revision.startswith("608d4f0d-b19f-46d3-749a-7159aa5f933d v1560 · ")  # setId v version
    assert leaflet.date == "2013-09-30"  # effectiveTime
    first = leaflet.sections[0]
    assert first.kind is Kind.BOXED_WARNING and first.label == "WARNING: SERIOUS INFECTIONS AND MALIGNANCY"
    assert all(g.severity is Severity.SERIOUS for g in first.groups)
    labels = [s.label for s in leaflet.sections]
    for heading in (
        "What is the most important information I should know about HUMIRA?",
        "What is HUMIRA?",
        "How should I take HUMIRA?",
        "What are the possible side effects of HUMIRA?",
        "How should I store HUMIRA?",
    ):
        assert heading in labels
    info = next(p for p in leaflet.problems if p.code == "patient-parts")
    assert "Medication Guide" in info.message and "not printed: 18 section(s)" in info.message


@pytest.mark.slow
def test_humira_pdf_boxed_warning_first_inside_the_serious_callout(tmp_path):
    leaflet = read(HUMIRA)
    html = render_html(leaflet, SETTINGS)
    main = html.split("<main>")[1]
    first_section = re.search(r"<section[^>]*>.*?</section>", main, re.S).group(0)
    assert 'class="callout callout--serious callout--boxed"' in first_section
    assert "WARNING: SERIOUS INFECTIONS AND MALIGNANCY" in first_section
    assert "Discontinue HUMIRA if a patient develops a serious infection or sepsis." in first_section
    out = tmp_path / "humira.pdf"
    write_pdf(leaflet, out, SETTINGS)
    text = squash(pdftotext(out))
    order = [
        "WARNING: SERIOUS INFECTIONS AND MALIGNANCY",
        "MEDICATION GUIDE",
        "What is HUMIRA?",
        "HUMIRA is a medicine called a Tumor Necrosis Factor (TNF) blocker",
        "Common side effects with HUMIRA include:",
        "How should I store HUMIRA?",
        "What are the ingredients in HUMIRA?",
        "INSTRUCTIONS FOR USE",
        "This Instructions for Use has been approved by the U.S. Food and Drug Administration.",
    ]
    positions = [text.find(squash(p)) for p in order]
    assert -1 not in positions, [p for p, i in zip(order, positions, strict=True) if i < 0]
    assert positions[0] < min(positions[1:])
    # The professional label never prints.
    for professional in ("CLINICAL STUDIES", "14.1 Rheumatoid Arthritis", "Pharmacokinetics"):
        assert squash(professional) not in text
    report = pdf_validator.validate_pdf(str(out), profile="ua1")
    assert report.is_compliant, sorted({f.rule_id for f in report.failures})


@pytest.mark.slow
def test_otc_drug_facts_print_whole_in_their_own_order(tmp_path):
    leaflet = read(COUGH)
    assert (
        leaflet.title
        == "TRIAMINIC Childrens Night Time Cold and Cough (Diphenhydramine HCl, Phenylephrine HCl)"
    )
    out = tmp_path / "cough.pdf"
    write_pdf(leaflet, out, SETTINGS)
    text = squash(pdftotext(out))
    facts = [
        "Active ingredient",
        "Diphenhydramine HCl 6.25 mg",
        "Purpose",
        "Uses",
        "Warnings",
        "Do not use",
        "Stop use and ask a doctor if",
        "get medical help or contact a Poison Control Center right away",
        "Directions",
        "children 6 to under 12 years of age",
        "Other informaton",
        "Inactive ingredients",
        "Questions or comments?",
        "1-800-452-0051",
    ]
    # Its boxed warning (a tamper-evident notice) prints first, under the tool's "Warning".
    at = text.find(squash("Warning TAMPER-EVIDENT FEATURE: DO NOT USE IF SAFETY SEAL"))
    assert at >= 0
    for phrase in facts:  # then every fact, each after the one before
        found = text.find(squash(phrase), at + 1)
        assert found > at, phrase
        at = found
    report = pdf_validator.validate_pdf(str(out), profile="ua1")
    assert report.is_compliant, sorted({f.rule_id for f in report.failures})


def test_a_label_without_patient_parts_is_refused():
    data = HUMIRA.read_bytes()
    professional = re.sub(rb'code="42231-1"', b'code="34076-0"', data)
    with pytest.raises(
        NotALeafletError, match="not a patient leaflet: no Medication Guide or patient insert"
    ):
        parse(professional)


def test_unclassified_sections_nothing_maps_are_warned_by_check():
    result = CliRunner().invoke(cli, ["check", str(COUGH)])
    assert "unknown section 'Other informaton'" in result.output
    assert "info: printed: OTC Drug Facts" in result.output


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE document [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<document xmlns="urn:hl7-org:v3"><title>&secret;</title></document>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE document [
<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
<!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;"><!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
]>
<document xmlns="urn:hl7-org:v3"><title>&g;</title></document>"""


@pytest.mark.parametrize("data", [XXE, LAUGHS], ids=["external-entity", "billion-laughs"])
def test_entities_and_dtds_are_refused_quickly_in_one_line(data):
    started = time.perf_counter()
    with pytest.raises(ContentError, match=r"variant.xml:2: the XML declares a DTD or entities") as info:
        parse(data)
    assert time.perf_counter() - started < 1.0
    assert "\n" not in str(info.value) and "root:" not in str(info.value)


def test_the_parser_itself_never_expands_entities():
    """Behind the refusal, the parser is hardened too: an entity stays unexpanded."""
    from lxml import etree

    from leaflets.spl import _parser

    root = etree.fromstring(XXE, _parser())
    assert "root:" not in "".join(root.itertext())
    try:
        root = etree.fromstring(LAUGHS, _parser())
    except etree.XMLSyntaxError as exc:  # libxml2's own amplification guard
        assert "amplification" in str(exc)
    else:
        assert len("".join(root.itertext())) < 100


@pytest.mark.parametrize("levels", [110, 150])
def test_deeply_nested_sections_are_refused(levels):
    inner = b'<section><code code="42229-5"/><title>x</title><text><paragraph>x</paragraph></text>'
    body = (
        b"<component>"
        + inner
        + (b"<component>" + inner) * levels
        + (b"</section></component>" * (levels + 1))
    )
    data = (
        b'<document xmlns="urn:hl7-org:v3"><code code="34391-3"/><component><structuredBody>'
        b'<component><section><code code="42231-1"/><text><paragraph>Guide</paragraph></text>'
        + body
        + b"</section></component></structuredBody></component></document>"
    )
    with pytest.raises(ContentError, match="nested too deeply") as info:
        parse(data)
    assert "\n" not in str(info.value)


def test_xml_that_is_not_spl_is_refused(tmp_path):
    other = tmp_path / "notes.xml"
    other.write_text('<?xml version="1.0"?><notes><note>hi</note></notes>')
    with pytest.raises(ContentError, match="not an SPL document"):
        read(other)
