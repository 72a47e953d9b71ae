"""Section codes of official leaflets: the EMA QRD package-leaflet headings and LOINC (SPL and ePI).

One table per code system, shared by the ePI and SPL readers and the ePI writer. A code maps to
the kind of section the tool already knows; ``Kind.OTHER`` means a known heading with no section
of its own (printed under "anything else", never reported as unknown).
"""

from __future__ import annotations

from .model import Kind

#: EMA SPOR list 200000029659, "QRD package leaflet headings" (as the ePI guide publishes it).
QRD_SYSTEM = "https://spor.ema.europa.eu/v1/lists/200000029659"
#: The document type "Package Leaflet" (EMA SPOR RMS).
PACKAGE_LEAFLET = ("https://spor.ema.europa.eu/rmswi/", "100000155538", "Package Leaflet")
LOINC = "http://loinc.org"
LOINC_OID = "2.16.840.1.113883.6.1"

#: QRD heading code → (kind, heading as the template words it, QRD section number).
QRD: dict[str, tuple[Kind, str, int]] = {
    "200000029895": (Kind.USAGE, "What X is and what it is used for", 1),
    "200000029896": (Kind.PRECAUTIONS, "What you need to know before you take X", 2),
    "200000029897": (Kind.PRECAUTIONS, "Do not take X", 2),
    "200000029898": (Kind.PRECAUTIONS, "Warnings and precautions", 2),
    "200000029899": (Kind.PRECAUTIONS, "Children and adolescents", 2),
    "200000029900": (Kind.INTERACTIONS, "Other medicines and X", 2),
    "200000029901": (Kind.INTERACTIONS, "X with food, drink and alcohol", 2),
    "200000029902": (Kind.PRECAUTIONS, "Pregnancy, breast-feeding and fertility", 2),
    "200000029903": (Kind.PRECAUTIONS, "Driving and using machines", 2),
    "200000029904": (Kind.PRECAUTIONS, "X contains", 2),
    "200000029905": (Kind.DOSAGE, "How to take X", 3),
    "200000029906": (Kind.DOSAGE, "Use in children and adolescents", 3),
    "200000029907": (Kind.DOSAGE, "If you take more X than you should", 3),
    "200000029908": (Kind.DOSAGE, "If you forget to take X", 3),
    "200000029909": (Kind.DOSAGE, "If you stop taking X", 3),
    "200000029910": (Kind.SIDE_EFFECTS, "Possible side effects", 4),
    "200000029911": (Kind.SIDE_EFFECTS, "Additional side effects in children and adolescents", 4),
    "200000029912": (Kind.SIDE_EFFECTS, "Reporting of side effects", 4),
    "200000029913": (Kind.STORAGE, "How to store X", 5),
    "200000029914": (Kind.OTHER, "Contents of the pack and other information", 6),
    "200000029915": (Kind.OTHER, "What X contains", 6),
    "200000029916": (Kind.OTHER, "What X looks like and contents of the pack", 6),
    "200000029917": (Kind.OTHER, "Marketing Authorisation Holder and Manufacturer", 6),
    "200000029918": (Kind.OTHER, "This medicine is authorised under the following names", 6),
    "200000029919": (Kind.OTHER, "This leaflet was last revised in", 6),
    "200000029920": (Kind.OTHER, "Other sources of information", 6),
    "200000029921": (Kind.OTHER, "Information for healthcare professionals only", 6),
}
#: The kind of each numbered QRD section ("4. Possible side effects").
QRD_NUMBER: dict[int, Kind] = {
    1: Kind.USAGE,
    2: Kind.PRECAUTIONS,
    3: Kind.DOSAGE,
    4: Kind.SIDE_EFFECTS,
    5: Kind.STORAGE,
    6: Kind.OTHER,
}
#: The code the ePI writer gives each kind: the six numbered headings, and interactions.
QRD_FOR_KIND: dict[Kind, str] = {
    Kind.USAGE: "200000029895",
    Kind.PRECAUTIONS: "200000029896",
    Kind.INTERACTIONS: "200000029900",
    Kind.DOSAGE: "200000029905",
    Kind.SIDE_EFFECTS: "200000029910",
    Kind.STORAGE: "200000029913",
}
#: Codes of a section that holds a whole leaflet (its sub-sections are the leaflet's sections).
WRAPPERS = frozenset({"100000155538", "200000029894", "42230-3", "42231-1", "68498-5"})

#: LOINC section codes (SPL, and ePI bundles converted from SPL) → kind.
LOINC_KINDS: dict[str, Kind] = {
    "34066-1": Kind.BOXED_WARNING,
    "34067-9": Kind.USAGE,  # Indications & usage; "Uses" in Drug Facts
    "55105-1": Kind.USAGE,  # OTC purpose
    "34068-7": Kind.DOSAGE,  # Dosage & administration; "Directions"
    "59845-8": Kind.DOSAGE,  # Instructions for use
    "34084-4": Kind.SIDE_EFFECTS,
    "34070-3": Kind.PRECAUTIONS,
    "34071-1": Kind.PRECAUTIONS,
    "42232-9": Kind.PRECAUTIONS,
    "43685-7": Kind.PRECAUTIONS,
    "50570-1": Kind.PRECAUTIONS,  # OTC do not use
    "50569-3": Kind.PRECAUTIONS,  # OTC ask a doctor
    "50568-5": Kind.PRECAUTIONS,  # OTC ask a doctor or pharmacist
    "50567-7": Kind.PRECAUTIONS,  # OTC when using
    "50566-9": Kind.PRECAUTIONS,  # OTC stop use
    "50565-1": Kind.PRECAUTIONS,  # OTC keep out of reach of children
    "53414-9": Kind.PRECAUTIONS,  # OTC pregnancy or breast feeding
    "34073-7": Kind.INTERACTIONS,
    "44425-7": Kind.STORAGE,
    "43679-0": Kind.HOW_IT_WORKS,
    "55106-9": Kind.GENERIC_NAME,  # OTC active ingredient
    "51727-6": Kind.OTHER,  # inactive ingredients
    "53413-1": Kind.OTHER,  # OTC questions
    "60561-8": Kind.OTHER,  # other safety information
    "51945-4": Kind.OTHER,  # package label, principal display panel
}
#: LOINC "SPL UNCLASSIFIED SECTION": the title says what the section is.
UNCLASSIFIED = "42229-5"
#: The patient parts of an SPL document, by LOINC code.
PATIENT_PARTS: dict[str, str] = {
    "42231-1": "Medication Guide",
    "42230-3": "patient package insert",
    "68498-5": "Patient Medication Information",
    "59845-8": "Instructions for Use",
}
BOXED_WARNING = "34066-1"
#: SPL document type "HUMAN OTC DRUG LABEL", and the sections only Drug Facts have.
OTC_DOCUMENT = "34390-5"
OTC_SECTIONS = frozenset(
    {
        "55106-9",
        "55105-1",
        "50570-1",
        "50569-3",
        "50568-5",
        "50567-7",
        "50566-9",
        "50565-1",
        "53414-9",
        "53413-1",
    }
)
#: SPL sections that hold product data, never text.
DATA_SECTIONS = frozenset({"48780-1", "48779-3"})
