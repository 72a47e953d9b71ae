"""The one vocabulary module: section names and severity words, and how fast labels are read."""

from __future__ import annotations

from functools import partial

import pytest
import timing

from leaflets import Kind, Severity
from leaflets.labels import classify
from leaflets.markdown_ext import SectionConverter
from leaflets.side_effects import is_group_label
from leaflets.vocabulary import LANGUAGES, names_side_effects, only_qualifiers, says_serious


def severities(markdown: str) -> list[tuple[str, Severity]]:
    body = SectionConverter().convert(Kind.SIDE_EFFECTS, markdown)
    return [(b.html, b.severity) for g in body.groups for b in g.blocks]


def test_languages_are_data_records_with_every_field():
    codes = [w.code for w in LANGUAGES]
    assert {"en", "fr", "es"} <= set(codes)
    assert len(codes) == len(set(codes))
    for words in LANGUAGES:
        assert words.sections and words.side_effects and words.serious and words.frequency


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        ("Serious adverse events", Kind.SIDE_EFFECTS),
        ("Adverse Drug Reactions", Kind.SIDE_EFFECTS),
        ("Effets indésirables", Kind.SIDE_EFFECTS),
        ("Efectos secundarios", Kind.SIDE_EFFECTS),
        ("Important Note", Kind.NOTE),
        ("Posología", Kind.DOSAGE),
    ],
)
def test_section_words_name_their_section(label, kind):
    assert classify(label) is kind


def test_section_and_severity_halves_agree_on_adverse_events():
    """ "Serious adverse events:" names side effects for both the section scan and the groups."""
    assert classify("Serious adverse events") is Kind.SIDE_EFFECTS
    assert names_side_effects("Serious adverse events")
    got = severities("**Serious adverse events:**\n\n* Fainting\n* Chest pain")
    assert got and all(s is Severity.SERIOUS for _, s in got)


@pytest.mark.parametrize(
    "label",
    ["Common", "Rare", "Less common but serious", "Very common / common", "Uncommon, rare", "Raros", "Rares"],
)
def test_frequency_only_labels_are_group_labels(label):
    assert only_qualifiers(label)
    assert is_group_label(label + ":")


@pytest.mark.parametrize("label", ["Drowsiness", "Common cold", "Rare skin rash", "Headache"])
def test_item_terms_are_not_group_labels(label):
    assert not only_qualifiers(label)


# Every serious word of every language, in a label that says it and in one that negates it.
SEVERITY_WORDS = [
    ("Serious side effects", "Side effects that are not serious"),
    ("Seriously ill", "Not seriously ill"),
    ("Severe reactions", "Non-severe reactions"),
    ("Severely itchy skin", "Less severely itchy skin"),
    ("Effects that can be life-threatening", "Effects that are not life-threatening"),
    ("A medical emergency", "This is not an emergency"),
    ("Emergencies", "No emergencies"),
    ("Stop and tell your doctor immediately", "Usually not immediately harmful"),
    ("Seek immediate medical attention", "These do not need immediate medical attention"),
    ("Urgent care is needed", "Not urgent"),
    ("Call your doctor urgently", "Not urgently"),
    ("Call your doctor right away", "They pass, though not right away"),
    ("These can be fatal", "Non-fatal reactions"),
    ("Range from serious to mild", "Range from mild to severe"),
    ("Effets indésirables graves", "Effets indésirables pas graves"),
    ("Réactions sévères", "Réactions peu sévères"),
    ("Effets sérieux", "Effets non sérieux"),
    ("Appelez les urgences", "Pas urgence"),
    ("Consultez immédiatement", "Pas immédiatement"),
    ("Efectos secundarios graves", "Efectos secundarios no graves"),
    ("Reacciones severas", "Reacciones poco severas"),
    ("Acuda a urgencias", "No urgencias"),
    ("Llame al médico inmediatamente", "No inmediatamente"),
    ("Busque ayuda de inmediato", "No de inmediato"),
    ("Efectos leves", "Efectos leves a graves"),
]


@pytest.mark.parametrize(("says", "negated"), SEVERITY_WORDS)
def test_each_severity_word_and_its_negation(says, negated):
    if says == "Efectos leves":  # the range's own negative case: a mild label is not serious
        assert not says_serious(says)
    else:
        assert says_serious(says), says
    assert not says_serious(negated), negated


@pytest.mark.parametrize(("says", "negated"), SEVERITY_WORDS[:13])
def test_negated_lead_in_gives_common_items(says, negated):
    """The negation reaches the printed severity: a negated lead-in opens a common group."""
    assert severities(f"{says}:\n\n* Item one") == [("Item one", Severity.SERIOUS)]
    assert severities(f"{negated}:\n\n* Item one") == [("Item one", Severity.COMMON)]


def _label(n: int) -> str:
    """A label of ``n`` frequency words that is not, in the end, a group label."""
    return " ".join(["common", "uncommon", "rare", "serious"] * (n // 4)) + " rash:"


def test_frequency_word_labels_take_linear_time():
    """A label of repeated frequency words once backtracked exponentially (22 words: 6–10 s).

    Doubling the label at most triples the time (``tests/timing.py``; an exponential matcher is
    caught by its wall time at the first size that takes too long)."""
    problem = timing.growth_problem(
        lambda n: partial(is_group_label, _label(n)),
        [8 * 2**k for k in range(8)],
        describe=lambda n: f"{n} words",
        screen_floor=0,
    )
    assert problem is None, problem
