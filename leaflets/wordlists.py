"""The words the parser reads a page by, one ``Words`` record per language (``vocabulary`` compiles them).

Adding a language is adding a record to ``LANGUAGES``: ``vocabulary``'s patterns are compiled from
all of them, because pages do not always say their language (an English page may carry a French
label, a page with ``lang: fr`` an English one).

Entries of ``sections``, ``side_effects``, ``serious``, ``negators``, ``not_serious`` and ``refusals`` are
regular-expression fragments, matched case-insensitively. For a language written with spaces
(``spaced=True``) each fragment must match whole words; for a language written without spaces
(Chinese, Japanese) it matches anywhere. ``frequency`` and ``connectors`` are sets of single words
(or, for an unspaced language, strings): a label made only of them names a group by frequency
("Common", "Less common but serious"). They are matched as sets, never as one alternation
repeated, so a long label cannot make matching slow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from .model import Kind


@dataclass(frozen=True)
class Words:
    """One language's vocabulary (see the module docstring for how entries are matched)."""

    code: str
    #: Keywords that name each section kind (a label names a section by keyword, not exact text).
    sections: Mapping[Kind, tuple[str, ...]]
    #: Words that name side effects themselves ("side effects", "adverse reactions").
    side_effects: tuple[str, ...]
    #: Nouns that name a kind of effect in a group label ("Long-term *effects*"): such a label is
    #: a group of its own, not a sub-label of the group before it.
    effect_nouns: tuple[str, ...]
    #: Words that say a group is serious or urgent, in a label, a lead-in or an item.
    serious: tuple[str, ...]
    #: Words that, right before a serious word, turn it round ("not", "non-", "less").
    negators: tuple[str, ...]
    #: Other phrases that hold a serious word but do not say serious ("mild to severe").
    not_serious: tuple[str, ...]
    #: Words that rank a group by how often ("common", "rare").
    frequency: frozenset[str]
    #: Words that rank a group by how badly ("mild", "serious").
    grades: frozenset[str]
    #: Words that qualify or join those in a label ("*Less* common *but* serious").
    connectors: frozenset[str]
    #: Labels of a question or an answer, never of a section ("Q", "Answer").
    qa_labels: tuple[str, ...]
    #: The model declining to answer: "I cannot provide information on …".
    refusals: tuple[str, ...] = ()
    #: The headings official patient leaflets use (FDA Medication Guides, 21 CFR 208.20; EU QRD
    #: headings without their number), matched at the start of a heading, by the kind they name.
    #: ``Kind.OTHER``: a known heading with no section of its own ("What are the ingredients").
    official_headings: tuple[tuple[Kind, str], ...] = ()
    spaced: bool = True
    #: Filled in by ``__post_init__``: the frequency and connector words, case-folded.
    _qualifiers: frozenset[str] = field(default=frozenset(), repr=False, compare=False)

    def __post_init__(self) -> None:
        words = {w.casefold() for w in self.frequency | self.grades | self.connectors}
        object.__setattr__(self, "_qualifiers", frozenset(words))
        object.__setattr__(self, "sections", MappingProxyType(dict(self.sections)))


def words(spaced: str) -> frozenset[str]:
    """A set of words written as one string: ``words("rare common")``."""
    return frozenset(spaced.split())


ENGLISH = Words(
    code="en",
    sections={
        Kind.GENERIC_NAME: (r"generic\s+names?",),
        Kind.SIDE_EFFECTS: (r"side[\s-]*effects?", r"adverse\s+(?:drug\s+)?(?:effects?|reactions?|events?)"),
        Kind.FAQS: (r"faqs?", r"frequently\s+asked", r"common\s+questions", r"questions"),
        Kind.HOW_IT_WORKS: (r"how\s+(?:\S+\s+){0,4}?works?", r"mechanism(?:\s+of\s+action)?"),
        Kind.DOSAGE: (r"dosage", r"doses?", r"dosing", r"how\s+to\s+(?:take|use)", r"administration"),
        Kind.USAGE: (
            r"usage",
            r"uses?",
            r"indications?",
            r"used\s+for",
            r"what\s+(?:it|is\s+it)\s+(?:is\s+)?used\s+for",
        ),
        Kind.PRECAUTIONS: (r"precautions?", r"warnings?", r"contra-?indications?", r"cautions?"),
        Kind.INTERACTIONS: (r"interactions?",),
        Kind.STORAGE: (r"storage", r"how\s+to\s+store", r"storing"),
        Kind.DISCLAIMER: (r"disclaimer",),
        Kind.NOTE: (r"note",),
    },
    side_effects=(r"side[\s-]*effects?", r"adverse\s+(?:drug\s+)?(?:effects?|reactions?|events?)"),
    effect_nouns=(r"effects?", r"reactions?", r"events?"),
    serious=(
        r"serious(?:ly)?",
        r"severe(?:ly)?",
        r"life[\s-]*threatening",
        r"emergency",
        r"emergencies",
        r"immediately",
        r"immediate\s+medical",
        r"urgent(?:ly)?",
        r"right\s+away",
        r"straight\s+away",
        r"fatal",
    ),
    negators=(
        r"(?:not|never|seldom|rarely)(?:\s+(?:usually|generally|typically|normally|very|always|often"
        r"|considered|an?|need|require|requiring|needing|be|treated))*",
        r"non",
        r"less",
        r"no",
    ),
    not_serious=(r"(?:mild|minor)\s+(?:to|or)\s+(?:moderate\s+(?:to|or)\s+)?(?:serious|severe)",),
    frequency=words("rare rarely common commonly uncommon frequent frequently infrequent occasional"),
    grades=words("serious severe mild moderate minor"),
    connectors=words(
        "but and or very less more most not other possible potential potentially possibly general"
        " generally usually sometimes also"
    ),
    qa_labels=(r"[qap]\s*\d*", "question", "answer"),
    refusals=(
        r"I\s+(?:cannot|can[’']t|can\s+not|am\s+unable\s+to|am\s+not\s+able\s+to|’m\s+unable\s+to"
        r"|'m\s+unable\s+to)\s+(?:provide|give|offer|share)",
    ),
    # "See the 'What are the possible side effects?' section" is a sentence: anchored at the start.
    official_headings=(
        (Kind.SIDE_EFFECTS, r"what\s+is\s+the\s+most\s+important\s+information"),
        (Kind.SIDE_EFFECTS, r"what\s+are\s+the\s+possible\s+side\s+effects|possible\s+side\s+effects"),
        (Kind.USAGE, r"what\s+is\s+[^?]{1,60}\?$|what\s+.{1,80}\s+is\s+and\s+what\s+it\s+is\s+used\s+for"),
        (Kind.PRECAUTIONS, r"who\s+should\s+not|what\s+should\s+i\s+(?:tell|avoid)"),
        (
            Kind.PRECAUTIONS,
            r"before\s+(?:you\s+)?(?:tak|us|start|receiv)\w*|what\s+you\s+need\s+to\s+know\s+before",
        ),
        (Kind.STORAGE, r"how\s+(?:should\s+i\s+|to\s+)store"),
        (
            Kind.DOSAGE,
            r"how\s+(?:should\s+i|do\s+i|to)\s+(?:take|use|inject|give|apply)|instructions\s+for\s+use",
        ),
        (
            Kind.OTHER,
            r"general\s+information\s+about|what\s+are\s+the\s+ingredients|contents\s+of\s+the\s+pack",
        ),
        (Kind.OTHER, r"manufacture[rd]|marketing\s+authori[sz]ation\s+holder"),
    ),
)

FRENCH = Words(
    code="fr",
    sections={
        Kind.GENERIC_NAME: (r"nom\s+générique", r"dénomination\s+commune"),
        Kind.SIDE_EFFECTS: (r"effets?\s+(?:secondaires?|indésirables?)",),
        Kind.FAQS: (r"foire\s+aux\s+questions",),
        Kind.HOW_IT_WORKS: (
            r"mode\s+d[’']action",
            r"mécanisme(?:\s+d[’']action)?",
            r"comment\s+(?:\S+\s+){0,3}?(?:agit|fonctionne)",
        ),
        Kind.DOSAGE: (r"posologie", r"mode\s+d[’']emploi"),
        Kind.USAGE: (r"utilisations?",),
        Kind.PRECAUTIONS: (r"précautions?", r"mises?\s+en\s+garde"),
        Kind.STORAGE: (r"conservation",),
        Kind.DISCLAIMER: (r"avertissement", r"clause\s+de\s+non-responsabilité"),
        Kind.NOTE: (r"remarque",),
    },
    side_effects=(r"effets?\s+(?:secondaires?|indésirables?)",),
    effect_nouns=(r"effets?", r"réactions?"),
    serious=(r"graves?", r"sévères?", r"sérieux", r"sérieuses?", r"urgences?", r"immédiatement"),
    negators=(r"pas(?:\s+(?:très|trop|forcément|toujours))?", r"non", r"peu", r"moins"),
    not_serious=(r"(?:légers?|légères?)\s+à\s+(?:graves?|sévères?)",),
    frequency=words("fréquent fréquents fréquente fréquentes rare rares courant courants occasionnels"),
    grades=words("grave graves sévère sévères léger légers légère légères modérés"),
    connectors=words("et mais ou peu très plus moins autres"),
    qa_labels=(r"r\s*\d*", "réponse"),
    refusals=(r"je\s+ne\s+(?:peux|suis)\s+pas\s+(?:en\s+mesure\s+de\s+)?(?:fournir|donner)",),
)

SPANISH = Words(
    code="es",
    sections={
        Kind.GENERIC_NAME: (r"nombre\s+genérico", r"denominación\s+común"),
        Kind.SIDE_EFFECTS: (r"efectos?\s+(?:secundarios?|adversos?)", r"reacciones\s+adversas"),
        Kind.FAQS: (r"preguntas(?:\s+frecuentes)?",),
        Kind.HOW_IT_WORKS: (r"mecanismo(?:\s+de\s+acción)?", r"cómo\s+(?:\S+\s+){0,3}?(?:funciona|actúa)"),
        Kind.DOSAGE: (r"dosis", r"posología", r"dosificación", r"cómo\s+(?:tomar|usar)"),
        Kind.USAGE: (r"usos?", r"indicaciones", r"para\s+qué\s+sirve"),
        Kind.PRECAUTIONS: (r"precauciones", r"advertencias", r"contraindicaciones"),
        Kind.INTERACTIONS: (r"interacciones",),
        Kind.STORAGE: (r"conservación", r"almacenamiento"),
        Kind.DISCLAIMER: (r"aviso(?:\s+legal)?", r"descargo(?:\s+de\s+responsabilidad)?"),
        Kind.NOTE: (r"nota",),
    },
    side_effects=(r"efectos?\s+(?:secundarios?|adversos?)", r"reacciones\s+adversas"),
    effect_nouns=(r"efectos?", r"reacciones?"),
    serious=(r"graves?", r"severos?", r"severas?", r"urgencias?", r"inmediatamente", r"de\s+inmediato"),
    negators=(r"no(?:\s+(?:es|son|suelen\s+ser|muy))?", r"poco", r"menos"),
    not_serious=(r"leves?\s+a\s+(?:graves?|severos?|severas?)",),
    frequency=words("frecuente frecuentes raro raros rara raras común comunes"),
    grades=words("leve leves grave graves severo severos severa severas"),
    connectors=words("pero y o poco muy más menos otros"),
    qa_labels=(r"p\s*\d*", "pregunta", "respuesta"),
    refusals=(r"no\s+puedo\s+(?:proporcionar|dar|ofrecer)",),
)

#: The article and the prefixes Arabic writes joined to a word ("الآثار", "والآثار", "للآثار").
_AR = r"(?:[وفبلك]?(?:ال|لل))?"

ARABIC = Words(
    code="ar",
    sections={
        Kind.GENERIC_NAME: (rf"{_AR}اسم\s+(?:ال)?(?:علمي|عام|جنيس)",),
        Kind.SIDE_EFFECTS: (rf"{_AR}(?:آثار|أعراض|تأثيرات)\s+(?:ال)?(?:جانبية|ضارة)",),
        Kind.FAQS: (rf"{_AR}أسئلة\s+(?:ال)?(?:شائعة|متكررة)",),
        Kind.HOW_IT_WORKS: (r"كيف\s+يعمل", rf"{_AR}آلية\s+(?:ال)?عمل", r"طريقة\s+عمل"),
        Kind.DOSAGE: (rf"{_AR}جرع(?:ة|ات)", r"(?:طريقة|كيفية)\s+(?:ال)?(?:استخدام|استعمال|تناول)"),
        Kind.USAGE: (rf"{_AR}(?:استخدام|استعمال)(?:ات)?", r"دواعي\s+(?:ال)?(?:استعمال|استخدام)"),
        Kind.PRECAUTIONS: (rf"{_AR}(?:احتياطات|تحذيرات)", r"موانع\s+(?:ال)?(?:استعمال|استخدام)"),
        Kind.INTERACTIONS: (rf"{_AR}(?:تداخلات|تفاعلات)(?:\s+(?:ال)?دوائية)?",),
        Kind.STORAGE: (rf"{_AR}(?:تخزين|حفظ)",),
        Kind.DISCLAIMER: (r"إخلاء\s+(?:ال)?مسؤولية",),
        Kind.NOTE: (rf"{_AR}ملاحظة",),
    },
    side_effects=(rf"{_AR}(?:آثار|أعراض|تأثيرات)\s+(?:ال)?(?:جانبية|ضارة)",),
    effect_nouns=(rf"{_AR}(?:آثار|أعراض|تأثيرات|تفاعلات)",),
    serious=(
        rf"{_AR}(?:خطير|شديد)ة?",
        rf"{_AR}خطورة",
        rf"{_AR}طارئة",
        rf"{_AR}طوارئ",
        r"فوراً|فورا",
        r"على\s+الفور",
        r"مهدد(?:ة)?\s+للحياة",
    ),
    negators=(r"غير", r"ليست?", r"أقل"),
    not_serious=(),
    frequency=words("شائعة الشائعة نادرة النادرة شائع"),
    grades=words("خطيرة الخطيرة شديدة الشديدة خفيفة الخفيفة"),
    connectors=words("و أو لكن أقل أكثر جدا جداً أخرى"),
    qa_labels=("سؤال", "جواب", "س", "ج"),
)

CHINESE = Words(
    code="zh",
    sections={
        Kind.GENERIC_NAME: (r"通用名称?", r"药品名称"),
        Kind.SIDE_EFFECTS: (r"副作用", r"不良反应"),
        Kind.FAQS: (r"常见问题", r"问答"),
        Kind.HOW_IT_WORKS: (r"作用机制", r"作用原理", r"药理作用", r"如何起作用"),
        Kind.DOSAGE: (r"用法用量", r"用法", r"用量", r"剂量", r"服用方法"),
        Kind.USAGE: (r"用途", r"适应症", r"适应证", r"主治"),
        Kind.PRECAUTIONS: (r"注意事项", r"警告", r"禁忌", r"慎用"),
        Kind.INTERACTIONS: (r"相互作用",),
        Kind.STORAGE: (r"贮藏", r"储存", r"贮存", r"保存"),
        Kind.DISCLAIMER: (r"免责声明",),
        Kind.NOTE: (r"备注", r"附注"),
    },
    side_effects=(r"副作用", r"不良反应"),
    effect_nouns=(r"反应", r"作用"),
    serious=(r"严重", r"危及生命", r"紧急", r"立即", r"马上", r"急诊"),
    negators=(),
    # Chinese writes no space between a negation and what it negates: "不严重", "较不严重".
    not_serious=(r"(?:不|较不|并不|非|不太)严重",),
    frequency=frozenset({"常见", "罕见", "少见", "较常见", "不常见"}),
    grades=frozenset({"严重", "轻微", "轻度"}),
    connectors=frozenset({"和", "或", "但", "较", "其他", "的"}),
    qa_labels=("问", "答"),
    spaced=False,
)

RUSSIAN = Words(
    code="ru",
    sections={
        Kind.GENERIC_NAME: (
            r"(?:международное\s+)?непатентованное\s+(?:наименование|название)",
            r"мнн",
            r"действующее\s+вещество",
        ),
        Kind.SIDE_EFFECTS: (
            r"побочн\w*\s+(?:эффекты?|действи[ея]|явления|реакции)",
            r"нежелательн\w*\s+(?:реакции|явления)",
        ),
        Kind.FAQS: (r"часто\s+задаваемые\s+вопросы", r"вопросы(?:\s+и\s+ответы)?"),
        Kind.HOW_IT_WORKS: (r"механизм\s+действия", r"как\s+(?:\S+\s+)?(?:действует|работает)"),
        Kind.DOSAGE: (
            r"дозировк\w*",
            r"дозы?",
            r"способ\s+применения",
            r"как\s+принимать",
            r"режим\s+дозирования",
        ),
        Kind.USAGE: (
            r"применение",
            r"показания(?:\s+к\s+применению)?",
            r"для\s+чего\s+(?:применяется|используется)",
        ),
        Kind.PRECAUTIONS: (
            r"меры\s+предосторожности",
            r"предостережения",
            r"противопоказания",
            r"особые\s+указания",
            r"предупреждения",
        ),
        Kind.INTERACTIONS: (r"взаимодействи[ея]\w*",),
        Kind.STORAGE: (r"хранение", r"условия\s+хранения", r"как\s+хранить"),
        Kind.DISCLAIMER: (r"отказ\s+от\s+ответственности",),
        Kind.NOTE: (r"примечание",),
    },
    side_effects=(
        r"побочн\w*\s+(?:эффект|действи|явлени|реакци)\w*",
        r"нежелательн\w*\s+(?:реакци|явлени)\w*",
    ),
    effect_nouns=(r"эффект\w*", r"реакци\w*", r"действи[ея]"),
    serious=(
        r"серь[её]зн\w*",
        r"тяж[её]л\w*",
        r"опасн\w*\s+для\s+жизни",
        r"угрожа\w*\s+жизни",
        r"немедленно",
        r"срочно",
        r"неотложн\w*",
    ),
    negators=(r"не(?:\s+(?:очень|слишком|всегда))?", r"менее"),
    not_serious=(r"(?:л[её]гк\w*|слаб\w*)\s+(?:или|до)\s+(?:серь[её]зн|тяж[её]л)\w*",),
    frequency=words("частые частый часто редкие редкий редко нечастые распространённые"),
    grades=words("серьёзные серьезные тяжёлые тяжелые лёгкие легкие"),
    connectors=words("и или но более менее очень другие"),
    qa_labels=(r"в\s*\d*", r"о\s*\d*", "вопрос", "ответ"),
)

VIETNAMESE = Words(
    code="vi",
    sections={
        Kind.GENERIC_NAME: (r"tên\s+(?:gốc|chung|hoạt\s+chất)", r"hoạt\s+chất"),
        Kind.SIDE_EFFECTS: (r"tác\s+dụng\s+(?:phụ|không\s+mong\s+muốn)", r"phản\s+ứng\s+có\s+hại"),
        Kind.FAQS: (r"câu\s+hỏi(?:\s+thường\s+gặp)?", r"hỏi\s+đáp"),
        Kind.HOW_IT_WORKS: (
            r"cơ\s+chế(?:\s+(?:tác\s+dụng|hoạt\s+động))?",
            r"cách\s+(?:\S+\s+){0,2}?hoạt\s+động",
        ),
        Kind.DOSAGE: (r"liều(?:\s+(?:dùng|lượng))?", r"cách\s+(?:dùng|sử\s+dụng)"),
        Kind.USAGE: (r"công\s+dụng", r"chỉ\s+định"),
        Kind.PRECAUTIONS: (r"thận\s+trọng", r"lưu\s+ý", r"cảnh\s+báo", r"chống\s+chỉ\s+định"),
        Kind.INTERACTIONS: (r"tương\s+tác(?:\s+thuốc)?",),
        Kind.STORAGE: (r"bảo\s+quản",),
        Kind.DISCLAIMER: (r"(?:tuyên\s+bố\s+)?miễn\s+trừ\s+trách\s+nhiệm",),
        Kind.NOTE: (r"ghi\s+chú",),
    },
    side_effects=(r"tác\s+dụng\s+(?:phụ|không\s+mong\s+muốn)", r"phản\s+ứng\s+có\s+hại"),
    effect_nouns=(r"tác\s+dụng", r"phản\s+ứng"),
    serious=(
        r"nghiêm\s+trọng",
        r"nguy\s+hiểm",
        r"đe\s+dọa\s+tính\s+mạng",
        r"cấp\s+cứu",
        r"ngay\s+lập\s+tức",
        r"khẩn\s+cấp",
    ),
    negators=(r"không(?:\s+(?:quá|mấy))?", r"ít"),
    not_serious=(r"(?:nhẹ)\s+(?:đến|hoặc)\s+nghiêm\s+trọng",),
    frequency=words("thường gặp hiếm ít phổ biến"),
    grades=words("nghiêm trọng nhẹ nặng"),
    connectors=words("và hoặc nhưng hơn rất khác"),
    qa_labels=("hỏi", "đáp"),
)

#: Every language the parser reads. Add a language here.
LANGUAGES: tuple[Words, ...] = (ENGLISH, FRENCH, SPANISH, ARABIC, CHINESE, RUSSIAN, VIETNAMESE)
