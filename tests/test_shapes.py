"""Every real page shape, as a fixture of our own: the parser's spec (issue 3).

Each page in ``fixtures/shapes/`` imitates one shape of the real corpus (``../shared/corpus``) with
made-up content. The pages end without a newline, like the corpus. For each page we assert:

- the sections (kind and label, children included, in page order);
- the exact number of serious and common side-effect items, and the severity of named items;
- the FAQ pairs (question without its ``Q:``/``Q1:`` prefix, answer without its ``A:`` prefix);
- that nothing of the body is dropped from the rendered HTML.

Severity comes only from the line that introduces a group (its heading, bold label or lead-in
sentence), never from what an item says.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from leaflets import Kind, NotALeafletError, Settings, Severity, render_html
from leaflets.model import Leaflet, Prose, Section, SideEffect, SideEffectGroup
from leaflets.reader import parse_page
from leaflets.sanitize import text_of

SHAPES = Path(__file__).resolve().parent / "fixtures" / "shapes"

SERIOUS = Severity.SERIOUS
COMMON = Severity.COMMON


def sec(kind: Kind, label: str, *children: tuple) -> tuple:
    """An expected section: ``(kind, label)``, or ``(kind, label, children)`` when it has any."""
    return (kind, label, tuple(children)) if children else (kind, label)


# The usual gen1 page: the seed's five sections, then the disclaimer and the AI footer note.
GEN1 = (
    sec(Kind.GENERIC_NAME, "Generic Name"),
    sec(Kind.USAGE, "Usage"),
    sec(Kind.SIDE_EFFECTS, "Side Effects"),
    sec(Kind.HOW_IT_WORKS, "How it Works"),
    sec(Kind.FAQS, "FAQs"),
    sec(Kind.DISCLAIMER, "Disclaimer"),
    sec(Kind.NOTE, "Note"),
)
# The gen2 page: seven ``###`` headings and a bold disclaimer, no footer note.
GEN2 = (
    sec(Kind.GENERIC_NAME, "Generic Name"),
    sec(Kind.USAGE, "Usage"),
    sec(Kind.DOSAGE, "Dosage"),
    sec(Kind.SIDE_EFFECTS, "Side Effects"),
    sec(Kind.HOW_IT_WORKS, "How it Works"),
    sec(Kind.PRECAUTIONS, "Precautions"),
    sec(Kind.FAQS, "FAQs"),
    sec(Kind.DISCLAIMER, "Disclaimer"),
)
GEN3_FAQS = sec(Kind.FAQS, "FAQs (Frequently Asked Questions)")


@dataclass(frozen=True)
class Shape:
    """What one fixture page must parse into."""

    sections: tuple
    #: Side-effect list items (children's sections included), by severity.
    serious: int = 0
    common: int = 0
    #: A fragment of an item's text → that item's severity.
    named: dict[str, Severity] = field(default_factory=dict)
    #: A fragment of a prose block's text → that block's severity.
    prose: dict[str, Severity] = field(default_factory=dict)
    #: The groups that hold items, in order: (fragment of the label, severity, number of items).
    groups: tuple[tuple[str, Severity, int], ...] | None = None
    #: (question, answer) as plain text; an answer ending in "…" is compared as a prefix.
    faqs: tuple[tuple[str, str], ...] = ()
    truncated: bool = False


SPEC: dict[str, Shape] = {
    # -- section labels -----------------------------------------------------------------
    "label-bold-inline": Shape(
        GEN1,
        common=3,
        named={"Drowsiness": COMMON, "Upset stomach": COMMON},
        groups=(("Common side effects include", COMMON, 3),),
        faqs=(
            (
                "Can I take Examplol with food?",
                "Yes. Taking it with a meal can make an upset stomach less likely.",
            ),
            ("How long does it take to work?", "Most people notice relief within an hour."),
        ),
    ),
    "label-bold-own-line": Shape(
        GEN1,
        common=3,
        named={"Sleepiness": COMMON, "Dry throat": COMMON},
        groups=(("Common side effects include", COMMON, 3),),
        faqs=(
            ("Does Placebrin make you sleepy?", "Some people feel sleepy, mostly when they start taking it."),
            ("Can children take Placebrin?", "The syrup is made for children; the dose depends on age."),
        ),
    ),
    "label-plain": Shape(
        GEN1,
        common=3,
        named={"Skin rash": COMMON},
        groups=(("Common side effects can include", COMMON, 3),),
        faqs=(
            (
                "Is this combination safe for long-term use?",
                "Many people take it for months, but your doctor should review it regularly.",
            ),
            (
                "Can I take it with other medicines?",
                "Tell your pharmacist about everything you take, including herbal products.",
            ),
        ),
    ),
    "label-heading": Shape(
        (
            sec(Kind.USAGE, "Usage"),
            sec(Kind.HOW_IT_WORKS, "How It Works"),
            sec(Kind.DOSAGE, "Dosage"),
            sec(Kind.SIDE_EFFECTS, "Side Effects"),
            sec(Kind.INTERACTIONS, "Drug Interactions"),
            sec(Kind.PRECAUTIONS, "Precautions"),
            GEN3_FAQS,
        ),
        serious=1,
        common=2,
        named={"Fast or pounding heartbeat": SERIOUS, "Dry mouth": COMMON},
        groups=(("Common Side Effects", COMMON, 2), ("Rare but Serious Side Effects", SERIOUS, 1)),
        faqs=(
            ("When should I take it before travelling?", "About an hour before you set off."),
            (
                "What are the common side effects?",
                "Drowsiness and a dry mouth are the ones people mention most.",
            ),
        ),
    ),
    "label-heading-bold": Shape(
        (
            sec(Kind.USAGE, "Usage"),
            sec(Kind.OTHER, "Alternate Names"),
            sec(Kind.HOW_IT_WORKS, "How It Works"),
            sec(Kind.SIDE_EFFECTS, "Side Effects"),
            sec(Kind.PRECAUTIONS, "Contraindications"),
            GEN3_FAQS,
        ),
        serious=2,
        common=3,
        named={"Vomiting blood": SERIOUS, "Black or tarry stools": SERIOUS, "Heartburn": COMMON},
        groups=(("Common Side Effects", COMMON, 3), ("Rare but Serious Side Effects", SERIOUS, 2)),
        faqs=(
            (
                "Should I take Demonstrafen with food?",
                "Yes, taking it with food or milk protects the stomach.",
            ),
            (
                "Can I take it with other painkillers?",
                "Do not combine it with similar anti-inflammatory painkillers unless your doctor says so.",
            ),
        ),
    ),
    "label-heading-colon": Shape(
        GEN2,
        serious=2,
        common=3,
        named={
            "watery diarrhea with blood": SERIOUS,
            "Severe allergic reactions": SERIOUS,
            "mild rash": COMMON,
        },
        groups=(("Common", COMMON, 3), ("Less Common but Serious", SERIOUS, 2)),
        faqs=(
            (
                "Can I stop when I feel better?",
                "No. Finish the whole course so the infection does not come back.",
            ),
            (
                "Does it stop the pill from working?",
                "Severe diarrhea can make the pill less reliable; use extra protection if that happens.",
            ),
        ),
    ),
    "label-qualifiers": Shape(
        (
            sec(Kind.GENERIC_NAME, "Generic Name"),
            sec(Kind.USAGE, "Usage (Individual Ingredients)"),
            sec(Kind.SIDE_EFFECTS, "Combined Side Effects"),
            sec(Kind.HOW_IT_WORKS, "How it Works (Individual Ingredients)"),
            sec(Kind.FAQS, "Examplol FAQs"),
            sec(Kind.DISCLAIMER, "Disclaimer"),
            sec(Kind.NOTE, "Note"),
        ),
        serious=2,
        common=3,
        named={"Fainting": SERIOUS, "Swelling of the face": SERIOUS, "Tiredness": COMMON},
        groups=(
            ("Common side effects include", COMMON, 3),
            ("more serious side effects include", SERIOUS, 2),
        ),
        faqs=(
            (
                "Can I take Examplol at night?",
                "Yes. Some people prefer it at night because it can make them drowsy.",
            ),
            ("Is Examplol habit-forming?", "It is not known to be habit-forming at the usual dose."),
        ),
    ),
    "label-all-canonical": Shape(
        (
            sec(Kind.GENERIC_NAME, "Generic Name"),
            sec(Kind.USAGE, "Usage"),
            sec(Kind.DOSAGE, "Dosage"),
            # A model-written note inside a section stays in it (issue 11, shape 8).
            sec(Kind.SIDE_EFFECTS, "Side Effects"),
            sec(Kind.PRECAUTIONS, "Warnings"),
            sec(Kind.INTERACTIONS, "Drug Interactions"),
            sec(Kind.OTHER, "Pregnancy and Breastfeeding"),
            sec(Kind.HOW_IT_WORKS, "How it Works"),
            sec(Kind.STORAGE, "Storage"),
            sec(Kind.FAQS, "FAQs"),
            sec(Kind.DISCLAIMER, "Disclaimer"),
            sec(Kind.NOTE, "Note"),
        ),
        common=2,
        named={"Dizziness": COMMON, "Tiredness": COMMON},
        groups=(("Common side effects include", COMMON, 2),),
        faqs=(("Can I take it at night?", "Yes, as long as you take it at the same time each day."),),
    ),
    # -- page structure -----------------------------------------------------------------
    "preamble": Shape(
        (sec(Kind.INTRO, ""), *GEN1),
        common=2,
        named={"Mild itching": COMMON},
        faqs=(("Can I take Testamin with milk?", "Yes, milk does not stop it from being absorbed."),),
    ),
    "per-ingredient-bullets": Shape(
        (
            sec(Kind.INTRO, ""),
            sec(
                Kind.OTHER,
                "Examplol",
                sec(Kind.GENERIC_NAME, "Generic Name"),
                sec(Kind.USAGE, "Usage"),
                sec(Kind.SIDE_EFFECTS, "Side Effects"),
                sec(Kind.HOW_IT_WORKS, "How it Works"),
            ),
            sec(
                Kind.OTHER,
                "Samplozide",
                sec(Kind.GENERIC_NAME, "Generic Name"),
                sec(Kind.USAGE, "Usage"),
                sec(Kind.SIDE_EFFECTS, "Side Effects"),
                sec(Kind.HOW_IT_WORKS, "How it Works"),
            ),
            sec(Kind.FAQS, "FAQs (for each medicine separately)"),
            sec(Kind.DISCLAIMER, "Disclaimer"),
            sec(Kind.NOTE, "Note"),
        ),
        common=3,
        named={"Heartburn": COMMON, "Ringing in the ears": COMMON},
        faqs=(
            (
                "Can I take both at the same time of day?",
                "Usually yes, but follow the timing your doctor gives you.",
            ),
            (
                "What should I do if I miss a dose?",
                "Take it when you remember, unless the next dose is nearly due.",
            ),
        ),
    ),
    "per-ingredient-labels": Shape(
        (
            sec(Kind.INTRO, ""),
            sec(
                Kind.OTHER,
                "Placebrin",
                sec(Kind.GENERIC_NAME, "Generic Name"),
                sec(Kind.USAGE, "Usage"),
                sec(Kind.SIDE_EFFECTS, "Side Effects"),
                sec(Kind.HOW_IT_WORKS, "How it Works"),
            ),
            sec(
                Kind.OTHER,
                "Fictivir",
                sec(Kind.GENERIC_NAME, "Generic Name"),
                sec(Kind.USAGE, "Usage"),
                sec(Kind.SIDE_EFFECTS, "Side Effects"),
                sec(Kind.HOW_IT_WORKS, "How it Works"),
            ),
            sec(Kind.OTHER, "Placebrin + Fictivir (Combined Considerations)"),
            sec(Kind.FAQS, "FAQs (About taking them separately or together)"),
            sec(Kind.DISCLAIMER, "Disclaimer"),
            sec(Kind.NOTE, "Note"),
        ),
        serious=2,
        common=5,
        named={
            "Confusion": SERIOUS,
            "Reduced amount of urine": SERIOUS,
            "Sleepiness": COMMON,
            "Diarrhea": COMMON,
        },
        groups=(
            ("Common side effects include", COMMON, 2),
            ("Common side effects include", COMMON, 3),
            ("more serious side effects include", SERIOUS, 2),
        ),
        faqs=(
            ("Can I take them at the same time?", "Usually yes, but check the timing with your pharmacist."),
            ("Will Placebrin stop Fictivir from working?", "No interaction of this kind is known."),
        ),
    ),
    "per-ingredient-gen2-headings": Shape(
        (
            sec(Kind.INTRO, ""),
            sec(
                Kind.OTHER,
                "Examplol",
                sec(Kind.GENERIC_NAME, "Generic Name"),
                sec(Kind.USAGE, "Usage"),
                sec(Kind.DOSAGE, "Dosage"),
                sec(Kind.SIDE_EFFECTS, "Side Effects"),
                sec(Kind.HOW_IT_WORKS, "How it Works"),
                sec(Kind.PRECAUTIONS, "Precautions"),
            ),
            sec(
                Kind.OTHER,
                "Mockacillin",
                sec(Kind.GENERIC_NAME, "Generic Name"),
                sec(Kind.USAGE, "Usage"),
                sec(Kind.DOSAGE, "Dosage"),
                sec(Kind.SIDE_EFFECTS, "Side Effects"),
                sec(Kind.HOW_IT_WORKS, "How it Works"),
                sec(Kind.PRECAUTIONS, "Precautions"),
            ),
            sec(Kind.FAQS, "FAQs (Combined Examplol & Mockacillin)"),
            sec(Kind.DISCLAIMER, "Disclaimer"),
        ),
        serious=4,
        common=6,
        named={
            "Fainting": SERIOUS,
            "slow breathing": SERIOUS,
            "bloody diarrhea": SERIOUS,
            "Drowsiness": COMMON,
            "mild rash": COMMON,
        },
        groups=(
            ("Common", COMMON, 3),
            ("Less Common but Serious", SERIOUS, 2),
            ("Common", COMMON, 3),
            ("Less Common but Serious", SERIOUS, 2),
        ),
        faqs=(
            ("Can I take these medicines at the same time?", "Yes, unless your doctor tells you otherwise."),
            (
                "What should I do if I miss a dose?",
                "Take it when you remember, unless the next dose is nearly due.",
            ),
        ),
    ),
    "gen2-h3": Shape(
        GEN2,
        serious=2,
        common=4,
        named={"Severe skin reactions": SERIOUS, "Confusion": SERIOUS, "Tiredness": COMMON},
        groups=(
            ("Common side effects can include", COMMON, 4),
            ("Less common but serious side effects include", SERIOUS, 2),
        ),
        faqs=(
            (
                "Does Fictivir cure the infection?",
                "No. It shortens an outbreak, but the virus can become active again later.",
            ),
            (
                "What if I miss a dose?",
                "Take it when you remember, unless the next dose is nearly due. "
                "Never take two doses at once.",
            ),
            (
                "Can I pass the virus on while taking it?",
                "Yes, so avoid close contact with the sores until they have healed.",
            ),
        ),
    ),
    "gen3-astro": Shape(
        (
            sec(Kind.USAGE, "Usage"),
            sec(Kind.OTHER, "Alternate Names"),
            sec(Kind.HOW_IT_WORKS, "How It Works"),
            sec(Kind.DOSAGE, "Dosage"),
            sec(Kind.SIDE_EFFECTS, "Side Effects"),
            sec(Kind.PRECAUTIONS, "Contraindications"),
            sec(Kind.INTERACTIONS, "Drug Interactions"),
            sec(Kind.OTHER, "Pregnancy and Breastfeeding"),
            sec(Kind.OTHER, "Drug Profile Summary"),
            sec(Kind.OTHER, "Popular Combinations"),
            sec(Kind.PRECAUTIONS, "Precautions"),
            GEN3_FAQS,
        ),
        serious=2,
        common=6,
        named={
            "Swelling of the face, lips or throat": SERIOUS,
            "High potassium levels": SERIOUS,
            # The ADR heading does not say "serious", so its items are common whatever they say.
            "Severe drop in blood pressure": COMMON,
            "Fainting": COMMON,
            "Mild cough": COMMON,
        },
        prose={"Kidney function and potassium are checked": COMMON},
        groups=(
            ("Common Side Effects", COMMON, 4),
            ("Rare but Serious Side Effects", SERIOUS, 2),
            ("Adverse Drug Reactions (ADR)", COMMON, 2),
        ),
        # The body has FAQs, so the front matter's (which differ) are not used.
        faqs=(
            ("Can I take Imaginol at any time of day?", "Yes, but take it at the same time every day."),
            (
                "What are the common side effects?",
                "Dizziness, tiredness and a mild cough are the most often reported.",
            ),
            ("Can I take Imaginol during pregnancy?", "No. Stop and see your doctor if you become pregnant."),
        ),
    ),
    "gen3-front-matter-faqs": Shape(
        (
            sec(Kind.USAGE, "Usage"),
            sec(Kind.HOW_IT_WORKS, "How It Works"),
            sec(Kind.SIDE_EFFECTS, "Side Effects"),
            sec(Kind.PRECAUTIONS, "Precautions"),
            GEN3_FAQS,
        ),
        serious=1,
        common=2,
        named={"Black or tarry stools": SERIOUS, "Bloating": COMMON},
        # The body has no pairs, so the front matter's are used, with the answers their q holds.
        faqs=(
            ("What is the usual dose of Demonstrafen?", "One tablet twice a day with food."),
            ("Can children use Demonstrafen?", "Only children over 12, at the adult dose."),
            ("Can I drive?", "Avoid driving until you know how it affects you."),
            ("Is Demonstrafen habit-forming?", "No."),
        ),
    ),
    # -- side-effect styles -------------------------------------------------------------
    "side-effects-one-list": Shape(
        GEN1,
        serious=1,
        common=3,
        # An item's own term says severe (shape 5): that item is serious where it stands, and
        # the rest of the list stays common.
        named={"Severe itching": SERIOUS, "Dry skin": COMMON, "Burning or stinging": COMMON},
        groups=(("", COMMON, 2), ("", SERIOUS, 1), ("", COMMON, 1)),
        faqs=(
            ("Can I use it on my face?", "Only if your doctor says so, and only for a few days."),
            ("How thickly should I apply it?", "A thin layer is enough."),
        ),
    ),
    "side-effects-serious-sentence": Shape(
        GEN1,
        serious=2,
        common=3,
        named={"Chest pain": SERIOUS, "Yellowing of the skin or eyes": SERIOUS, "Tiredness": COMMON},
        # The lead-in of the serious list is two sentences; the first one says "serious".
        groups=(("Common side effects include", COMMON, 3), ("more serious side effects", SERIOUS, 2)),
        faqs=(("Should I finish the course?", "Yes, even if you feel better after a few days."),),
    ),
    "side-effects-bullet-groups": Shape(
        GEN1,
        serious=3,
        common=6,
        named={
            "nausea": COMMON,
            "dizziness": COMMON,
            "mild rash (redness, itching)": COMMON,
            "trouble sleeping": COMMON,
            "fainting": SERIOUS,
            "chest pain": SERIOUS,
            "yellowing of the skin or eyes": SERIOUS,
        },
        groups=(
            ("Common side effects", COMMON, 3),
            ("Less common side effects", COMMON, 3),
            ("Rare but serious side effects", SERIOUS, 3),
        ),
        faqs=(
            (
                "Can I stop taking it when my blood pressure is normal?",
                "No. Keep taking it unless your doctor tells you to stop.",
            ),
        ),
    ),
    "side-effects-prose-only": Shape(
        GEN1,
        prose={
            "Most people take Examplol without any trouble": COMMON,
            "A sudden rash with swelling": SERIOUS,
        },
        faqs=(("Can I take it every day?", "Not for long periods; ask your doctor if you need it often."),),
    ),
    "side-effects-bold-own-line": Shape(
        GEN1,
        serious=2,
        common=3,
        named={"Fainting": SERIOUS, "Trouble passing urine": SERIOUS, "Blurred vision": COMMON},
        groups=(
            ("Common side effects", COMMON, 3),
            ("Less common but more serious side effects include", SERIOUS, 2),
        ),
        faqs=(
            (
                "Can I drink alcohol with Placebrin?",
                "It is best not to, because alcohol adds to the drowsiness.",
            ),
        ),
    ),
    "side-effects-bold-inline": Shape(
        GEN1,
        prose={
            "Mild stomach upset": COMMON,
            # "Rare side effects" stays common: rare is not serious.
            "strange taste": COMMON,
            "Confusion, fits or sudden weakness": SERIOUS,
        },
        faqs=(("How long does the drip last?", "Usually one to four days."),),
    ),
    "side-effects-gen2-less-common-serious": Shape(
        GEN2,
        serious=3,
        common=4,
        named={"Bleeding from the stomach": SERIOUS, "Kidney problems": SERIOUS, "Heartburn": COMMON},
        groups=(("Common Side Effects", COMMON, 4), ("Less Common but Serious Side Effects", SERIOUS, 3)),
        faqs=(("Can I take it on an empty stomach?", "No. Take it with food or milk."),),
    ),
    "side-effects-gen2-percent": Shape(
        GEN2,
        serious=2,
        common=7,
        named={
            "Headache": COMMON,
            "Hair thinning": COMMON,
            "Hearing loss": SERIOUS,
            "Ringing in the ears": SERIOUS,
        },
        groups=(
            ("Common Side Effects (>10%)", COMMON, 3),
            ("Less Common Side Effects (1-10%)", COMMON, 2),
            ("Rare Side Effects (<1%)", COMMON, 2),
            ("Serious but Less Common Side Effects", SERIOUS, 2),
        ),
        faqs=(("Is Fictivir given at home?", "No. It is only given in hospital."),),
    ),
    "side-effects-gen3-rare-serious": Shape(
        (
            sec(Kind.USAGE, "Usage"),
            sec(Kind.HOW_IT_WORKS, "How It Works"),
            sec(Kind.SIDE_EFFECTS, "Side Effects"),
            sec(Kind.PRECAUTIONS, "Precautions"),
            GEN3_FAQS,
        ),
        serious=2,
        common=5,
        named={
            "Seizures": SERIOUS,
            "Numbness or tingling": SERIOUS,
            "Severe skin rash": COMMON,
            "Dark urine": COMMON,
        },
        prose={"Long courses are avoided": COMMON},
        groups=(
            ("Common Side Effects", COMMON, 3),
            ("Rare but Serious Side Effects", SERIOUS, 2),
            ("Adverse Drug Reactions (ADR)", COMMON, 2),
        ),
        faqs=(
            (
                "Can I drink alcohol with Mockacillin?",
                "No. Avoid alcohol during the course and for two days after it.",
            ),
        ),
    ),
    "side-effects-term-only-items": Shape(
        GEN1,
        serious=2,
        common=4,
        named={
            "Headache": COMMON,
            "Constipation": COMMON,
            "Dry mouth": COMMON,
            "Blurred vision": COMMON,
            "Hallucinations": SERIOUS,
            "Slow or shallow breathing": SERIOUS,
        },
        groups=(
            ("Common side effects include", COMMON, 4),
            ("Less common but more serious side effects include", SERIOUS, 2),
        ),
        faqs=(("Can I stop taking it suddenly?", "No. Lower the dose slowly with your doctor's help."),),
    ),
    # -- FAQ forms ----------------------------------------------------------------------
    "faq-bold-question": Shape(
        GEN1,
        common=3,
        faqs=(
            (
                "How long will I need to take Testamin?",
                "Usually for about three months after your blood count is back to normal, "
                "so that your stores can fill up again.",
            ),
            (
                "Why are my stools black?",
                "This is a harmless effect of the iron. "
                "Tell your doctor if they are also sticky or you feel faint.",
            ),
            (
                "Can I take it with tea?",
                "Tea can reduce how much iron you absorb, so leave a gap of at least an hour.",
            ),
        ),
    ),
    "faq-bullet-q-a": Shape(
        GEN1,
        common=2,
        faqs=(
            (
                "How long can I take this combination?",
                "No longer than seven days without asking your doctor.",
            ),
            (
                "Can I drive after taking it?",
                "Wait until you know how it affects you, because it can make you sleepy.",
            ),
            (
                "Is it safe with blood pressure tablets?",
                "Ask your pharmacist first; the nasal ingredient can raise blood pressure.",
            ),
        ),
    ),
    "faq-q-line-a-line": Shape(
        (
            sec(Kind.GENERIC_NAME, "Generic Name"),
            sec(Kind.USAGE, "Usage"),
            sec(Kind.SIDE_EFFECTS, "Side Effects"),
            sec(Kind.HOW_IT_WORKS, "How it Works"),
            sec(Kind.PRECAUTIONS, "Precautions"),
            sec(Kind.FAQS, "FAQs"),
            sec(Kind.DISCLAIMER, "Disclaimer"),
        ),
        common=2,
        faqs=(
            (
                "Can I use it on my face every day?",
                "Most people can, but start with a small amount to see how your skin reacts.",
            ),
            ("How should I store it?", "Keep it in a cool, dark place with the cap closed tightly."),
            (
                "Can I use it on a baby's skin?",
                "Test a small area first and ask your health visitor if you are unsure.",
            ),
        ),
    ),
    "faq-h3-q1": Shape(
        (
            sec(Kind.USAGE, "Usage"),
            sec(Kind.HOW_IT_WORKS, "How It Works"),
            sec(Kind.SIDE_EFFECTS, "Side Effects"),
            GEN3_FAQS,
        ),
        serious=1,
        common=2,
        named={"Fast heartbeat": SERIOUS, "Drowsiness": COMMON},
        faqs=(
            ("How quickly does Placebrin work?", "Most people feel better within an hour."),
            (
                "What are the common side effects?",
                "Drowsiness and headache are the ones reported most often.",
            ),
            (
                "Can children take Placebrin?",
                "Yes, from the age of two, using the liquid form and a dose based on age.",
            ),
        ),
    ),
    # -- markup and typography ----------------------------------------------------------
    "hard-line-breaks": Shape(
        GEN1,
        common=2,
        named={"Stinging": COMMON},
        faqs=(
            ("Can I cover the sore with make-up?", "Use a clean applicator each time, and never share it."),
        ),
    ),
    "raw-html": Shape(
        GEN1,
        common=3,
        named={"Raised calcium levels": COMMON},
        faqs=(
            (
                "Can I take it with other vitamins?",
                "Check the labels, so that you do not take too much vitamin D3 in total.",
            ),
        ),
    ),
    "entities": Shape(
        GEN1,
        common=3,
        named={"Skin that burns easily": COMMON},
        groups=(
            ("Common side effects (>1 in 10 people)", COMMON, 2),
            ("Rare side effects (<1 in 1,000 people)", COMMON, 1),
        ),
        faqs=(("Can I cover the area with a bandage?", "No. Leave the skin open so it can breathe & dry."),),
    ),
    "nested-lists": Shape(
        GEN1,
        serious=3,
        common=3,
        named={
            "weight gain": COMMON,
            "dry mouth": COMMON,
            "High fever with stiff muscles": SERIOUS,
            "Uncontrolled movements of the face or tongue": SERIOUS,
            "Fainting on standing up": SERIOUS,
        },
        groups=(("Common side effects", COMMON, 3), ("More serious side effects", SERIOUS, 3)),
        faqs=(("How soon will I feel better?", "Sleep often improves first; mood can take several weeks."),),
    ),
    "numbered-lists": Shape(
        (
            sec(Kind.GENERIC_NAME, "Generic Name"),
            sec(Kind.USAGE, "Usage"),
            sec(Kind.DOSAGE, "Dosage"),
            sec(Kind.SIDE_EFFECTS, "Side Effects"),
            sec(Kind.HOW_IT_WORKS, "How it Works"),
            sec(Kind.FAQS, "FAQs"),
            sec(Kind.DISCLAIMER, "Disclaimer"),
            sec(Kind.NOTE, "Note"),
        ),
        common=3,
        named={"Bitter taste": COMMON},
        groups=(("Common side effects include", COMMON, 3),),
        faqs=(
            (
                "Can I wear contact lenses?",
                "Take them out before using the drops and wait 15 minutes before putting them back in.",
            ),
        ),
    ),
    "table": Shape(
        (
            sec(Kind.GENERIC_NAME, "Generic Name"),
            sec(Kind.USAGE, "Usage"),
            sec(Kind.DOSAGE, "Dosage"),
            sec(Kind.SIDE_EFFECTS, "Side Effects"),
            sec(Kind.HOW_IT_WORKS, "How it Works"),
            sec(Kind.FAQS, "FAQs"),
            sec(Kind.DISCLAIMER, "Disclaimer"),
            sec(Kind.NOTE, "Note"),
        ),
        common=2,
        faqs=(("Can I give it to my toddler?", "No. It is not recommended under 6 years."),),
    ),
    "title-symbols": Shape(
        GEN1,
        common=2,
        faqs=(("Can I use it on broken skin?", "No. Use it only on unbroken skin."),),
    ),
    "title-trailing-dash": Shape(
        GEN1,
        common=2,
        faqs=(("Is it safe in pregnancy?", "Ask your midwife or doctor which dose is right for you."),),
    ),
    "title-trailing-dot": Shape(
        (
            sec(Kind.GENERIC_NAME, "Generic Name"),
            sec(Kind.USAGE, "Usage"),
            sec(Kind.DOSAGE, "Dosage"),
            sec(Kind.SIDE_EFFECTS, "Side Effects"),
            sec(Kind.HOW_IT_WORKS, "How it Works"),
            sec(Kind.FAQS, "FAQs"),
            sec(Kind.DISCLAIMER, "Disclaimer"),
        ),
        serious=2,
        common=3,
        named={"Severe allergic reactions": SERIOUS, "Thoughts of self-harm": SERIOUS, "Poor memory": COMMON},
        faqs=(
            (
                "Can I stop taking it suddenly?",
                "No. Stopping suddenly can cause fits; the dose must be lowered slowly.",
            ),
        ),
    ),
    # -- truncated generations ----------------------------------------------------------
    "truncated-mid-sentence": Shape(
        (
            sec(Kind.INTRO, ""),
            sec(Kind.GENERIC_NAME, "Generic Name"),
            sec(Kind.USAGE, "Usage"),
            sec(Kind.SIDE_EFFECTS, "Side Effects"),
            sec(Kind.NOTE, "Note"),
        ),
        serious=2,
        common=3,
        named={"Severe stomach cramps": SERIOUS, "Severe allergic reactions": SERIOUS, "Hiccups": COMMON},
        groups=(
            ("most common side effects", COMMON, 3),
            ("more serious side effects can occur", SERIOUS, 2),
        ),
        truncated=True,
    ),
    "truncated-unclosed-bold": Shape(
        (
            sec(Kind.GENERIC_NAME, "Generic Name"),
            sec(Kind.USAGE, "Usage"),
            sec(Kind.SIDE_EFFECTS, "Side Effects"),
            sec(Kind.HOW_IT_WORKS, "How it Works"),
            sec(Kind.FAQS, "FAQs"),
            sec(Kind.NOTE, "Note"),
        ),
        common=3,
        faqs=(
            ("How long can I take it?", "No more than a week without asking your doctor."),
            ("Can I take it if I have high blood pressure?", "Ask your doctor first.…"),
        ),
        truncated=True,
    ),
}

#: Pages that are not leaflets: (fixture, a fragment of the reason when the issue names one).
REFUSED = {
    "refusal-no-such-medication": None,
    "refusal-cannot-provide": None,
    "banned": "banned",
}

LEAFLETS = sorted(SPEC)
GROUPED = [name for name in LEAFLETS if SPEC[name].groups is not None]


# -- helpers ------------------------------------------------------------------------------


def norm(text: str) -> str:
    return " ".join(text.split())


def plain(fragment: str | None) -> str:
    return norm(text_of(fragment or ""))


def read(name: str) -> bytes:
    return (SHAPES / f"{name}.md").read_bytes()


_CACHE: dict[str, Leaflet] = {}


def parsed(name: str) -> Leaflet:
    if name not in _CACHE:
        _CACHE[name] = parse_page(read(name), SHAPES / f"{name}.md")
    return _CACHE[name]


def walk(sections: tuple[Section, ...]):
    for section in sections:
        yield section
        yield from walk(section.children)


def top(leaflet: Leaflet, kind: Kind) -> Section:
    """The page's one top-level section of ``kind``."""
    return only([s for s in leaflet.sections if s.kind is kind], f"top-level {kind.value} section")


def tree(sections: tuple[Section, ...]) -> tuple:
    return tuple(sec(s.kind, s.label, *tree(s.children)) for s in sections)


def groups(leaflet: Leaflet) -> list[SideEffectGroup]:
    """Side-effect groups of every side-effects section, per-ingredient children included."""
    return [g for s in walk(leaflet.sections) if s.kind is Kind.SIDE_EFFECTS for g in s.groups]


def items(leaflet: Leaflet) -> list[SideEffect]:
    return [b for g in groups(leaflet) for b in g.blocks if isinstance(b, SideEffect)]


def proses(leaflet: Leaflet) -> list[Prose]:
    return [b for g in groups(leaflet) for b in g.blocks if isinstance(b, Prose)]


def only(found: list, what: str):
    assert len(found) == 1, f"expected exactly one {what}, found {len(found)}"
    return found[0]


def expected_labels(expected: tuple) -> list[str]:
    out = []
    for entry in expected:
        out.append(entry[1])
        if len(entry) == 3:
            out.extend(expected_labels(entry[2]))
    return out


def body_of(name: str) -> str:
    """The page body: what follows the front matter."""
    text = read(name).decode("utf-8")
    if text.startswith("---\n"):
        end = text.index("\n---", 4)
        text = text[end + 4 :]
    return text


_WORD_SPLIT = re.compile(r"[\W_]+")


def words(text: str) -> Counter[str]:
    return Counter(w for w in _WORD_SPLIT.split(text.lower()) if w)


def source_words(name: str) -> Counter[str]:
    """The body's words, without markup: raw HTML tags, entities, list markers, Q/A prefixes."""
    text = body_of(name)
    text = re.sub(r"<[^>\n]+>", "", text)  # raw HTML tags are markup; their text stays
    text = html.unescape(text)
    text = re.sub(r"(?m)^\s*(?:[-*+]|\d+[.)])\s+", " ", text)  # list markers
    text = re.sub(r"[*#|`]", " ", text)  # emphasis, headings, table rules
    text = re.sub(r"\b(?:Q\d*|A)\s*:", " ", text)  # the Q:/Q1:/A: prefixes of FAQ pairs
    return words(text)


# -- the spec -------------------------------------------------------------------------------


def test_every_fixture_has_a_spec():
    on_disk = {p.stem for p in SHAPES.glob("*.md")}
    assert on_disk == set(SPEC) | set(REFUSED)


@pytest.mark.parametrize("name", sorted(set(SPEC) | set(REFUSED)))
def test_fixture_ends_without_a_newline_like_the_corpus(name):
    assert not read(name).endswith(b"\n")


@pytest.mark.parametrize("name", LEAFLETS)
def test_sections_kinds_and_labels_in_page_order(name):
    assert tree(parsed(name).sections) == SPEC[name].sections


@pytest.mark.parametrize("name", LEAFLETS)
def test_section_line_points_at_its_label(name):
    lines = read(name).decode("utf-8").split("\n")
    for section in walk(parsed(name).sections):
        if section.kind is Kind.INTRO:
            continue
        assert 1 <= section.line <= len(lines)
        assert section.label in lines[section.line - 1], (section.label, section.line)


@pytest.mark.parametrize("name", LEAFLETS)
def test_exact_number_of_serious_and_common_items(name):
    got = Counter(i.severity for i in items(parsed(name)))
    assert (got[SERIOUS], got[COMMON]) == (SPEC[name].serious, SPEC[name].common)


@pytest.mark.parametrize("name", LEAFLETS)
def test_items_share_the_severity_of_their_group(name):
    for group in groups(parsed(name)):
        assert all(block.severity is group.severity for block in group.blocks)


@pytest.mark.parametrize("name", [n for n in LEAFLETS if SPEC[n].named])
def test_named_items_have_the_severity_the_page_gives_them(name):
    leaflet = parsed(name)
    for fragment, severity in SPEC[name].named.items():
        matches = [i for i in items(leaflet) if fragment.casefold() in plain(i.html).casefold()]
        item = only(matches, f"item containing {fragment!r}")
        assert item.severity is severity, fragment


@pytest.mark.parametrize("name", [n for n in LEAFLETS if SPEC[n].prose])
def test_prose_blocks_have_the_severity_of_their_lead_in(name):
    leaflet = parsed(name)
    for fragment, severity in SPEC[name].prose.items():
        block = only([p for p in proses(leaflet) if fragment in plain(p.html)], f"prose with {fragment!r}")
        assert block.severity is severity, fragment


@pytest.mark.parametrize("name", GROUPED)
def test_groups_with_items_keep_the_pages_own_label(name):
    got = [(plain(g.label), g.severity, len(g.items)) for g in groups(parsed(name)) if g.items]
    expected = SPEC[name].groups
    assert [(s, n) for _, s, n in got] == [(s, n) for _, s, n in expected]
    for (label, _, _), (fragment, _, _) in zip(got, expected, strict=True):
        assert fragment in label


@pytest.mark.parametrize("name", LEAFLETS)
def test_faq_pairs_without_q_and_a_prefixes(name):
    faqs = [f for s in walk(parsed(name).sections) if s.kind is Kind.FAQS for f in s.faqs]
    got = [(plain(f.question), plain(f.answer)) for f in faqs]
    expected = SPEC[name].faqs
    assert [q for q, _ in got] == [q for q, _ in expected]
    for (_, answer), (question, want) in zip(got, expected, strict=True):
        if want.endswith("…"):
            assert answer.startswith(want[:-1]), question
        else:
            assert answer == want, question


@pytest.mark.parametrize("name", LEAFLETS)
def test_truncated_pages_warn_and_others_do_not(name):
    warned = any("truncated" in w for w in parsed(name).warnings)
    assert warned is SPEC[name].truncated


@pytest.mark.parametrize(("name", "reason"), sorted(REFUSED.items()))
def test_refusals_and_banned_products_are_not_leaflets(name, reason):
    with pytest.raises(NotALeafletError) as info:
        parse_page(read(name), SHAPES / f"{name}.md")
    if reason:
        assert reason in info.value.message


@pytest.mark.parametrize("name", LEAFLETS)
def test_nothing_dropped_every_body_word_is_rendered(name):
    """The body's words, as a multiset, all appear in the rendered HTML's text.

    Excepted: markup, list markers, the Q/A prefixes, and the words of section labels (the
    template may print its own heading instead of the page's label).
    """
    need = source_words(name)
    for label in expected_labels(SPEC[name].sections):
        need -= words(label)
    have = words(text_of(render_html(parsed(name), Settings())))
    dropped = {w: n - have[w] for w, n in need.items() if have[w] < n}
    assert not dropped, f"words dropped from the rendered leaflet: {dropped}"


# -- details of single shapes -----------------------------------------------------------------


def test_preamble_is_kept_as_the_introduction():
    intro = parsed("preamble").sections[0]
    assert intro.kind is Kind.INTRO
    assert "It is important to say at the start" in plain(intro.html)
    assert intro.line == 9


def test_refusal_phrase_in_a_preamble_does_not_refuse_a_page_with_sections():
    intro = parsed("truncated-mid-sentence").sections[0]
    assert 'There is no medication called "Imaginol + Imaginol."' in plain(intro.html)


@pytest.mark.parametrize(
    "name", ["per-ingredient-bullets", "per-ingredient-labels", "per-ingredient-gen2-headings"]
)
def test_per_ingredient_side_effects_keep_their_second_copy(name):
    blocks = [
        s
        for s in parsed(name).sections
        if s.kind is Kind.OTHER and any(c.kind is Kind.SIDE_EFFECTS for c in s.children)
    ]
    assert len(blocks) == 2
    copies = []
    for block in blocks:
        effects = only([c for c in block.children if c.kind is Kind.SIDE_EFFECTS], "side-effects child")
        text = plain(effects.html) + " ".join(
            plain(g.label) + " " + " ".join(plain(b.html) for b in g.blocks) for g in effects.groups
        )
        assert text.strip()
        copies.append(text)
    assert copies[0] != copies[1]


def test_per_ingredient_child_sections_hold_their_own_text():
    examplol, samplozide = (s for s in parsed("per-ingredient-bullets").sections if s.kind is Kind.OTHER)
    assert "Relaxes tight muscles" in plain(examplol.children[1].html)
    assert "Reduces swelling" in plain(samplozide.children[1].html)
    assert "Samplozide" in plain(samplozide.children[0].html)


def test_bullet_group_comma_lists_are_split_into_items():
    got = [
        (plain(g.label).rstrip(":").strip(), [plain(i.html).rstrip(".") for i in g.items])
        for g in groups(parsed("side-effects-bullet-groups"))
        if g.items
    ]
    assert got == [
        ("Common side effects", ["nausea", "headache", "dizziness"]),
        ("Less common side effects", ["dry mouth", "mild rash (redness, itching)", "trouble sleeping"]),
        ("Rare but serious side effects", ["fainting", "chest pain", "yellowing of the skin or eyes"]),
    ]


def test_serious_lead_in_before_prose_makes_a_serious_group():
    serious = [g for g in groups(parsed("side-effects-prose-only")) if g.severity is SERIOUS]
    group = only(serious, "serious group")
    assert "Rare but serious reactions need emergency care" in plain(group.label)
    assert not group.items


def test_term_only_items_are_items_not_group_labels():
    leaflet = parsed("side-effects-term-only-items")
    texts = [plain(i.html) for i in items(leaflet)]
    assert [t.split(":")[0] for t in texts] == [
        "Headache",
        "Constipation",
        "Dry mouth",
        "Blurred vision",
        "Hallucinations",
        "Slow or shallow breathing",
    ]


def test_gen2_bold_sub_labels_stay_inside_their_heading_section():
    leaflet = parsed("gen2-h3")
    dosage = top(leaflet, Kind.DOSAGE)
    assert "Adults:" in plain(dosage.html)
    assert "reduced kidney function" in plain(dosage.html)
    precautions = top(leaflet, Kind.PRECAUTIONS)
    assert "Contraindications:" in plain(precautions.html)
    assert "Warnings:" in plain(precautions.html)
    assert leaflet.generic_name == "Fictivir"


def test_gen3_front_matter_date_and_sub_headings():
    leaflet = parsed("gen3-astro")
    assert leaflet.title == "Imaginol"
    assert leaflet.date == "2025-05-14T10:02:11.482Z"
    dosage = top(leaflet, Kind.DOSAGE)
    assert "Clinical Use Cases" in plain(dosage.html)
    assert "A lower starting dose" in plain(dosage.html)
    summary = next(s for s in leaflet.sections if s.label == "Drug Profile Summary")
    assert "Angiotensin receptor blocker" in plain(summary.html)


def test_gen3_front_matter_faqs_keep_the_body_placeholder():
    faqs = top(parsed("gen3-front-matter-faqs"), Kind.FAQS)
    assert "See the information above to answer the FAQs" in plain(faqs.html)


def test_heading_with_its_value_gives_the_generic_name():
    assert parsed("label-heading-colon").generic_name == "Mockacillin Sodium"


def test_value_inside_the_bold_label_gives_the_generic_name():
    leaflet = parsed("title-trailing-dot")
    assert leaflet.generic_name == "Placebrin"
    dosage = top(leaflet, Kind.DOSAGE)
    assert "It is crucial to follow the prescribed dose" in plain(dosage.html)


def test_hard_line_breaks_become_br():
    usage = top(parsed("hard-line-breaks"), Kind.USAGE)
    assert "<br" in usage.html
    assert plain(usage.html) == (
        "Fictivir treats cold sores, and Testamin soothes the skin around them. "
        "The two are used together for the first five days of an outbreak. "
        "Start as soon as you feel the first tingle."
    )


def test_raw_inline_html_is_kept():
    leaflet = parsed("raw-html")
    generic = top(leaflet, Kind.GENERIC_NAME)
    usage = top(leaflet, Kind.USAGE)
    how = top(leaflet, Kind.HOW_IT_WORKS)
    assert "D<sub>3</sub>" in generic.html
    assert "<i>in vitro</i>" in usage.html
    assert "Take it with a meal that contains some fat" in plain(usage.html)
    assert "10<sup>-9</sup>" in how.html
    assert "<em>not</em>" in how.html
    raised = only([i for i in items(leaflet) if "calcium" in i.html], "calcium item")
    assert "<em>Raised</em>" in raised.html


def test_entities_are_decoded_once_and_escaped_in_html():
    usage = top(parsed("entities"), Kind.USAGE)
    assert ">16 g per day" in plain(usage.html)
    assert "&gt;16 g" in usage.html
    assert "&amp;gt;" not in usage.html


def test_nested_lists_are_kept_nested():
    usage = top(parsed("nested-lists"), Kind.USAGE)
    assert usage.html.count("<ul") >= 3
    assert "Especially when other treatments have not helped" in plain(usage.html)


def test_numbered_lists_stay_ordered():
    leaflet = parsed("numbered-lists")
    assert "<ol" in top(leaflet, Kind.DOSAGE).html
    how = top(leaflet, Kind.HOW_IT_WORKS)
    assert "<ol" in how.html
    assert "Calming mast cells" in plain(how.html)


def test_table_is_kept_as_a_table():
    dosage = top(parsed("table"), Kind.DOSAGE)
    assert "<table" in dosage.html
    assert "<th" in dosage.html
    assert "Children 6-11 years" in plain(dosage.html)


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("title-symbols", "Examplol Immune F(ab’)2 1% w/v + Samplozide [Samplozidine] (Topical)"),
        ("title-trailing-dash", "Testamin B-"),
        ("title-trailing-dot", "Placebrin ."),
    ],
)
def test_odd_titles_are_kept_as_written(name, title):
    leaflet = parsed(name)
    assert leaflet.title == title
    document = render_html(leaflet, Settings())
    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", document, re.S)
    assert h1 is not None
    assert plain(h1.group(1)) == title


# -- issue 11: every shape of the real pages prints right ---------------------------------------

ISSUE11 = SHAPES / "issue11"


def page11(name: str) -> Leaflet:
    path = ISSUE11 / f"{name}.md"
    return parse_page(path.read_bytes(), path)


def sev11(name: str) -> dict[str, Severity]:
    """First words of each side-effect block → its severity."""
    return {plain(b.html)[:24]: b.severity for b in [b for g in groups(page11(name)) for b in g.blocks]}


def defects11(name: str) -> Counter:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from corpus_checks import DEFECTS, count

    path = ISSUE11 / f"{name}.md"
    found = count(path.read_text("utf-8"), render_html(page11(name), Settings()))
    return +Counter({k: v for k, v in found.items() if k in DEFECTS})


def test_shape01_bare_group_labels_are_groups_of_the_side_effects():
    leaflet = page11("01-bare-group-labels")
    assert [s.kind for s in leaflet.sections] == [Kind.USAGE, Kind.SIDE_EFFECTS, Kind.HOW_IT_WORKS]
    got = sev11("01-bare-group-labels")
    assert got == {"Dry mouth": COMMON, "Tiredness": COMMON, "Fainting": SERIOUS, "Chest pain": SERIOUS}
    assert not defects11("01-bare-group-labels")


def test_shape02_sub_labels_inherit_the_serious_group_and_name_the_callout():
    serious = [g for g in groups(page11("02-sub-labels")) if g.severity is SERIOUS]
    assert [(plain(g.label), [plain(i.html) for i in g.items]) for g in serious] == [
        ("Less Common but Serious: Placebrin:", ["Confusion"]),
        ("Fictivir:", ["Reduced amount of urine"]),
    ]
    assert not defects11("02-sub-labels")


def test_shape03_lead_in_after_an_item_opens_a_new_group():
    got = sev11("03-lead-in-after-item")
    assert got == {"Minor bleeding": COMMON, "Major bleeding": SERIOUS, "Blood in the urine": SERIOUS}
    assert not defects11("03-lead-in-after-item")


def test_shape04_first_sentence_serious_wins_and_ranges_stay_common():
    assert sev11("04-serious-words-lead-in") == {"Swelling of the throat": SERIOUS, "Itching": COMMON}


def test_shape05_item_level_words_make_serious_items_or_groups():
    got = sev11("05-item-words")
    assert got == {
        "Dizziness": COMMON,
        "Allergic reaction (rare ": SERIOUS,
        "Fainting": SERIOUS,
        "Very slow heartbeat": SERIOUS,
        "Headache": COMMON,
    }


def test_shape06_serious_prose_is_boxed_where_it_stands():
    got = sev11("06-serious-prose")
    assert [v for k, v in got.items() if k.startswith("Adverse Drug")] == [SERIOUS]
    assert got["Tiredness"] is COMMON and got["Stuffy nose"] is COMMON
    document = render_html(page11("06-serious-prose"), Settings())
    section = document[document.index("section--side-effects") :]
    # In the side-effects section, between the list it follows and the item after it.
    assert section.index("Cough") < section.index("callout--serious") < section.index("Stuffy nose")
    assert not defects11("06-serious-prose")


def test_shape07_no_empty_serious_callout():
    for group in groups(page11("07-no-empty-callout")):
        assert group.blocks or group.severity is COMMON
    assert not defects11("07-no-empty-callout")


def test_shape08_notes_stay_in_their_section_and_the_closing_note_goes_last():
    leaflet = page11("08-notes-stay")
    assert "Start within three days" in plain(top(leaflet, Kind.DOSAGE).html)
    assert [s.kind for s in leaflet.sections].count(Kind.NOTE) == 1
    assert "may contain mistakes" in plain(leaflet.note.html)
    assert not defects11("08-notes-stay")


def test_shape09_front_matter_ends_only_in_column_0():
    leaflet = page11("09-front-matter")
    document = render_html(leaflet, Settings())
    assert "is_banned" not in text_of(document)
    assert [s.kind for s in leaflet.sections] == [Kind.USAGE, Kind.SIDE_EFFECTS]


def test_shape10_lists_after_a_line_and_plain_q_a_lines():
    leaflet = page11("10-lists-after-a-line")
    usage = top(leaflet, Kind.USAGE)
    assert "<li>Hay fever</li>" in usage.html and "* " not in plain(usage.html)
    faqs = [(plain(f.question), plain(f.answer)) for f in leaflet.faqs]
    assert faqs == [
        ("Can I drive after taking it?", "Wait until you know how it affects you."),
        ("Can children take it?", "Only the syrup, at the dose for their age."),
    ]


def test_shape11_allele_asterisks_are_printed_as_written():
    precautions = top(page11("11-allele-asterisk"), Kind.PRECAUTIONS)
    assert "HLA-B*5701 or HLA-A*02:01" in plain(precautions.html)
    assert "<em" not in precautions.html


def test_shape12_item_without_description_has_no_dangling_colon():
    texts = [plain(i.html) for i in items(page11("12-term-only-item"))]
    assert texts == ["Headache", "Nausea: Mild and short."]


def test_shape13_partial_refusal_warns_and_is_still_printed():
    leaflet = page11("13-partial-refusal")
    assert [p.code for p in leaflet.problems if p.code == "partial-refusal"] == ["partial-refusal"]
    assert "I cannot provide information" in plain(top(leaflet, Kind.DOSAGE).html)


def test_shape10_answer_under_an_a_heading_and_wrapped_items():
    leaflet = page11("10-faq-answer-heading")
    faqs = [(plain(f.question), plain(f.answer)) for f in leaflet.faqs]
    assert faqs == [
        ("Can I drink alcohol while taking it?", "It is best to avoid alcohol until the course is finished."),
        ("What if I miss a dose?", "Take it when you remember."),
    ]
    assert all("</strong>" not in f.question or "<strong>" in f.question for f in leaflet.faqs)
    usage = top(leaflet, Kind.USAGE)
    # A sentence the page wraps over two lines stays one item.
    assert usage.html.count("<li>") == 2
    assert "more than a week and does not get better with rest" in plain(usage.html)
    assert not defects11("10-faq-answer-heading")


def test_shape10_questions_without_answers_stay_a_list():
    leaflet = page11("10-faq-questions-only")
    assert leaflet.faqs == ()
    assert "How long does an outbreak last?" in plain(top(leaflet, Kind.FAQS).html)
    assert not defects11("10-faq-questions-only")


def test_shape13_check_and_build_list_the_partial_refusal(tmp_path):
    import shutil

    from leaflets.build import build_library
    from leaflets.check import check_pages

    content = tmp_path / "content"
    content.mkdir()
    shutil.copy(ISSUE11 / "13-partial-refusal.md", content / "unknownol.md")
    settings = Settings(content_dir=content)
    (report,) = check_pages([content], settings)
    assert [(p.level, p.line) for p in report.problems if p.code == "partial-refusal"] == [("warning", 7)]
    built = build_library(content, tmp_path / "out", settings, pdf=False, html=True, jobs=1)
    assert [w for w in built.warnings if "partial refusal" in w] == [
        f"{content / 'unknownol.md'}:7: partial refusal in 'Dosage': "
        "the page declines to give some information"
    ]
    # An unchanged page is not rendered again; the manifest keeps its warning.
    again = build_library(content, tmp_path / "out", settings, pdf=False, html=True, jobs=1)
    assert [w for w in again.warnings if "partial refusal" in w] == [
        w for w in built.warnings if "partial" in w
    ]


def test_an_item_without_description_drops_a_full_width_colon_too():
    page = (
        "---\ntitle: 测试药\nlang: zh\n---\n# 测试药\n\n**副作用：**\n\n常见副作用包括：\n\n"
        "* **头痛：**\n* **恶心：** 通常较轻。\n"
    )
    leaflet = parse_page(page.encode(), "ceshi-zh.md")
    texts = [plain(b.html) for s in leaflet.sections for g in s.groups for b in g.blocks]
    assert texts == ["头痛", "恶心： 通常较轻。"]
